/**
 * Time as a dependency. Everything that waits (BGP timers, retry loops) takes
 * a Clock, so tests drive it with FakeClock instead of sleeping.
 */
export interface TimerHandle {
  /** Idempotent; cancelling a timer that already fired does nothing. */
  cancel(): void;
}

export interface Clock {
  /** Milliseconds, monotonic (not wall-clock time). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  clearTimeout(handle) {
    handle?.cancel();
  },
};
