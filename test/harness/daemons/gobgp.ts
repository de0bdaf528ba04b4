/**
 * GoBGP (gobgpd) inside a test namespace, driven with the gobgp CLI over its
 * gRPC port on the namespace's own loopback. gobgpd programs no kernel
 * routes, so interop tests read its RIB, not its FIB.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsScope } from '../netns.ts';
import { type DaemonSpec, familiesOf, isV6, makeWorkdir, waitFor, endProcess } from './common.ts';

const API_PORT = 50051;

export function gobgpConfig(spec: DaemonSpec): string {
  const lines = ['[global.config]', `  as = ${spec.asn}`, `  router-id = "${spec.routerId}"`];
  for (const n of spec.neighbors) {
    lines.push('[[neighbors]]', '  [neighbors.config]', `    neighbor-address = "${n.ip}"`, `    peer-as = ${n.asn}`);
    lines.push('  [neighbors.timers.config]', `    hold-time = ${n.holdTime ?? 90}`, '    connect-retry = 1');
    if (n.passive) lines.push('  [neighbors.transport.config]', '    passive-mode = true');
    if (n.rrClient) {
      lines.push('  [neighbors.route-reflector.config]', '    route-reflector-client = true', `    route-reflector-cluster-id = "${spec.clusterId ?? spec.routerId}"`);
    }
    if (n.gracefulRestart) lines.push('  [neighbors.graceful-restart.config]', '    enabled = true', '    restart-time = 60');
    for (const f of familiesOf(n)) {
      lines.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${f}-unicast"`);
      if (n.gracefulRestart) lines.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
    }
  }
  return lines.join('\n') + '\n';
}

export class Gobgp {
  private readonly work = makeWorkdir('gobgp');
  private readonly scope: NetnsScope;
  readonly ns: string;
  private proc: ChildProcess | undefined;
  private spec: DaemonSpec | undefined;

  constructor(scope: NetnsScope, ns: string) {
    this.scope = scope;
    this.ns = ns;
  }

  async start(spec: DaemonSpec): Promise<void> {
    this.spec = spec;
    const conf = join(this.work.dir, 'gobgpd.toml');
    writeFileSync(conf, gobgpConfig(spec));
    this.proc = this.scope.spawn(this.ns, [
      'gobgpd', '-f', conf, '-t', 'toml', '--api-hosts', `127.0.0.1:${API_PORT}`, '--pprof-disable', '-l', 'warn',
    ]);
    await waitFor('gobgpd API', async () => ((await this.cli(['global'])).includes(spec.routerId) ? true : undefined));
    for (const p of spec.originate ?? []) await this.announce(p);
  }

  async cli(args: string[]): Promise<string> {
    const r = await this.scope.exec(this.ns, ['gobgp', '-u', '127.0.0.1', '-p', String(API_PORT), ...args], {
      allowFailure: true,
      timeoutMs: 10_000,
    });
    if (r.code !== 0) throw new Error(`gobgp ${args.join(' ')}: ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  announce(prefix: string): Promise<string> {
    return this.cli(['global', 'rib', 'add', prefix, '-a', isV6(prefix) ? 'ipv6' : 'ipv4']);
  }

  withdraw(prefix: string): Promise<string> {
    return this.cli(['global', 'rib', 'del', prefix, '-a', isV6(prefix) ? 'ipv6' : 'ipv4']);
  }

  /** Administratively shuts the session down (GoBGP sends Cease/Administrative Shutdown). */
  disable(neighborIp: string): Promise<string> {
    return this.cli(['neighbor', neighborIp, 'disable']);
  }

  enable(neighborIp: string): Promise<string> {
    return this.cli(['neighbor', neighborIp, 'enable']);
  }

  /** GoBGP's JSON for the paths of one prefix in its global RIB. */
  async routeJson(prefix: string): Promise<unknown[]> {
    const j = JSON.parse(await this.cli(['global', 'rib', '-a', isV6(prefix) ? 'ipv6' : 'ipv4', prefix, '-j'])) as Record<string, unknown[]>;
    return j[prefix] ?? [];
  }

  async state(neighborIp: string): Promise<string> {
    const j = JSON.parse(await this.cli(['neighbor', neighborIp, '-j'])) as { state?: { session_state?: number | string } };
    const s = j.state?.session_state;
    // The JSON gives the FSM state as a number in some versions and a name in others.
    const names = ['unknown', 'idle', 'connect', 'active', 'opensent', 'openconfirm', 'established'];
    return typeof s === 'number' ? (names[s] ?? String(s)) : String(s ?? 'unknown').toLowerCase();
  }

  waitEstablished(neighborIp: string, timeoutMs = 30_000): Promise<true> {
    return waitFor(`GoBGP neighbor ${neighborIp} established`, async () => ((await this.state(neighborIp)) === 'established' ? true : undefined), timeoutMs);
  }

  /** Prefixes in GoBGP's global RIB that came from a neighbor (not originated here). */
  async learnedPrefixes(): Promise<string[]> {
    const own = new Set(this.spec?.originate ?? []);
    const out: string[] = [];
    for (const fam of ['ipv4', 'ipv6']) {
      const j = JSON.parse(await this.cli(['global', 'rib', '-a', fam, '-j'])) as Record<string, unknown>;
      for (const prefix of Object.keys(j)) if (!own.has(prefix)) out.push(prefix);
    }
    return out.sort();
  }

  async kill(): Promise<void> {
    await endProcess(this.proc, 'SIGKILL');
  }

  async stop(): Promise<void> {
    await endProcess(this.proc, 'SIGTERM');
    this.work.remove();
  }
}
