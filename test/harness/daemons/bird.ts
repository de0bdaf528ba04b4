/**
 * BIRD 2 inside a test namespace, driven through its control socket with
 * birdc. The generated config is the minimal one an interop test needs:
 * device and direct protocols, static routes for what it originates, a
 * kernel protocol when learned routes must reach the FIB, one bgp protocol
 * per neighbor named n1, n2, ... in order.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsScope } from '../netns.ts';
import { type DaemonSpec, familiesOf, isV6, makeWorkdir, waitFor, endProcess } from './common.ts';

export function birdConfig(spec: DaemonSpec, logFile: string): string {
  const v4 = (spec.originate ?? []).filter((p) => !isV6(p));
  const v6 = (spec.originate ?? []).filter(isV6);
  const lines = [
    `log "${logFile}" all;`,
    `router id ${spec.routerId};`,
    'protocol device { scan time 10; }',
    'protocol static st4 { ipv4; ' + v4.map((p) => `route ${p} blackhole;`).join(' ') + ' }',
    'protocol static st6 { ipv6; ' + v6.map((p) => `route ${p} blackhole;`).join(' ') + ' }',
  ];
  if (spec.kernel) {
    // With graceful restart the kernel protocol must not prune our old routes
    // at startup (`-R` recovery) before BGP has re-learned them.
    const gr = spec.neighbors.some((n) => n.gracefulRestart) ? ' graceful restart on;' : '';
    lines.push(
      `protocol kernel k4 { ipv4 { import none; export where source = RTS_BGP; }; learn off; persist off; merge paths on;${gr} }`,
      `protocol kernel k6 { ipv6 { import none; export where source = RTS_BGP; }; learn off; persist off; merge paths on;${gr} }`,
    );
  }
  spec.neighbors.forEach((n, i) => {
    const body = [
      `  local as ${spec.asn};`,
      `  neighbor ${n.ip} as ${n.asn};`,
      n.passive ? '  passive on;' : '',
      `  hold time ${n.holdTime ?? 90};`,
      '  connect retry time 1; connect delay time 1; error wait time 1, 5;',
      n.rrClient ? '  rr client;' : '',
      n.rrClient && spec.clusterId ? `  rr cluster id ${spec.clusterId};` : '',
      n.gracefulRestart ? '  graceful restart on; graceful restart time 60; long lived graceful restart off;' : '',
      n.asn === spec.asn ? '  direct;' : '',
    ];
    for (const f of familiesOf(n)) {
      body.push(`  ${f} { import all; export all; ${n.asn === spec.asn ? '' : 'next hop self;'} };`);
    }
    lines.push(`protocol bgp n${i + 1} {`, ...body.filter(Boolean), '}');
  });
  return lines.join('\n') + '\n';
}

export class Bird {
  private readonly work = makeWorkdir('bird');
  readonly socket = join(this.work.dir, 'bird.ctl');
  private readonly scope: NetnsScope;
  readonly ns: string;
  private proc: ChildProcess | undefined;
  private spec: DaemonSpec | undefined;
  readonly logFile = join(this.work.dir, 'bird.log');
  private readonly conf = join(this.work.dir, 'bird.conf');

  constructor(scope: NetnsScope, ns: string) {
    this.scope = scope;
    this.ns = ns;
  }

  /** `recovery` starts BIRD in graceful-restart recovery (`-R`), as after a crash with GR on. */
  async start(spec: DaemonSpec, opts: { recovery?: boolean } = {}): Promise<void> {
    this.spec = spec;
    writeFileSync(this.conf, birdConfig(spec, this.logFile));
    const argv = ['bird', '-f', '-c', this.conf, '-s', this.socket, '-P', join(this.work.dir, 'bird.pid')];
    if (opts.recovery) argv.push('-R');
    this.proc = this.scope.spawn(this.ns, argv);
    await waitFor('BIRD control socket', async () => ((await this.cli('show status')).includes('Daemon is up') ? true : undefined));
  }

  /** Starts BIRD again after kill(), with the last spec, in graceful-restart recovery. */
  restart(): Promise<void> {
    if (!this.spec) throw new Error('BIRD restart: never started');
    return this.start(this.spec, { recovery: true });
  }

  /** Changes what BIRD originates (a reconfigure: only the static protocols change). */
  async setOriginate(prefixes: string[]): Promise<void> {
    if (!this.spec) throw new Error('BIRD setOriginate: not started');
    this.spec = { ...this.spec, originate: prefixes };
    writeFileSync(this.conf, birdConfig(this.spec, this.logFile));
    const out = await this.cli('configure');
    if (!/Reconfigured|Reconfiguration in progress/.test(out)) throw new Error(`birdc configure: ${out}`);
  }

  /** `show route PREFIX all` from BIRD, BGP attributes included. */
  routeDetail(prefix: string): Promise<string> {
    return this.cli(`show route ${prefix} all`);
  }

  async cli(command: string): Promise<string> {
    const r = await this.scope.exec(null, ['birdc', '-s', this.socket, command], { allowFailure: true, timeoutMs: 10_000 });
    if (r.code !== 0) throw new Error(`birdc ${command}: ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  /** The BGP state of neighbor `index` (1-based, in spec order): "Established", "Active", ... */
  async state(index: number): Promise<string> {
    const out = await this.cli(`show protocols all n${index}`);
    return /BGP state:\s+(\S+)/.exec(out)?.[1] ?? 'unknown';
  }

  waitEstablished(index: number, timeoutMs = 30_000): Promise<true> {
    return waitFor(`BIRD neighbor n${index} Established`, async () => ((await this.state(index)) === 'Established' ? true : undefined), timeoutMs);
  }

  /** Prefixes in BIRD's table learned over BGP (both families). */
  async bgpPrefixes(): Promise<string[]> {
    const out = [await this.cli('show route table master4 where source = RTS_BGP'), await this.cli('show route table master6 where source = RTS_BGP')].join('\n');
    return [...out.matchAll(/^([0-9a-f.:]+\/\d+)\s/gm)].map((m) => m[1]!);
  }

  /** Asks BIRD to stop the session to neighbor n (graceful restart is off for this). */
  disable(index: number): Promise<string> {
    return this.cli(`disable n${index}`);
  }

  enable(index: number): Promise<string> {
    return this.cli(`enable n${index}`);
  }

  /** Kills BIRD outright (a crash, as a graceful-restart test needs); start() again to bring it back. */
  async kill(): Promise<void> {
    await endProcess(this.proc, 'SIGKILL');
  }

  async stop(): Promise<void> {
    // BIRD writes its log and removes its socket while going down: remove the directory only after it has exited.
    await endProcess(this.proc, 'SIGTERM', () => this.scope.exec(null, ['birdc', '-s', this.socket, 'down'], { allowFailure: true, timeoutMs: 5_000 }));
    this.work.remove();
  }
}
