/**
 * Blackhole routes for this node's own blocks, so traffic to an address of
 * a block that no pod holds stops here instead of leaking out the default
 * route (pod /32 routes are more specific and win). They carry their own
 * rtnetlink protocol, 87: the BGP FIB syncer reconciles 85 and felix's
 * workload routes 86, and neither may delete these. The speaker's own
 * `blackholeOriginated` is not used because it would also blackhole the
 * service ranges it advertises, and a blackhole for the service range makes
 * a host's connect() to a ClusterIP fail before kube-proxy's DNAT runs.
 *
 * Kept on shutdown: a restarting node should not leak either.
 */
import type { CommandRunner } from '../../felix/dataplane/command-runner.ts';
import type { Logger } from '../lib/log.ts';

export const RTPROT_REEF_BLACKHOLE = 87;

export class BlackholeRoutes {
  readonly #runner: CommandRunner;
  readonly #log: Logger;
  #installed: Set<string> | undefined;
  #queue: Promise<void> = Promise.resolve();

  constructor(runner: CommandRunner, log: Logger) {
    this.#runner = runner;
    this.#log = log;
  }

  get installed(): readonly string[] {
    return [...(this.#installed ?? [])].sort();
  }

  /** The whole desired set; calls run one after another. */
  set(cidrs: readonly string[]): Promise<void> {
    const run = this.#queue.then(() => this.#apply(new Set(cidrs)));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #apply(want: Set<string>): Promise<void> {
    this.#installed ??= await this.#read();
    const have = this.#installed;
    const lines: string[] = [];
    for (const c of want) if (!have.has(c)) lines.push(`${c.includes(':') ? '-6 ' : ''}route replace blackhole ${c} proto ${RTPROT_REEF_BLACKHOLE}`);
    for (const c of have) if (!want.has(c)) lines.push(`${c.includes(':') ? '-6 ' : ''}route del blackhole ${c} proto ${RTPROT_REEF_BLACKHOLE}`);
    if (lines.length === 0) return;
    const res = await this.#runner.run(['ip', '-force', '-batch', '-'], lines.join('\n') + '\n');
    // Re-read either way: -force carries on past a failed line, so what is installed is what the kernel says.
    this.#installed = await this.#read();
    if (res.code !== 0) this.#log.warn('blackhole routes partly applied', { err: res.stderr.trim().split('\n')[0] ?? '' });
    this.#log.info('blackhole routes set', { routes: this.#installed.size });
  }

  async #read(): Promise<Set<string>> {
    const out = new Set<string>();
    for (const fam of ['-4', '-6']) {
      const res = await this.#runner.run(['ip', '-o', fam, 'route', 'show', 'type', 'blackhole', 'proto', String(RTPROT_REEF_BLACKHOLE)]);
      for (const line of res.stdout.split('\n')) {
        const m = /^blackhole\s+(\S+)/.exec(line.trim());
        if (m) out.add(m[1]!.includes('/') ? m[1]! : `${m[1]!}/${fam === '-4' ? 32 : 128}`);
      }
    }
    return out;
  }
}
