/**
 * Building blocks for the BGP interop tests: router namespaces, point-to-point
 * links and shared LANs with IPv4 and IPv6 addresses, kernel route reads, a
 * watcher that records whether a route ever left the kernel, and a ping stream
 * whose loss can be measured over a window.
 *
 * IPv6 addresses are added with `nodad` and DAD is off in every namespace:
 * a tentative address cannot be a BGP endpoint, and waiting out DAD on each
 * link would cost seconds per test.
 */
import type { ChildProcess } from 'node:child_process';
import type { NetnsScope } from '../../harness/netns.ts';
import { waitFor } from '../../harness/daemons/common.ts';

export interface End {
  ns: string;
  name: string;
  v4?: string;
  v6?: string;
}

/** A namespace that forwards both families, with DAD off so v6 addresses are usable at once. */
export async function router(scope: NetnsScope): Promise<string> {
  const ns = await scope.createNamespace();
  for (const [k, v] of [
    ['net.ipv6.conf.all.accept_dad', '0'],
    ['net.ipv6.conf.default.accept_dad', '0'],
    ['net.ipv4.conf.all.forwarding', '1'],
    ['net.ipv6.conf.all.forwarding', '1'],
  ] as const) {
    await scope.sysctl(ns, k, v);
  }
  return ns;
}

async function address(scope: NetnsScope, e: End): Promise<void> {
  if (e.v4) await scope.exec(e.ns, ['ip', 'addr', 'add', e.v4, 'dev', e.name]);
  if (e.v6) await scope.exec(e.ns, ['ip', '-6', 'addr', 'add', e.v6, 'dev', e.name, 'nodad']);
}

/** A veth between two namespaces with the given addresses on each end. */
export async function p2p(scope: NetnsScope, a: End, b: End): Promise<void> {
  await scope.veth({ ns: a.ns, name: a.name }, { ns: b.ns, name: b.name });
  await address(scope, a);
  await address(scope, b);
}

/**
 * One L2 segment (a bridge in its own namespace) joining all members, so that
 * every member's address is a directly connected next hop for the others, as
 * on a cluster's node subnet. Returns the bridge's namespace.
 */
export async function lan(scope: NetnsScope, members: End[]): Promise<string> {
  const sw = await scope.createNamespace();
  await scope.exec(sw, ['ip', 'link', 'add', 'br0', 'type', 'bridge']);
  await scope.linkUp(sw, 'br0');
  for (const [i, m] of members.entries()) {
    const port = `p${i}`;
    await scope.veth({ ns: m.ns, name: m.name }, { ns: sw, name: port });
    await scope.exec(sw, ['ip', 'link', 'set', port, 'master', 'br0']);
    await address(scope, m);
  }
  return sw;
}

/**
 * A host namespace hanging off `gw` on its own /24 (IPv4) and /64 (IPv6),
 * with default routes to `gw`. The router's side is the .1 / ::1 address.
 */
export async function host(
  scope: NetnsScope,
  gw: string,
  opts: { name: string; v4net: string; v6net: string },
): Promise<{ ns: string; v4: string; v6: string }> {
  const ns = await router(scope);
  const v4base = opts.v4net.replace(/\.0\/24$/, '');
  const v6base = opts.v6net.replace(/::\/64$/, '');
  await p2p(
    scope,
    { ns: gw, name: opts.name, v4: `${v4base}.1/24`, v6: `${v6base}::1/64` },
    { ns, name: 'eth0', v4: `${v4base}.2/24`, v6: `${v6base}::2/64` },
  );
  await scope.exec(ns, ['ip', 'route', 'add', 'default', 'via', `${v4base}.1`]);
  await scope.exec(ns, ['ip', '-6', 'route', 'add', 'default', 'via', `${v6base}::1`]);
  return { ns, v4: `${v4base}.2`, v6: `${v6base}::2` };
}

export interface KernelRoute {
  prefix: string;
  protocol: string;
  /** Gateways, one per next hop (several for a multipath route). */
  via: string[];
  type?: string;
}

