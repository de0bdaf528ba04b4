/**
 * The only native part of the FIB: a NETLINK_ROUTE datagram socket. It comes
 * from the `netlink` npm package (RawNetlinkSocket: N-API with prebuilt
 * binaries, raw bytes in and out, libuv-driven receive), loaded lazily so the
 * rest of reef, and every unit test, runs without it. REEF_NETLINK_MODULE may
 * name another path to load it from.
 */
import { createRequire } from 'node:module';
import { ReefError } from '../../src/lib/errors.ts';

export interface NetlinkTransport {
  /** Sends one datagram, which may hold many netlink messages; the caller may reuse its bytes once this resolves. */
  send(datagram: Buffer): Promise<void>;
  onMessage(fn: (datagram: Buffer) => void): void;
  /** Socket errors, e.g. ENOBUFS when the kernel dropped replies. */
  onError(fn: (err: Error & { code?: string }) => void): void;
  close(): void;
}

interface RawSocket {
  send(msg: Uint8Array, options: object, cb: (err?: Error) => void): void;
  on(event: 'message', fn: (msg: Buffer) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  close(): void;
}

interface NetlinkModule {
  RawNetlinkSocket: new (protocol: number, options?: { recvBufferSize?: number; sendBufferSize?: number }) => RawSocket;
}

const NETLINK_ROUTE = 0;

export class NetlinkUnavailableError extends ReefError {
  constructor(cause: unknown) {
    super('FIB_NETLINK_UNAVAILABLE', 'the netlink package could not be loaded; kernel routes cannot be programmed', {}, { cause });
  }
}

export function loadNetlinkModule(): NetlinkModule {
  const require = createRequire(import.meta.url);
  const candidates = [process.env.REEF_NETLINK_MODULE, 'netlink'].filter((c): c is string => !!c);
  let lastError: unknown;
  for (const c of candidates) {
    try {
      return require(c) as NetlinkModule;
    } catch (err) {
      lastError = err;
    }
  }
  throw new NetlinkUnavailableError(lastError);
}

export function netlinkAvailable(): boolean {
  try {
    loadNetlinkModule();
    return true;
  } catch {
    return false;
  }
}

export function openNetlinkTransport(opts: { recvBufferSize?: number; sendBufferSize?: number } = {}): NetlinkTransport {
  const mod = loadNetlinkModule();
  const sock = new mod.RawNetlinkSocket(NETLINK_ROUTE, {
    recvBufferSize: opts.recvBufferSize ?? 4 << 20,
    sendBufferSize: opts.sendBufferSize ?? 1 << 20,
  });
  return {
    send: (datagram) =>
      new Promise((resolve, reject) => {
        sock.send(datagram, {}, (err) => (err ? reject(err) : resolve()));
      }),
    onMessage: (fn) => sock.on('message', fn),
    onError: (fn) => sock.on('error', fn),
    close: () => sock.close(),
  };
}
