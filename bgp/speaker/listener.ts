/**
 * The BGP listener: one TCP server (dual-stack `::` when no address is given,
 * falling back to 0.0.0.0 where IPv6 is off) whose connections are handed to
 * the peer with the same remote address. A connection from an address that
 * is no configured peer gets NOTIFICATION Cease / Connection Rejected
 * (RFC 4486 5) and is closed.
 */
import net from 'node:net';
import type { Logger } from '../../src/lib/log.ts';
import { CEASE, NOTIFICATION_CODE } from '../wire/constants.ts';
import { encodeMessage } from '../wire/message.ts';
import { formatV6, parseV6 } from '../rib/prefix-key.ts';

export interface ListenerOptions {
  readonly address?: string;
  readonly port: number;
  readonly log: Logger;
  /** The peer for this remote address, or undefined to reject the connection. */
  readonly route: (remote: string) => ((socket: net.Socket) => void) | undefined;
}

/** One spelling per address, so a configured peer matches the socket's remote address. */
export function normalizeAddress(a: string | undefined): string {
  if (a === undefined) return '';
  if (a.startsWith('::ffff:') && a.includes('.')) return a.slice(7);
  if (!a.includes(':') || a.includes('.') || a.includes('%')) return a;
  try {
    return formatV6(parseV6(a));
  } catch {
    return a;
  }
}

export class Listener {
  readonly #o: ListenerOptions;
  #server: net.Server | undefined;

  constructor(o: ListenerOptions) {
    this.#o = o;
  }

  /** The bound port (useful when port 0 asked for an ephemeral one). */
  get port(): number {
    const a = this.#server?.address();
    return typeof a === 'object' && a !== null ? a.port : 0;
  }

  async start(): Promise<void> {
    if (this.#server !== undefined) return;
    const addr = this.#o.address;
    if (addr !== undefined && addr !== '::') {
      this.#server = await this.#listen(addr);
      return;
    }
    try {
      this.#server = await this.#listen('::');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL') throw e;
      this.#server = await this.#listen('0.0.0.0');
    }
  }

  /** Stops accepting; connections already handed to peers are theirs to close (close()'s callback would wait for them). */
  stop(): void {
    this.#server?.close();
    this.#server = undefined;
  }

  #listen(host: string): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const s = net.createServer({ noDelay: true }, (socket) => this.#incoming(socket));
      s.once('error', reject);
      s.listen({ host, port: this.#o.port, ipv6Only: false }, () => {
        s.off('error', reject);
        s.on('error', (e) => this.#o.log.error('listener error', { error: e.message }));
        this.#o.log.info('listening', { address: host, port: (s.address() as net.AddressInfo).port });
        resolve(s);
      });
    });
  }

  #incoming(socket: net.Socket): void {
    const remote = normalizeAddress(socket.remoteAddress);
    const to = this.#o.route(remote);
    if (to !== undefined) {
      to(socket);
      return;
    }
    this.#o.log.info('connection from unknown address rejected', { remote });
    socket.on('error', () => undefined);
    socket.end(encodeMessage({ type: 'NOTIFICATION', code: NOTIFICATION_CODE.CEASE, subcode: CEASE.CONNECTION_REJECTED, data: Buffer.alloc(0) }));
  }
}
