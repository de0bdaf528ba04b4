/**
 * Keeps the kernel FIB equal to the Loc-RIB's best routes, for the routes
 * reef owns: those tagged with reef's routing protocol number. Routes of any
 * other protocol are never touched: deletes carry our protocol (the kernel only
 * matches routes of that protocol), new prefixes are added with NLM_F_EXCL so
 * a foreign route with the same destination and metric is reported, not
 * replaced, and reconciliation dumps only our protocol.
 *
 * Desired state changes with each Loc-RIB batch; `flush()` writes the
 * difference from what is installed, in one pipelined batch. ECMP sets become
 * multipath routes; originated prefixes may get a blackhole route. Routes of a
 * peer in graceful restart stay, because the RIB keeps them as best until swept.
 */
import type { Logger } from '../../src/lib/log.ts';
import type { ChangeBatch } from '../rib/rib.ts';
import { bestPaths } from '../rib/rib.ts';
import type { Best } from '../rib/rib.ts';
import type { PrefixKey } from '../rib/prefix-key.ts';
import { formatKey, keyToPrefix, parseV4, parseV6, v4Key, v6Key } from '../rib/prefix-key.ts';
import { PrefixTable } from '../rib/prefix-table.ts';
import type { KernelRoute } from './rtnetlink.ts';
import { AF, RTN, RT_SCOPE, RT_TABLE_MAIN } from './rtnetlink.ts';
import type { RouteOp, RouteOpKind, RouteWriter } from './route-writer.ts';

/**
 * reef's routing protocol number. Unused in iproute2's rt_protos and FRR's
 * rt_protos.d (11 zebra, 12 bird, 186-197 FRR), and not Calico's 80, so both
 * can run on one host; name it with `echo '85 reef' > /etc/iproute2/rt_protos.d/reef.conf`.
 */
export const RTPROT_REEF = 85;

export interface FibConfig {
  readonly protocol?: number;
  readonly table?: number;
  /** Metric of our routes; a foreign route with another metric never collides with ours. */
  readonly metric?: number;
  /** Install a blackhole route for prefixes we originate (so traffic to unused block addresses stops here). */
  readonly blackholeOriginated?: boolean;
}

export interface FibFailure {
  readonly prefix: string;
  readonly op: RouteOpKind;
  readonly errno: number;
}

export interface FlushResult {
  readonly added: number;
  readonly replaced: number;
  readonly deleted: number;
  readonly failed: readonly FibFailure[];
}

interface Desired {
  readonly sig: string;
  readonly route: KernelRoute;
}

export class FibSyncer {
  readonly #w: RouteWriter;
  readonly #protocol: number;
  readonly #table: number;
  readonly #metric: number;
  readonly #blackhole: boolean;
  readonly #log: Logger | undefined;
  readonly #desired = new PrefixTable<Desired>();
  /** What the kernel holds from us, by signature, as far as we know. */
  readonly #installed = new PrefixTable<string>();
  #dirty = new Set<PrefixKey>();

  constructor(writer: RouteWriter, config: FibConfig = {}, log?: Logger) {
    this.#w = writer;
    this.#protocol = config.protocol ?? RTPROT_REEF;
    this.#table = config.table ?? RT_TABLE_MAIN;
    this.#metric = config.metric ?? 20;
    this.#blackhole = config.blackholeOriginated ?? false;
    this.#log = log;
  }

  get pending(): number {
    return this.#dirty.size;
  }

  get installedCount(): number {
    return this.#installed.size;
  }

  /** Feed with `rib.subscribe((b) => fib.onChanges(b))`; nothing is written until `flush()`. */
  onChanges(batch: ChangeBatch): void {
    for (let i = 0; i < batch.keys.length; i++) this.#want(batch.keys[i]!, batch.best[i]!);
  }

