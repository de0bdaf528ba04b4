/**
 * IdleHold back-off for a flapping peer (RFC 4271 8.1.1, DampPeerOscillations):
 * each failure doubles the wait before the next attempt up to a ceiling, a
 * random factor in [0.75, 1] (RFC 4271 10 jitter) keeps many nodes from
 * retrying in step, and a session that stays Established for the stable time
 * starts over from the first wait.
 */
export class Backoff {
  private readonly first: number;
  private readonly ceiling: number;
  private readonly random: () => number;
  private next: number;
  /** Failures since the last stable period. */
  failures = 0;

  constructor(firstMs: number, ceilingMs: number, random: () => number = Math.random) {
    this.first = firstMs;
    this.ceiling = ceilingMs;
    this.random = random;
    this.next = firstMs;
  }

  /** The wait before the next attempt after a failure, in ms; grows the one after. */
  fail(): number {
    this.failures++;
    const base = this.next;
    this.next = Math.min(this.next * 2, this.ceiling);
    return Math.round(base * jitter(this.random));
  }

  reset(): void {
    this.failures = 0;
    this.next = this.first;
  }

  /** The un-jittered wait the next failure would get. */
  get nextBaseMs(): number {
    return this.next;
  }
}

/** RFC 4271 10: timers are multiplied by a random factor in [0.75, 1]. */
export function jitter(random: () => number = Math.random): number {
  return 0.75 + 0.25 * random();
}
