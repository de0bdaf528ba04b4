import { EventEmitter } from 'node:events';
import net from 'node:net';

/**
 * What the session needs from a TCP connection, so the FSM runs over a
 * net.Socket in production and over an in-memory pair in tests.
 *
 * Events: 'data' (chunk), 'drain' (write() may be called again after it
 * returned false), 'close' (reason; emitted once, whoever closed).
 */
export interface TransportEvents {
  data: [chunk: Buffer];
  drain: [];
  close: [reason: string];
}

export interface Transport extends EventEmitter<TransportEvents> {
  /** Queues bytes; false means the caller should stop producing until 'drain'. */
  write(data: Buffer): boolean;
  /** Sends what is queued, then closes. */
  end(): void;
  /** Closes now, dropping what is queued. */
  destroy(): void;
  pause(): void;
  resume(): void;
  /** Bytes received but not yet delivered as 'data' (input queued while paused). */
  readonly readableLength: number;
  readonly remoteAddress: string | undefined;
}

/** Opens an outgoing connection; rejects when it cannot, and gives up when `signal` aborts. */
export type Dialer = (signal: AbortSignal) => Promise<Transport>;

export class SocketTransport extends EventEmitter<TransportEvents> implements Transport {
  private readonly socket: net.Socket;
  private closed = false;
  private error: string | undefined;

  constructor(socket: net.Socket) {
    super();
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => this.emit('data', c));
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', (e: Error) => {
      this.error = e.message;
    });
    socket.on('end', () => {
      this.error ??= 'peer closed the connection';
      socket.end();
    });
    socket.on('close', () => this.finish(this.error ?? 'connection closed'));
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', reason);
  }

  write(data: Buffer): boolean {
    if (this.closed || this.socket.destroyed) return false;
    return this.socket.write(data);
  }

  end(): void {
    this.error ??= 'closed locally';
    this.socket.end();
  }

  destroy(): void {
    this.error ??= 'closed locally';
    this.socket.destroy();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  get readableLength(): number {
    return this.socket.readableLength;
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
}

/** A Dialer for TCP, port 179 by default. */
export function tcpDialer(opts: { host: string; port?: number; localAddress?: string; timeoutMs?: number }): Dialer {
  return (signal) =>
    new Promise<Transport>((resolve, reject) => {
      const socket = net.connect({ host: opts.host, port: opts.port ?? 179, localAddress: opts.localAddress, signal });
      const fail = (e: Error): void => {
        socket.destroy();
        reject(e);
      };
      socket.once('error', fail);
      if (opts.timeoutMs !== undefined) {
        socket.setTimeout(opts.timeoutMs, () => fail(new Error(`connect to ${opts.host} timed out`)));
      }
      socket.once('connect', () => {
        socket.off('error', fail);
        socket.setTimeout(0);
        resolve(new SocketTransport(socket));
      });
    });
}
