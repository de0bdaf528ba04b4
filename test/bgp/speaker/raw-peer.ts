/**
 * A hand-written BGP peer over a net.Socket, for driving a reef Speaker with
 * bytes it would never send itself. It speaks just enough BGP to get to
 * Established (OPEN, KEEPALIVE), sends whatever bytes a test hands it, and
 * records what the speaker sends back: every message, the NOTIFICATION if
 * one came, and whether the connection closed.
 *
 * Hold time 0 in our OPEN: no timers on either side, so nothing in a test
 * depends on how long anything takes.
 */
import net from 'node:net';
import { encodeMessage, Framer, KEEPALIVE, MESSAGE_TYPE, readHeader, BgpWireError, type Message } from '../../../bgp/wire/index.ts';
import { decodeNotification, type NotificationMessage } from '../../../bgp/wire/notification.ts';
import type { Capability } from '../../../bgp/wire/capabilities.ts';

export interface RawPeerOptions {
  readonly host: string;
  readonly port: number;
  /** Our source address: the speaker knows its peers by it. */
  readonly localAddress: string;
  readonly asn: number;
  readonly routerId: string;
}

export class RawPeer {
  readonly socket: net.Socket;
  readonly o: RawPeerOptions;
  /** Message types received, in order. */
  readonly received: number[] = [];
  notification: NotificationMessage | undefined;
  closed = false;
  /** The speaker sent bytes our framer could not read (it never should). */
  garbage: Error | undefined;
  readonly #framer = new Framer();
  readonly #waiters = new Set<() => void>();

  private constructor(socket: net.Socket, o: RawPeerOptions) {
    this.socket = socket;
    this.o = o;
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    // Writes racing the speaker's close may fail; the close is what we observe.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
  }

  static connect(o: RawPeerOptions): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: o.host, port: o.port, localAddress: o.localAddress });
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        s.setNoDelay(true);
        resolve(new RawPeer(s, o));
      });
    });
  }

  /** OPEN both ways, KEEPALIVE both ways: the speaker's side is Established once this resolves. */
  async handshake(): Promise<void> {
    const caps: Capability[] = [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'multiprotocol', afi: 2, safi: 1 },
      { kind: 'route-refresh' },
      { kind: 'four-octet-as', asn: this.o.asn },
    ];
    this.send(encodeMessage({ type: 'OPEN', version: 4, myAs: this.o.asn > 0xffff ? 23456 : this.o.asn, holdTime: 0, bgpId: this.o.routerId, capabilities: caps }));
    await this.until('OPEN from the speaker', () => this.received.includes(MESSAGE_TYPE.OPEN));
    this.send(encodeMessage(KEEPALIVE));
    await this.until('KEEPALIVE from the speaker', () => this.received.includes(MESSAGE_TYPE.KEEPALIVE));
  }

  send(bytes: Buffer): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(bytes);
  }

  sendMessage(m: Message): void {
    this.send(encodeMessage(m));
  }

  /** Resolves when `cond` holds; rejects if the connection closes first (unless `cond` then holds). */
  until(what: string, cond: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (cond()) {
          this.#waiters.delete(check);
          resolve();
        } else if (this.closed) {
          this.#waiters.delete(check);
          reject(new Error(`connection closed while waiting for ${what}${this.notification ? ` (NOTIFICATION ${this.notification.code}/${this.notification.subcode})` : ''}`));
        }
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Resolves once the speaker has closed the connection. */
  whenClosed(): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (!this.closed) return;
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Closes from our side without a NOTIFICATION (a crashed peer) and waits for the socket to be gone. */
  async destroy(): Promise<void> {
    if (this.closed) return;
    this.socket.destroy();
    await this.whenClosed();
  }

  #data(chunk: Buffer): void {
    try {
      this.#framer.push(chunk);
      for (let f = this.#framer.next(); f !== null; f = this.#framer.next()) {
        this.received.push(f.type);
        if (f.type === MESSAGE_TYPE.NOTIFICATION) this.notification ??= decodeNotification(f.buf, f.start, f.end);
      }
    } catch (e) {
      this.garbage ??= e as Error;
    }
    this.#wake();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }
}

/**
 * What the speaker's framer will make of `bytes` sent on their own, and the
 * bytes that complete the last message if it is cut short, so that the next
 * message we send is read as one (the speaker would otherwise wait for the
 * rest for ever: we run without a hold timer).
 *
 *   notification: a well-framed NOTIFICATION comes before any header error,
 *                 so the speaker may close without answering (RFC 4271 6.4)
 *   padding:      zeros up to the announced length, or 0xff bytes that make
 *                 a cut-short header a bad one
 */
export function framing(bytes: Buffer): { notification: boolean; headerError: boolean; padding: Buffer } {
  let pos = 0;
  while (pos < bytes.length) {
    const left = bytes.length - pos;
    if (left < 19) {
      // The missing type byte becomes 0xff: Bad Message Type, or an earlier header error.
      return { notification: false, headerError: true, padding: Buffer.alloc(19 - left, 0xff) };
    }
    let length: number;
    let type: number;
    try {
      ({ length, type } = readHeader(bytes, pos, bytes.length));
    } catch (e) {
      if (!(e instanceof BgpWireError)) throw e;
      return { notification: false, headerError: true, padding: Buffer.alloc(0) };
    }
    if (type === MESSAGE_TYPE.NOTIFICATION) return { notification: true, headerError: false, padding: length > left ? Buffer.alloc(length - left) : Buffer.alloc(0) };
    if (length > left) return { notification: false, headerError: false, padding: Buffer.alloc(length - left) };
    pos += length;
  }
  return { notification: false, headerError: false, padding: Buffer.alloc(0) };
}
