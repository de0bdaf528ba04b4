/**
 * FRR (zebra + bgpd) inside a test namespace. The daemons run as the packaged
 * `frr` user, with sockets, pid files and logs in a work directory they own;
 * commands go over bgpd's and zebra's vty sockets directly (a NUL-terminated
 * command, a reply ending in three NULs and a status byte).
 */
import type { ChildProcess } from 'node:child_process';
import { chownSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { NetnsScope } from '../netns.ts';
import { type DaemonSpec, familiesOf, isV6, makeWorkdir, waitFor, endProcess } from './common.ts';

export interface RouteJson {
  prefix?: string;
  paths?: {
    valid?: boolean;
    bestpath?: { overall?: boolean };
    originatorId?: string;
    clusterList?: { list?: string[] };
    nexthops?: { ip?: string; afi?: string; scope?: string }[];
    aspath?: { string?: string };
    stale?: boolean;
  }[];
}

export function frrBgpdConfig(spec: DaemonSpec): string {
  const lines = ['frr defaults traditional', 'hostname reef-test', '!', `router bgp ${spec.asn}`, ` bgp router-id ${spec.routerId}`];
  lines.push(' no bgp ebgp-requires-policy', ' no bgp network import-check', ' bgp graceful-restart preserve-fw-state');
  if (spec.clusterId) lines.push(` bgp cluster-id ${spec.clusterId}`);
  if (spec.neighbors.some((n) => n.gracefulRestart)) lines.push(' bgp graceful-restart');
  for (const n of spec.neighbors) {
    lines.push(` neighbor ${n.ip} remote-as ${n.asn}`, ` neighbor ${n.ip} timers connect 1`);
    lines.push(` neighbor ${n.ip} timers ${Math.max(1, Math.floor((n.holdTime ?? 90) / 3))} ${n.holdTime ?? 90}`);
    if (n.passive) lines.push(` neighbor ${n.ip} passive`);
  }
  for (const fam of ['ipv4', 'ipv6'] as const) {
    lines.push(` address-family ${fam} unicast`);
    for (const p of (spec.originate ?? []).filter((x) => isV6(x) === (fam === 'ipv6'))) lines.push(`  network ${p}`);
    for (const n of spec.neighbors) {
      if (familiesOf(n).includes(fam)) {
        lines.push(`  neighbor ${n.ip} activate`);
        if (n.rrClient) lines.push(`  neighbor ${n.ip} route-reflector-client`);
      } else {
        lines.push(`  no neighbor ${n.ip} activate`);
      }
    }
    lines.push(' exit-address-family');
  }
  return lines.join('\n') + '\n!\n';
}

export class Frr {
  private readonly work = makeWorkdir('frr');
  private readonly scope: NetnsScope;
  readonly ns: string;
  private procs: ChildProcess[] = [];
  private spec: DaemonSpec | undefined;

  constructor(scope: NetnsScope, ns: string) {
    this.scope = scope;
    this.ns = ns;
  }

  /** `keepRoutesSec`: zebra keeps the kernel routes it finds for that long (`-K`), as after a crash with GR on. */
  async start(spec: DaemonSpec, opts: { keepRoutesSec?: number } = {}): Promise<void> {
    this.spec = spec;
    const d = this.work.dir;
    const uid = Number(execFileSync('id', ['-u', 'frr'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'frr'], { encoding: 'utf8' }).trim());
    chownSync(d, uid, gid);
    writeFileSync(join(d, 'bgpd.conf'), frrBgpdConfig(spec));
    writeFileSync(join(d, 'zebra.conf'), 'hostname reef-test\n!\n');
    const zsock = join(d, 'zserv.api');
    // A killed run leaves its sockets; the waits below must see the new ones.
    for (const f of [zsock, join(d, 'zebra.vty'), join(d, 'bgpd.vty')]) rmSync(f, { force: true });
    const common = ['--vty_socket', d, '-A', '127.0.0.1', '-P', '0', '--log-level', 'warnings'];
    const zebraArgs = ['/usr/lib/frr/zebra', ...common, '-f', join(d, 'zebra.conf'), '-z', zsock, '-i', join(d, 'zebra.pid'), '--log', `file:${d}/zebra.log`];
    if (opts.keepRoutesSec) zebraArgs.push('-K', String(opts.keepRoutesSec));
    this.procs.push(this.scope.spawn(this.ns, zebraArgs));
    await waitFor('zebra socket', async () => (existsSync(zsock) ? true : undefined));
    const bgpdArgs = ['/usr/lib/frr/bgpd', ...common, '-f', join(d, 'bgpd.conf'), '-z', zsock, '-i', join(d, 'bgpd.pid'), '--log', `file:${d}/bgpd.log`];
    if (!spec.kernel) bgpdArgs.push('-n');
    this.procs.push(this.scope.spawn(this.ns, bgpdArgs));
    await waitFor('bgpd vty', async () => ((await this.vty('show bgp summary json')).length > 0 ? true : undefined));
  }

  /** Starts zebra and bgpd again after kill(), with the last spec, keeping the kernel routes zebra finds. */
  restart(keepRoutesSec = 60): Promise<void> {
    if (!this.spec) throw new Error('FRR restart: never started');
    return this.start(this.spec, { keepRoutesSec });
  }

  /** Runs configuration commands in one vty session (`configure terminal` first); throws on an error reply. */
  async configure(commands: string[]): Promise<void> {
    const replies = await this.vtySession(['enable', 'configure terminal', ...commands, 'end']);
    const bad = replies.find((r) => r.status !== 0);
    if (bad) throw new Error(`FRR configure failed at "${bad.command}": ${bad.output.trim()} (status ${bad.status})`);
  }

  /** Changes what bgpd originates (`network` statements). */
  async setOriginate(prefixes: string[]): Promise<void> {
    if (!this.spec) throw new Error('FRR setOriginate: not started');
    const old = this.spec.originate ?? [];
    const cmds = [`router bgp ${this.spec.asn}`];
    for (const fam of ['ipv4', 'ipv6'] as const) {
      cmds.push(`address-family ${fam} unicast`);
      for (const p of old.filter((x) => isV6(x) === (fam === 'ipv6') && !prefixes.includes(x))) cmds.push(`no network ${p}`);
      for (const p of prefixes.filter((x) => isV6(x) === (fam === 'ipv6') && !old.includes(x))) cmds.push(`network ${p}`);
      cmds.push('exit-address-family');
    }
    await this.configure(cmds);
    this.spec = { ...this.spec, originate: prefixes };
  }

  /** Administratively shuts the session down (FRR sends Cease/Administrative Shutdown). */
  shutdownNeighbor(ip: string, shut = true): Promise<void> {
    if (!this.spec) throw new Error('FRR shutdownNeighbor: not started');
    return this.configure([`router bgp ${this.spec.asn}`, `${shut ? '' : 'no '}neighbor ${ip} shutdown`]);
  }

  /** bgpd's JSON for one prefix: `paths[]` with originatorId, clusterList, nexthops, ... */
  async routeJson(prefix: string): Promise<RouteJson> {
    return JSON.parse(await this.vty(`show bgp ${isV6(prefix) ? 'ipv6' : 'ipv4'} unicast ${prefix} json`)) as RouteJson;
  }

  /** Commands in order on one vty connection, so configuration modes carry over. */
  private vtySession(commands: string[], daemon: 'bgpd' | 'zebra' = 'bgpd'): Promise<{ command: string; output: string; status: number }[]> {
    return new Promise((resolve, reject) => {
      const s = connect(join(this.work.dir, `${daemon}.vty`));
      const out: { command: string; output: string; status: number }[] = [];
      let buf = Buffer.alloc(0);
      const timer = setTimeout(() => s.destroy(new Error(`vty ${daemon} session timed out after ${out.length} commands`)), 10_000);
      const next = (): void => {
        if (out.length === commands.length) {
          clearTimeout(timer);
          s.end();
          resolve(out);
          return;
        }
        s.write(commands[out.length] + '\0');
      };
      s.on('connect', next);
      s.on('data', (c) => {
        buf = Buffer.concat([buf, c]);
        const n = buf.length;
        if (n >= 4 && buf[n - 2] === 0 && buf[n - 3] === 0 && buf[n - 4] === 0) {
          out.push({ command: commands[out.length]!, output: buf.subarray(0, n - 4).toString('utf8'), status: buf[n - 1]! });
          buf = Buffer.alloc(0);
          next();
        }
      });
      s.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  /** One command over a daemon's vty socket. */
  vty(command: string, daemon: 'bgpd' | 'zebra' = 'bgpd'): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = connect(join(this.work.dir, `${daemon}.vty`));
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => s.destroy(new Error(`vty ${daemon} "${command}" timed out`)), 10_000);
      s.on('connect', () => s.write(command + '\0'));
      s.on('data', (c) => {
        chunks.push(c);
        const all = Buffer.concat(chunks);
        if (all.length >= 4 && all[all.length - 2] === 0 && all[all.length - 3] === 0 && all[all.length - 4] === 0) {
          clearTimeout(timer);
          s.end();
          resolve(all.subarray(0, all.length - 4).toString('utf8'));
        }
      });
      s.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  async state(neighborIp: string): Promise<string> {
    const j = JSON.parse(await this.vty(`show bgp neighbors ${neighborIp} json`)) as Record<string, { bgpState?: string }>;
    return j[neighborIp]?.bgpState ?? 'unknown';
  }

  waitEstablished(neighborIp: string, timeoutMs = 30_000): Promise<true> {
    return waitFor(`FRR neighbor ${neighborIp} Established`, async () => ((await this.state(neighborIp)) === 'Established' ? true : undefined), timeoutMs);
  }

  /** Prefixes in bgpd's table that were learned from a neighbor. */
  async learnedPrefixes(): Promise<string[]> {
    const own = new Set(this.spec?.originate ?? []);
    const out: string[] = [];
    for (const fam of ['ipv4', 'ipv6']) {
      const j = JSON.parse(await this.vty(`show bgp ${fam} unicast json`)) as { routes?: Record<string, unknown> };
      for (const prefix of Object.keys(j.routes ?? {})) if (!own.has(prefix)) out.push(prefix);
    }
    return out.sort();
  }

  async kill(): Promise<void> {
    await Promise.all(this.procs.map((p) => endProcess(p, 'SIGKILL')));
    this.procs = [];
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => endProcess(p, 'SIGTERM')));
    this.procs = [];
    this.work.remove();
  }
}
