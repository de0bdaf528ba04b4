import type { Clock, TimerHandle } from './clock.ts';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/**
 * A Clock for tests: time stands still until `advance` moves it, and timers
 * fire in order of due time (then of creation), each seeing `now()` equal to
 * its due time. Timers set by a firing timer fire in the same `advance` if due.
 */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Pending[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const p: Pending = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.timers.push(p);
    return {
      cancel: () => {
        p.live = false;
      },
    };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    handle?.cancel();
  }

  /** Number of timers that are set and have not fired. */
  get pending(): number {
    return this.timers.filter((p) => p.live).length;
  }

  /** When the next live timer is due, or undefined. */
  nextDue(): number | undefined {
    let best: number | undefined;
    for (const p of this.timers) if (p.live && (best === undefined || p.at < best)) best = p.at;
    return best;
  }

  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      this.timers = this.timers.filter((p) => p.live);
      let next: Pending | undefined;
      for (const p of this.timers) {
        if (p.at <= until && (next === undefined || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
      }
      if (next === undefined) break;
      next.live = false;
      this.t = next.at;
      next.fn();
    }
    this.t = until;
  }
}
