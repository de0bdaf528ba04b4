/**
 * One etcd Watch RPC for one key range, as a pull interface: `open()` sends
 * the create request and waits (with a deadline) for etcd to accept it;
 * `next()` hands over responses one at a time, pausing the gRPC stream when
 * the consumer falls behind so flow control reaches etcd; `close()` cancels
 * the call. It does no reconnecting: a lost connection is a `lost` item, and
 * etcd-watch.ts decides what to do.
 */
import type { IWatchRequest, IWatchResponse } from 'etcd3';
import type { EtcdConnection } from './etcd-client.ts';
import { toDatastoreError } from './etcd-client.ts';
import { DatastoreUnreachableError } from './errors.ts';
import { prefixEnd } from './keys.ts';

export type StreamItem =
  | { type: 'response'; response: IWatchResponse }
  /** etcd has compacted past the start revision; nothing was delivered. */
  | { type: 'compacted'; compactRevision: string }
  | { type: 'lost'; error: unknown }
  | { type: 'aborted' };

/** What the etcd3 typing leaves out of grpc-js's ClientDuplexStream. */
interface RawStream {
  write(req: IWatchRequest): void;
  cancel(): void;
  pause(): void;
  resume(): void;
  on(event: string, fn: (...args: never[]) => void): RawStream;
  removeAllListeners(): void;
}

const HIGH_WATER = 64;
const LOW_WATER = 8;

export class WatchStream {
  private readonly conn: EtcdConnection;
  private readonly prefix: string;
  private readonly startRevision: string;
  private readonly signal: AbortSignal;
  private stream: RawStream | undefined;
  private readonly queue: StreamItem[] = [];
  private waiter: ((item: StreamItem) => void) | undefined;
  private ended = false;
  private paused = false;
  private readonly onAbort = (): void => this.finish({ type: 'aborted' });

  constructor(conn: EtcdConnection, prefix: string, startRevision: string, signal: AbortSignal) {
    this.conn = conn;
    this.prefix = prefix;
    this.startRevision = startRevision;
    this.signal = signal;
  }

  /**
   * Resolves with null once etcd has created the watch, or with the item
   * that ended it first (compacted, lost, aborted).
   */
  async open(timeoutMs: number): Promise<StreamItem | null> {
    if (this.signal.aborted) return { type: 'aborted' };
    this.signal.addEventListener('abort', this.onAbort, { once: true });
    let stream: RawStream;
    try {
      stream = (await this.conn.run((c) => c.watchClient.watch())) as unknown as RawStream;
    } catch (error) {
      this.finish({ type: 'lost', error });
      return this.take();
    }
    if (this.ended) {
      stream.on('error', () => undefined);
      stream.cancel();
      return this.take();
    }
    this.stream = stream;
    let isCreated = false;
    const settled = new Promise<void>((resolve) => (this.settle = resolve));
    stream
      .on('data', (res: IWatchResponse) => {
        if (res.canceled) {
          const compacted = res.compact_revision !== undefined && res.compact_revision !== '0' && res.compact_revision !== '';
          return this.finish(
            compacted
              ? { type: 'compacted', compactRevision: res.compact_revision }
              : { type: 'lost', error: new Error(`etcd cancelled the watch: ${res.cancel_reason || 'no reason given'}`) },
          );
        }
        if (res.created) {
          isCreated = true;
          return this.settle?.();
        }
        this.push({ type: 'response', response: res });
      })
      .on('error', (err: Error) => this.finish({ type: 'lost', error: toDatastoreError(err, this.conn.endpoints) }))
      .on('end', () => this.finish({ type: 'lost', error: new Error('etcd ended the watch stream') }));
    stream.write({
      create_request: {
        key: Buffer.from(this.prefix, 'utf8'),
        range_end: prefixEnd(this.prefix),
        start_revision: this.startRevision,
        prev_kv: true,
        progress_notify: true,
      },
    });
    const timer = setTimeout(() => {
      this.finish({ type: 'lost', error: new DatastoreUnreachableError(this.conn.endpoints, `watch not created within ${timeoutMs} ms`) });
    }, timeoutMs);
    try {
      await settled;
    } finally {
      clearTimeout(timer);
      this.settle = undefined;
    }
    // Not created: the queue holds exactly the item that ended it.
    return isCreated ? null : this.take();
  }

  /** Resolves open()'s wait: on creation, or on whatever ended the stream first. */
  private settle: (() => void) | undefined;

  async next(): Promise<StreamItem> {
    return this.take();
  }

  /** Cancels the RPC; idempotent. */
  close(): void {
    this.signal.removeEventListener('abort', this.onAbort);
    this.ended = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ type: 'aborted' });
    }
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      s.removeAllListeners();
      // grpc-js reports our own cancel as an error event; it must have a listener.
      s.on('error', () => undefined);
      s.cancel();
    }
  }

  private push(item: StreamItem): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(item);
      return;
    }
    this.queue.push(item);
    if (!this.paused && this.queue.length >= HIGH_WATER && this.stream) {
      this.paused = true;
      this.stream.pause();
    }
  }

  /** The terminal item: queued behind any responses still undelivered. */
  private finish(item: StreamItem): void {
    if (this.ended) return;
    this.ended = true;
    this.push(item);
    this.close();
    this.settle?.();
  }

  private take(): Promise<StreamItem> {
    const item = this.queue.shift();
    if (item) {
      if (this.paused && this.queue.length <= LOW_WATER && this.stream) {
        this.paused = false;
        this.stream.resume();
      }
      return Promise.resolve(item);
    }
    if (this.ended) return Promise.resolve({ type: 'lost', error: new Error('watch stream already ended') });
    return new Promise((resolve) => (this.waiter = resolve));
  }
}
