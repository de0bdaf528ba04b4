/**
 * RouteWriter: route batches to the kernel with asynchronous ACK collection,
 * like BIRD's asynchronous netlink writer. Requests are packed many to a
 * datagram; only the last message of each datagram asks for an ACK, because
 * the kernel reports errors whether asked or not and handles one socket's
 * requests in order, so that ACK means "everything before it is done". A few
 * datagrams stay in flight at once; replies are read as they come, so 100,000
 * routes cost ~200 sends, not 100,000 round trips. Errors are per route.
 */
import type { KernelRoute } from './rtnetlink.ts';
import { NLM_F, RTM, decodeMessages, encodeDumpRequest, encodeRoute, routeMessageSize } from './rtnetlink.ts';
import type { NetlinkTransport } from './netlink-socket.ts';

export type RouteOpKind = 'add' | 'replace' | 'delete';

export interface RouteOp {
  readonly kind: RouteOpKind;
  readonly route: KernelRoute;
}

export interface RouteWriter {
  /** Resolves with one errno per op (0 = done); never rejects for a single route's failure. */
  apply(ops: readonly RouteOp[]): Promise<Int32Array>;
  /**
   * Optional: like `apply`, with the i-th op from `op(i)`, which may reuse one
   * object for every call (no per-route objects for a full table).
   */
  applyEach?(count: number, op: (i: number) => RouteOp): Promise<Int32Array>;
  /** Routes of one protocol (optionally one table), for reconciliation. */
  dump(filter: { readonly protocol: number; readonly table?: number }): Promise<KernelRoute[]>;
  close(): void;
}

/** errno values the syncer reports by name. */
export const ERRNO = { ENOENT: 2, ESRCH: 3, EEXIST: 17, ENOBUFS: 105, ENETUNREACH: 101 } as const;

const DATAGRAM_BYTES = 64 * 1024;
/** Datagrams awaiting their ACK; bounds the replies queued in the receive buffer. */
const WINDOW = 32;

interface Chunk {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOp: number;
  readonly results: Int32Array;
  readonly acked: Promise<void>;
  readonly done: () => void;
}

export class NetlinkRouteWriter implements RouteWriter {
  readonly #t: NetlinkTransport;
  #seq = 1;
  readonly #inflight: Chunk[] = [];
  #dump: { seq: number; routes: KernelRoute[]; done: () => void } | null = null;
  #closed = false;
  /** Datagram buffers whose send completed: reused, so a table load does not churn 64 KB allocations. */
  readonly #spare: Buffer[] = [];