interface IpJsonRoute {
  dst: string;
  protocol?: string;
  gateway?: string;
  type?: string;
  nexthops?: { gateway?: string }[];
}

/** Routes in `ns`'s main table, optionally only those of one protocol (`85`, `bird`, `bgp`). */
export async function kernelRoutes(scope: NetnsScope, ns: string, family: 'ipv4' | 'ipv6', proto?: string | number): Promise<KernelRoute[]> {
  const argv = ['ip', '-j', family === 'ipv6' ? '-6' : '-4', 'route', 'show', 'table', 'main'];
  if (proto !== undefined) argv.push('proto', String(proto));
  const r = await scope.exec(ns, argv);
  const list = JSON.parse(r.stdout.trim() || '[]') as IpJsonRoute[];
  return list.map((j) => ({
    prefix: normalize(j.dst, family),
    protocol: j.protocol ?? (proto !== undefined ? String(proto) : 'unknown'),
    via: j.nexthops ? j.nexthops.map((n) => n.gateway ?? '') : j.gateway ? [j.gateway] : [],
    ...(j.type ? { type: j.type } : {}),
  }));
}

function normalize(dst: string, family: 'ipv4' | 'ipv6'): string {
  if (dst === 'default') return family === 'ipv6' ? '::/0' : '0.0.0.0/0';
  return dst.includes('/') ? dst : `${dst}/${family === 'ipv6' ? 128 : 32}`;
}

export function familyOf(prefix: string): 'ipv4' | 'ipv6' {
  return prefix.includes(':') ? 'ipv6' : 'ipv4';
}

export async function kernelRoute(scope: NetnsScope, ns: string, prefix: string, proto?: string | number): Promise<KernelRoute | undefined> {
  return (await kernelRoutes(scope, ns, familyOf(prefix), proto)).find((r) => r.prefix === prefix);
}

/** Waits until `prefix` is in `ns`'s kernel table (of `proto`, if given) and `ok` accepts it. */
export function waitKernelRoute(
  scope: NetnsScope,
  ns: string,
  prefix: string,
  opts: { proto?: string | number; ok?: (r: KernelRoute) => boolean; timeoutMs?: number } = {},
): Promise<KernelRoute> {
  let last: KernelRoute | undefined;
  return waitFor(
    `kernel route ${prefix} in ${ns}${opts.proto !== undefined ? ` (proto ${opts.proto})` : ''}`,
    async () => {
      last = await kernelRoute(scope, ns, prefix, opts.proto);
      return last && (!opts.ok || opts.ok(last)) ? last : undefined;
    },
    opts.timeoutMs ?? 20_000,
  ).catch((e: Error) => {
    throw new Error(`${e.message}; last seen: ${JSON.stringify(last)}`);
  });
}

/** Waits until `prefix` has no route in `ns`'s kernel table (of `proto`, if given). */
export function waitNoKernelRoute(scope: NetnsScope, ns: string, prefix: string, opts: { proto?: string | number; timeoutMs?: number } = {}): Promise<true> {
  let last: KernelRoute | undefined;
  return waitFor(
    `no kernel route ${prefix} in ${ns}`,
    async () => {
      last = await kernelRoute(scope, ns, prefix, opts.proto);
      return last ? undefined : true;
    },
    opts.timeoutMs ?? 20_000,
  ).catch((e: Error) => {
    throw new Error(`${e.message}; still there: ${JSON.stringify(last)}`);
  });
}

/**
 * Polls a kernel route until stopped and remembers every moment it was
 * missing, so a graceful-restart test can assert that it never was.
 */
export class RouteWatch {
  readonly gaps: string[] = [];
  private polls = 0;
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(scope: NetnsScope, ns: string, prefix: string, proto?: string | number, intervalMs = 50) {
    this.done = (async () => {
      while (!this.stopped) {
        const r = await kernelRoute(scope, ns, prefix, proto).catch(() => undefined);
        this.polls++;
        if (!r) this.gaps.push(new Date().toISOString());
        await new Promise((res) => setTimeout(res, intervalMs));
      }
    })();
  }

