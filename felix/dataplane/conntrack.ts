/**
 * Conntrack flushing. reef-FORWARD accepts established flows before any
 * policy, so a flow allowed yesterday would outlive today's Deny; when a
 * change may newly deny traffic, the entries of the affected addresses are
 * deleted (as Calico does) and the next packet meets the new rules. Runs
 * after the rules are in place, so no packet can recreate an entry under the
 * old ones.
 */
import type { CommandRunner } from './command-runner.ts';

/**
 * `conntrack -D` lists the matching entries, then deletes them one by one,
 * and gives up at the first that is gone already: one deleted meanwhile by
 * another `-D` of the same flush (a flow between two flushed addresses
 * matches both one's --orig-src and the other's --orig-dst), or expired.
 * What it had not reached yet stays. Running it again finishes the job.
 */
const VANISHED = /such conntrack doesn't exist/;
const ATTEMPTS = 4;

export interface ConntrackOptions {
  readonly runner: CommandRunner;
  /** Parallel `conntrack -D` processes. */
  readonly concurrency?: number;
}

export class Conntrack {
  private readonly runner: CommandRunner;
  private readonly concurrency: number;

  constructor(opts: ConntrackOptions) {
    this.runner = opts.runner;
    this.concurrency = opts.concurrency ?? 8;
  }

  /**
   * Deletes every entry with one of `addresses` as original source or
   * destination; returns the failures. One listing first, so the common case
   * (no flow of those addresses) costs one process instead of two per address.
   */
  async flush(addresses: Iterable<string>): Promise<string[]> {
    const wanted = new Set([...addresses].map((a) => a.replace(/\/(32|128)$/, '')));
    if (wanted.size === 0) return [];
    const present = new Set<string>();
    const families = new Set([...wanted].map((a) => (a.includes(':') ? 'ipv6' : 'ipv4')));
    const listings = await Promise.all([...families].map((fam) => this.runner.run(['conntrack', '-L', '-f', fam])));
    for (const res of listings) {
      // Only the address fields are read: `src=A dst=B` in either direction of each entry.
      for (const m of res.stdout.matchAll(/\b(?:src|dst)=(\S+)/g)) if (wanted.has(m[1]!)) present.add(m[1]!);
    }
    const jobs: string[][] = [];
    for (const ip of present) {
      const fam = ip.includes(':') ? 'ipv6' : 'ipv4';
      jobs.push(['conntrack', '-D', '-f', fam, '--orig-src', ip], ['conntrack', '-D', '-f', fam, '--orig-dst', ip]);
    }
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const argv = jobs[next++]!;
        let res = await this.runner.run(argv);
        for (let n = 1; n < ATTEMPTS && res.code !== 0 && VANISHED.test(res.stderr); n++) res = await this.runner.run(argv);
        // Exit 1 with "0 flow entries" only means there was nothing to delete.
        if (res.code !== 0 && !/0 flow entries/.test(res.stderr)) failures.push(`${argv.join(' ')}: ${res.stderr.trim()}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, jobs.length) }, worker));
    return failures;
  }
}