  /** Writes every pending difference in one pipelined batch; per-route failures are returned and logged. */
  async flush(): Promise<FlushResult> {
    const keys: PrefixKey[] = [];
    const ops: RouteOp[] = [];
    const sigs: (string | undefined)[] = [];
    for (const key of this.#dirty) {
      const want = this.#desired.get(key);
      const have = this.#installed.get(key);
      if (want?.sig === have) continue;
      keys.push(key);
      sigs.push(want?.sig);
      if (want === undefined) ops.push({ kind: 'delete', route: this.#deletion(key) });
      else ops.push({ kind: have === undefined ? 'add' : 'replace', route: want.route });
    }
    this.#dirty = new Set();
    const errnos = ops.length > 0 ? await this.#w.apply(ops) : new Int32Array(0);
    let added = 0;
    let replaced = 0;
    let deleted = 0;
    const failed: FibFailure[] = [];
    for (let i = 0; i < ops.length; i++) {
      const key = keys[i]!;
      const kind = ops[i]!.kind;
      const errno = errnos[i]!;
      // A delete of a route already gone (ESRCH) reaches the state we wanted.
      if (errno !== 0 && !(kind === 'delete' && errno === 3)) {
        failed.push({ prefix: formatKey(key), op: kind, errno });
        if (kind === 'add') this.#installed.delete(key);
        continue;
      }
      const sig = sigs[i];
      if (sig === undefined) this.#installed.delete(key);
      else this.#installed.set(key, sig);
      if (kind === 'add') added++;
      else if (kind === 'replace') replaced++;
      else deleted++;
    }
    if (failed.length > 0) this.#log?.warn('kernel rejected routes', { count: failed.length, first: failed[0] });
    return { added, replaced, deleted, failed };
  }

  /**
   * Reads our routes back from the kernel (after a restart, or after ENOBUFS)
   * and queues whatever differs from the desired state. With `adopt`, routes
   * not (yet) desired are left alone and treated as installed, so a restarting
   * node keeps forwarding until its sessions converge; `sweep()` then removes them.
   */
  async reconcile(opts: { adopt?: boolean } = {}): Promise<FlushResult> {
    const routes = await this.#w.dump({ protocol: this.#protocol, table: this.#table });
    this.#installed.clear();
    for (const r of routes) {
      if (r.priority !== undefined && r.priority !== this.#metric) continue;
      const key = r.family === AF.INET ? v4Key(Buffer.from(r.dst).readUInt32BE(0), r.dstLen) : v6Key(r.dst, r.dstLen);
      this.#installed.set(key, signatureOf(r));
      if (!opts.adopt || this.#desired.get(key) !== undefined) this.#dirty.add(key);
    }
    this.#desired.forEach((_d, key) => this.#dirty.add(key));
    return this.flush();
  }

  /** Deletes installed routes that nothing wants any more (the end of an adopting reconcile). */
  async sweep(): Promise<FlushResult> {
    this.#installed.forEach((_sig, key) => {
      if (this.#desired.get(key) === undefined) this.#dirty.add(key);
    });
    return this.flush();
  }

  #want(key: PrefixKey, best: Best | null): void {
    const route = best === null ? null : this.#routeFor(key, best);
    if (route === null) this.#desired.delete(key);
    else this.#desired.set(key, { sig: signatureOf(route), route });
    this.#dirty.add(key);
  }

  #routeFor(key: PrefixKey, best: Best): KernelRoute | null {
    const paths = bestPaths(best);
    const base = this.#base(key);
    if (paths[0]!.peer.local) return this.#blackhole ? { ...base, type: RTN.BLACKHOLE, nextHops: [] } : null;
    const v4 = typeof key === 'number';
    const gateways = [...new Set(paths.map((p) => p.nextHopFor(!v4)).filter((h): h is string => h !== undefined))].sort();
    if (gateways.length === 0) return null;
    return { ...base, nextHops: gateways.map((g) => ({ gateway: v4 ? u32be(parseV4(g)) : parseV6(g) })) };
  }

  #base(key: PrefixKey): KernelRoute {
    const p = keyToPrefix(key);
    return {
      family: p.afi === 1 ? AF.INET : AF.INET6,
      dst: p.afi === 1 ? u32be(p.addr) : p.addr,
      dstLen: p.len,
      table: this.#table,
      protocol: this.#protocol,
      type: RTN.UNICAST,
      scope: RT_SCOPE.UNIVERSE,
      priority: this.#metric,
      nextHops: [],
    };
  }

  #deletion(key: PrefixKey): KernelRoute {
    // Type 0 and scope NOWHERE match any route of ours at this destination and metric.
    return { ...this.#base(key), type: 0, scope: 255 };
  }
}

function u32be(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}

/** Gateways only: we never set the interface, the kernel fills it in, so it must not make a dumped route look different. */
function signatureOf(r: KernelRoute): string {
  if (r.type !== RTN.UNICAST) return `t${r.type}`;
  return r.nextHops
    .map((n) => (n.gateway ? Buffer.from(n.gateway).toString('hex') : ''))
    .sort()
    .join(',');
}