  constructor(transport: NetlinkTransport) {
    this.#t = transport;
    transport.onMessage((d) => this.#receive(d));
    // Any socket error (typically ENOBUFS: replies dropped) leaves in-flight outcomes unknown.
    transport.onError(() => this.#failAll(ERRNO.ENOBUFS));
  }

  apply(ops: readonly RouteOp[]): Promise<Int32Array> {
    return this.applyEach(ops.length, (i) => ops[i]!);
  }

  /**
   * The same without an array of ops: `op(i)` describes the i-th route and may
   * return the same (mutated) object every time, since each op is encoded
   * before the next is asked for. Messages go straight into the datagram.
   */
  async applyEach(count: number, op: (i: number) => RouteOp): Promise<Int32Array> {
    const results = new Int32Array(count);
    let i = 0;
    while (i < count && !this.#closed) {
      while (this.#inflight.length >= WINDOW) await this.#oldestDone();
      if (this.#closed) break;
      const buf = this.#spare.pop() ?? Buffer.allocUnsafe(DATAGRAM_BYTES);
      const firstSeq = this.#seq;
      const first = i;
      let off = 0;
      let last = 0;
      while (i < count) {
        const o = op(i);
        const size = routeMessageSize(o.route);
        if (off + size > DATAGRAM_BYTES) {
          if (off > 0) break;
          throw new RangeError(`route message of ${size} bytes does not fit in a datagram`);
        }
        last = off;
        off = encodeRoute(buf, off, o.kind === 'delete' ? RTM.DELROUTE : RTM.NEWROUTE, flagsFor(o.kind), this.#nextSeq(), o.route);
        i++;
      }
      // Only the last message asks for an ACK: it means everything before it is done.
      buf.writeUInt16LE(buf.readUInt16LE(last + 6) | NLM_F.ACK, last + 6);
      const { promise: acked, resolve: done } = Promise.withResolvers<void>();
      const chunk: Chunk = { firstSeq, lastSeq: firstSeq + (i - first) - 1, firstOp: first, results, acked, done };
      this.#inflight.push(chunk);
      this.#t.send(buf.subarray(0, off)).then(
        // The transport is done with the bytes once the send completed.
        () => void (this.#spare.length < WINDOW && this.#spare.push(buf)),
        () => this.#finish(chunk, ERRNO.ENOBUFS),
      );
    }
    if (i < count) results.fill(ERRNO.ENOBUFS, i);
    while (this.#inflight.some((c) => c.results === results)) await this.#oldestDone();
    return results;
  }

  async dump(filter: { readonly protocol: number; readonly table?: number }): Promise<KernelRoute[]> {
    while (this.#dump !== null) await new Promise((r) => setImmediate(r));
    const seq = this.#nextSeq();
    const routes: KernelRoute[] = [];
    await new Promise<void>((resolve, reject) => {
      this.#dump = { seq, routes, done: resolve };
      this.#t.send(encodeDumpRequest(seq, 0)).catch(reject);
    }).finally(() => (this.#dump = null));
    return routes.filter((r) => r.protocol === filter.protocol && (filter.table === undefined || r.table === filter.table));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll(ERRNO.ENOBUFS);
    this.#dump?.done();
    this.#t.close();
  }

  #nextSeq(): number {
    const s = this.#seq;
    this.#seq = this.#seq >= 0x7fffffff ? 1 : this.#seq + 1;
    return s;
  }

  async #oldestDone(): Promise<void> {
    await this.#inflight[0]?.acked;
  }

  #receive(datagram: Buffer): void {
    for (const m of decodeMessages(datagram)) {
      if (this.#dump !== null && m.header.seq === this.#dump.seq) {
        if (m.kind === 'route') this.#dump.routes.push(m.route);
        else if (m.kind === 'done' || m.kind === 'error') this.#dump.done();
        continue;
      }
      if (m.kind !== 'error') continue;
      const seq = m.requestSeq;
      const chunk = this.#inflight.find((c) => seq >= c.firstSeq && seq <= c.lastSeq);
      if (chunk === undefined) continue;
      chunk.results[chunk.firstOp + (seq - chunk.firstSeq)] = m.error;
      if (seq === chunk.lastSeq) this.#finish(chunk, 0);
    }
  }

  /** Marks a chunk complete; `unknownErrno` goes to ops whose outcome we will never hear. */
  #finish(chunk: Chunk, unknownErrno: number): void {
    const at = this.#inflight.indexOf(chunk);
    if (at < 0) return;
    this.#inflight.splice(at, 1);
    if (unknownErrno !== 0) {
      for (let k = 0; k <= chunk.lastSeq - chunk.firstSeq; k++) {
        if (chunk.results[chunk.firstOp + k] === 0) chunk.results[chunk.firstOp + k] = unknownErrno;
      }
    }
    chunk.done();
  }

  #failAll(errno: number): void {
    for (const c of [...this.#inflight]) this.#finish(c, errno);
  }
}

function flagsFor(kind: RouteOpKind): number {
  if (kind === 'add') return NLM_F.REQUEST | NLM_F.CREATE | NLM_F.EXCL;
  if (kind === 'replace') return NLM_F.REQUEST | NLM_F.CREATE | NLM_F.REPLACE;
  return NLM_F.REQUEST;
}
