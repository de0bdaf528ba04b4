import type { WatchEvent } from '../../src/datastore/datastore.ts';

/**
 * Consumes a watch in the background, keeping every event, so a test can
 * wait for a condition (bounded by mocha's timeout, never by a sleep) and
 * then assert on the whole sequence.
 */
export class Collector {
  readonly events: WatchEvent[] = [];
  error: unknown;
  done = false;
  private readonly waiters: (() => void)[] = [];
  private readonly finished: Promise<void>;

  constructor(iterable: AsyncIterable<WatchEvent>) {
    this.finished = (async () => {
      try {
        for await (const ev of iterable) {
          this.events.push(ev);
          this.wake();
        }
      } catch (err) {
        this.error = err;
      } finally {
        this.done = true;
        this.wake();
      }
    })();
  }

  /** Resolves once `pred` holds for the events so far; rejects if the watch ends first. */
  async until(pred: (events: readonly WatchEvent[]) => boolean): Promise<void> {
    while (!pred(this.events)) {
      if (this.done) throw new Error(`watch ended (${String(this.error ?? 'no error')}) after ${this.events.length} events: ${brief(this.events)}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async untilName(name: string, type?: WatchEvent['type']): Promise<void> {
    await this.until((evs) => evs.some((e) => e.type !== 'synced' && e.object.metadata.name === name && (type === undefined || e.type === type)));
  }

  ended(): Promise<void> {
    return this.finished;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** `added:a modified:b synced` — sequences compare as strings in failure messages that a person can read. */
export function brief(events: readonly WatchEvent[]): string {
  return events.map((e) => (e.type === 'synced' ? 'synced' : `${e.type}:${e.object.metadata.name}`)).join(' ');
}