  /** Stops polling; returns how many polls ran (a watch that never polled proves nothing). */
  async stop(): Promise<number> {
    this.stopped = true;
    await this.done;
    return this.polls;
  }
}

/**
 * `ip monitor route` in a namespace, keeping every deletion of one prefix.
 * Polling can miss a delete followed by a re-add between two polls; the
 * kernel's own notifications cannot.
 */
export class RouteMonitor {
  private readonly proc: ChildProcess;
  readonly deletions: string[] = [];
  private seen = '';

  private constructor(proc: ChildProcess, prefix: string) {
    this.proc = proc;
    let buf = '';
    proc.stdout?.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) {
        this.seen += line + '\n';
        if (line.startsWith('Deleted ') && line.split(/\s+/).includes(prefix)) this.deletions.push(line);
      }
    });
  }

  /** Starts the monitor (line-buffered: ip buffers a pipe) and proves it is listening with a probe route it must report. */
  static async start(scope: NetnsScope, ns: string, prefix: string): Promise<RouteMonitor> {
    const family = familyOf(prefix);
    const m = new RouteMonitor(scope.spawn(ns, ['stdbuf', '-oL', 'ip', family === 'ipv6' ? '-6' : '-4', 'monitor', 'route']), prefix);
    // Not a host route: ip prints those without their /32.
    const probe = family === 'ipv6' ? '2001:db8:ffff::/48' : '192.0.2.128/25';
    // The subscription may start after a first probe; each attempt adds and removes it again.
    await waitFor(
      'ip monitor to report the probe route',
      async () => {
        await scope.exec(ns, ['ip', 'route', 'replace', 'blackhole', probe]);
        await new Promise((res) => setTimeout(res, 100));
        await scope.exec(ns, ['ip', 'route', 'del', 'blackhole', probe]);
        return m.seen.includes(probe) ? true : undefined;
      },
      10_000,
    );
    return m;
  }

  stop(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
  }
}

/**
 * `ping -i 0.05 -O` from a namespace: every sequence number ends up either
 * answered or reported as unanswered, so loss over a window of sequence
 * numbers is exact rather than estimated from elapsed time.
 */
export class PingStream {
  private readonly proc: ChildProcess;
  private readonly replies = new Set<number>();
  private maxSeq = 0;
  private buf = '';

  constructor(scope: NetnsScope, ns: string, target: string) {
    this.proc = scope.spawn(ns, ['ping', target.includes(':') ? '-6' : '-4', '-n', '-O', '-i', '0.05', '-W', '1', target]);
    this.proc.stdout?.on('data', (c: Buffer) => {
      this.buf += c.toString('utf8');
      const lines = this.buf.split('\n');
      this.buf = lines.pop() ?? '';
      for (const line of lines) {
        const m = /icmp_seq=(\d+)/.exec(line);
        if (!m) continue;
        const seq = Number(m[1]);
        this.maxSeq = Math.max(this.maxSeq, seq);
        if (/bytes from/.test(line)) this.replies.add(seq);
      }
    });
  }

  /** The highest sequence number ping has reported on so far; a window starts after it. */
  get mark(): number {
    return this.maxSeq;
  }

  /** Waits for `n` replies in a row after the current mark: the path works now. */
  waitFlowing(n = 5, timeoutMs = 20_000): Promise<true> {
    const from = this.maxSeq;
    return waitFor(
      'ping replies',
      async () => {
        const got = [...this.replies].filter((s) => s > from).length;
        return got >= n ? true : undefined;
      },
      timeoutMs,
    );
  }

  /** Loss over sequence numbers (from, to]: sent, answered, and the lost fraction. */
  loss(from: number, to: number = this.maxSeq): { sent: number; answered: number; lost: number; fraction: number } {
    let answered = 0;
    for (let s = from + 1; s <= to; s++) if (this.replies.has(s)) answered++;
    const sent = Math.max(0, to - from);
    return { sent, answered, lost: sent - answered, fraction: sent === 0 ? 1 : (sent - answered) / sent };
  }

  stop(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGINT');
  }
}
