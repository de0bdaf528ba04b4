import { EventEmitter } from 'node:events';
import type { Transport, TransportEvents } from './transport.ts';

/**
 * Two connected in-memory transports for tests. Nothing moves until `pump()`
 * is called, so a test decides exactly when bytes arrive; `highWaterMark`
 * makes write() return false like a full socket buffer.
 */
export class MemoryTransport extends EventEmitter<TransportEvents> implements Transport {
  peer!: MemoryTransport;
  /** Bytes written by this side, not yet delivered to the peer. */
  private outbox: Buffer[] = [];
  private outBytes = 0;
  private blocked = false;
  private paused = false;
  private ending = false;
  closed = false;
  readonly highWaterMark: number;
  readonly remoteAddress: string | undefined;
  /** Everything this side has written, for assertions. */
  readonly written: Buffer[] = [];

  constructor(remoteAddress: string, highWaterMark: number) {
    super();
    this.remoteAddress = remoteAddress;
    this.highWaterMark = highWaterMark;
  }

  write(data: Buffer): boolean {
    if (this.closed || this.ending) return false;
    this.outbox.push(Buffer.from(data));
    this.written.push(Buffer.from(data));
    this.outBytes += data.length;
    if (this.outBytes >= this.highWaterMark) this.blocked = true;
    return !this.blocked;
  }

  end(): void {
    this.ending = true;
  }

  destroy(): void {
    this.close('closed locally', 'peer reset the connection');
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  get readableLength(): number {
    return this.peer.outBytes;
  }

  private close(mine: string, theirs: string): void {
    if (this.closed) return;
    this.closed = true;
    this.outbox = [];
    this.outBytes = 0;
    this.emit('close', mine);
    if (!this.peer.closed) {
      this.peer.closed = true;
      this.peer.outbox = [];
      this.peer.outBytes = 0;
      this.peer.emit('close', theirs);
    }
  }

  /** Delivers this side's queued bytes to the peer; true if anything happened. */
  flushOnce(): boolean {
    if (this.closed) return false;
    let moved = false;
    if (!this.peer.paused && this.outbox.length > 0) {
      const chunks = this.outbox;
      this.outbox = [];
      this.outBytes = 0;
      for (const c of chunks) {
        if (this.peer.closed) break;
        this.peer.emit('data', c);
      }
      moved = true;
    }
    if (this.blocked && this.outBytes < this.highWaterMark) {
      this.blocked = false;
      this.emit('drain');
      moved = true;
    }
    if (this.ending && this.outbox.length === 0) {
      this.close('closed locally', 'peer closed the connection');
      moved = true;
    }
    return moved;
  }
}

export interface MemoryPair {
  readonly a: MemoryTransport;
  readonly b: MemoryTransport;
  /** Moves bytes both ways until nothing is left to move. */
  pump(): void;
}

export function memoryPair(opts: { aAddress?: string; bAddress?: string; highWaterMark?: number } = {}): MemoryPair {
  const hwm = opts.highWaterMark ?? 1 << 20;
  const a = new MemoryTransport(opts.bAddress ?? '192.0.2.2', hwm);
  const b = new MemoryTransport(opts.aAddress ?? '192.0.2.1', hwm);
  a.peer = b;
  b.peer = a;
  return {
    a,
    b,
    pump() {
      for (let i = 0; i < 10_000; i++) {
        const x = a.flushOnce();
        const y = b.flushOnce();
        if (!x && !y) return;
      }
      throw new Error('memory transports did not settle after 10000 rounds');
    },
  };
}
