/**
 * Keeps the kernel FIB equal to the Loc-RIB's best routes, for the routes
 * reef owns: those tagged with reef's routing protocol number. Routes of any
 * other protocol are never touched: deletes carry our protocol (the kernel only
 * matches routes of that protocol), new prefixes are added with NLM_F_EXCL so
 * a foreign route with the same destination and metric is reported, not
 * replaced, and reconciliation dumps only our protocol.
 *
 * State per prefix is one small integer in a PrefixTable: the desired and the
 * installed next-hop set, as ids into a table of interned next-hop sets
 * ("signatures"), plus a dirty bit. No route objects, Buffers or strings are
 * kept per prefix. `onChanges` only parks the Loc-RIB batch; `flush()` folds
 * parked batches into the state and writes the difference from what is
 * installed, in chunks of a few thousand routes with several chunks in
 * flight, yielding to the event loop between chunks, so a full table never
 * blocks keepalives. ECMP sets become multipath routes; originated prefixes
 * may get a blackhole route. Routes of a peer in graceful restart stay,
 * because the RIB keeps them as best until swept.
 */
import type { Logger } from '../../src/lib/log.ts';
import type { Best, ChangeBatch } from '../rib/rib.ts';
import { bestPaths } from '../rib/rib.ts';
import type { Path } from '../rib/path.ts';
import type { PrefixKey } from '../rib/prefix-key.ts';
import { formatKey, keyToPrefix, parseV4, parseV6, v4Key, v6Key, v6Parts } from '../rib/prefix-key.ts';
import { PrefixTable } from '../rib/prefix-table.ts';
import type { KernelRoute, NextHop } from './rtnetlink.ts';
import { AF, RTN, RT_SCOPE, RT_TABLE_MAIN } from './rtnetlink.ts';
import type { RouteOp, RouteOpKind, RouteWriter } from './route-writer.ts';

/**
 * reef's routing protocol number. Unused in iproute2's rt_protos and FRR's
 * rt_protos.d (11 zebra, 12 bird, 186-197 FRR), and not Calico's 80, so both
 * can run on one host; name it with `echo '85 reef' > /etc/iproute2/rt_protos.d/reef.conf`.
 */
export const RTPROT_REEF = 85;

export interface FibConfig {
  readonly protocol?: number;
  readonly table?: number;
  /** Metric of our routes; a foreign route with another metric never collides with ours. */
  readonly metric?: number;
  /** Install a blackhole route for prefixes we originate (so traffic to unused block addresses stops here). */
  readonly blackholeOriginated?: boolean;
  /** Sizes the state's block for a /16 at creation, e.g. from the Rib's own table (`rib.blockCapacity`). */
  readonly blockHint?: (hi16: number) => number;
}

export interface FibFailure {
  readonly prefix: string;
  readonly op: RouteOpKind;
  readonly errno: number;
}

export interface FlushResult {
  readonly added: number;
  readonly replaced: number;
  readonly deleted: number;
  readonly failed: readonly FibFailure[];
}

/** Routes per RouteWriter.apply call, and calls in flight at once. */
const CHUNK = 8192;
const CHUNKS_IN_FLIGHT = 4;
/** Parked changes folded into the state between two yields to the event loop. */
const ABSORB_SLICE = 65536;

/** State word: bits 0..14 desired signature, bit 15 dirty, bits 16..30 installed signature; 0 = no route. */
const SIG_BITS = 15;
const MAX_SIGS = 1 << SIG_BITS;
const SIG_MASK = MAX_SIGS - 1;
const DIRTY = 1 << SIG_BITS;
const INSTALLED_SHIFT = 16;
const desiredOf = (s: number): number => s & SIG_MASK;
const installedOf = (s: number): number => s >>> INSTALLED_SHIFT;
const word = (desired: number, dirty: boolean, installed: number): number => desired | (dirty ? DIRTY : 0) | (installed << INSTALLED_SHIFT);

/** A next-hop set (or blackhole) as the kernel sees it; id 0 is "no route". */
interface Sig {
  readonly text: string;
  readonly type: number;
  readonly nextHops: readonly NextHop[];
}

const OP_ADD = 0;
const OP_REPLACE = 1;
const OP_DELETE = 2;
const KINDS: readonly RouteOpKind[] = ['add', 'replace', 'delete'];

/** Up to CHUNK routes on their way to the kernel. */
interface Chunk {
  n: number;
  readonly keys: PrefixKey[];
  readonly sigs: Int32Array;
  readonly kinds: Uint8Array;
}
const newChunk = (): Chunk => ({ n: 0, keys: [], sigs: new Int32Array(CHUNK), kinds: new Uint8Array(CHUNK) });

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** The one op object the fast path reuses for every route. */
interface ScratchOp {
  kind: RouteOpKind;
  readonly route: Mutable<KernelRoute>;
  readonly dst4: Buffer;
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

export class FibSyncer {
  readonly #w: RouteWriter;
  readonly #protocol: number;
  readonly #table: number;
  readonly #metric: number;
  readonly #blackhole: boolean;
  readonly #log: Logger | undefined;
  readonly #state: PrefixTable<number>;
  #sigs: (Sig | undefined)[] = [undefined];
  #sigIds = new Map<string, number>();
  #installedCount = 0;
  /** Loc-RIB batches not yet folded into the state, and the position in the first. */
  #parked: ChangeBatch[] = [];
  #parkedAt = 0;
  #parkedCount = 0;
  #dirty4 = new Float64Array(1024);
  #nDirty4 = 0;
  #dirty6: string[] = [];
  /** One-entry memo: consecutive prefixes usually share their best path. */
  #memoBest: Best | null = null;
  #memoV4 = true;
  #memoSig = 0;
  /** ECMP sets seen lately, by their first path (paths are shared objects; the sets are not). */
  #ecmpMemo = new WeakMap<Path, { readonly paths: readonly Path[]; readonly v4: boolean; readonly sig: number }[]>();
  readonly #scratch: ScratchOp;

  constructor(writer: RouteWriter, config: FibConfig = {}, log?: Logger) {
    this.#w = writer;
    this.#protocol = config.protocol ?? RTPROT_REEF;
    this.#table = config.table ?? RT_TABLE_MAIN;
    this.#metric = config.metric ?? 20;
    this.#blackhole = config.blackholeOriginated ?? false;
    this.#log = log;
    this.#state = new PrefixTable<number>(16, config.blockHint);
    const dst4 = Buffer.alloc(4);
    this.#scratch = {
      kind: 'add',
      dst4,
      route: { family: AF.INET, dst: dst4, dstLen: 0, table: this.#table, protocol: this.#protocol, type: RTN.UNICAST, scope: RT_SCOPE.UNIVERSE, priority: this.#metric, nextHops: [] },
    };
  }

  /** Changes not yet written (an upper bound: some may turn out to be no-ops). */
  get pending(): number {
    return this.#parkedCount + this.#nDirty4 + this.#dirty6.length;
  }

  get installedCount(): number {
    return this.#installedCount;
  }

  /** Feed with `rib.subscribe((b) => fib.onChanges(b))`; nothing is written until `flush()`. */
  onChanges(batch: ChangeBatch): void {
    if (batch.keys.length === 0) return;
    this.#parked.push(batch);
    this.#parkedCount += batch.keys.length;
  }

  /** Sets the desired route of one prefix (what a Loc-RIB change does), e.g. to seed from `rib.forEachBest`. */
  want(key: PrefixKey, best: Best | null): void {
    this.#absorbAll();
    this.#want(key, best);
  }

  /** Writes every pending difference, a chunk at a time; per-route failures are returned and logged. */
  async flush(): Promise<FlushResult> {
    while (this.#parked.length > 0) {
      this.#absorb(ABSORB_SLICE);
      if (this.#parked.length > 0) await yieldToLoop();
    }
    const n4 = this.#nDirty4;
    const d4 = this.#dirty4;
    const d6 = this.#dirty6;
    this.#dirty4 = new Float64Array(1024);
    this.#nDirty4 = 0;
    this.#dirty6 = [];
    const total = { added: 0, replaced: 0, deleted: 0, failed: [] as FibFailure[] };
    const inflight: Promise<void>[] = [];
    let chunk = newChunk();
    const send = async (): Promise<void> => {
      if (chunk.n === 0) return;
      const c = chunk;
      chunk = newChunk();
      inflight.push(this.#write(c).then((errnos) => this.#settle(c, errnos, total)));
      if (inflight.length >= CHUNKS_IN_FLIGHT) await inflight.shift();
      else await yieldToLoop();
    };
    const visit = (key: PrefixKey): void => {
      const s = this.#state.get(key);
      if (s === undefined || (s & DIRTY) === 0) return;
      const want = desiredOf(s);
      const have = installedOf(s);
      if (want === have) {
        if (want === 0) this.#state.delete(key);
        else this.#state.set(key, s & ~DIRTY);
        return;
      }
      this.#state.set(key, s & ~DIRTY);
      const i = chunk.n++;
      chunk.keys[i] = key;
      chunk.sigs[i] = want;
      chunk.kinds[i] = want === 0 ? OP_DELETE : have === 0 ? OP_ADD : OP_REPLACE;
    };
    for (let i = 0; i < n4; i++) {
      visit(d4[i]!);
      if (chunk.n >= CHUNK) await send();
    }
    for (const key of d6) {
      visit(key);
      if (chunk.n >= CHUNK) await send();
    }
    await send();
    await Promise.all(inflight);
    if (total.failed.length > 0) this.#log?.warn('kernel rejected routes', { count: total.failed.length, first: total.failed[0] });
    return total;
  }

  /**
   * Reads our routes back from the kernel (after a restart, or after ENOBUFS)
   * and queues whatever differs from the desired state. With `adopt`, routes
   * not (yet) desired are left alone and treated as installed, so a restarting
   * node keeps forwarding until its sessions converge; `sweep()` then removes them.
   */
  async reconcile(opts: { adopt?: boolean } = {}): Promise<FlushResult> {
    this.#absorbAll();
    const routes = await this.#w.dump({ protocol: this.#protocol, table: this.#table });
    this.#absorbAll();
    // Forget what we believed installed; the dump is the truth.
    const gone: PrefixKey[] = [];
    this.#state.forEach((s, key) => {
      if (desiredOf(s) === 0) gone.push(key);
      else this.#state.set(key, word(desiredOf(s), (s & DIRTY) !== 0, 0));
    });
    for (const key of gone) this.#state.delete(key);
    this.#installedCount = 0;
    for (const r of routes) {
      if (r.priority !== undefined && r.priority !== this.#metric) continue;
      const key = r.family === AF.INET ? v4Key(Buffer.from(r.dst).readUInt32BE(0), r.dstLen) : v6Key(r.dst, r.dstLen);
      const sig = this.#sigId(signatureOf(r), r.type, r.nextHops);
      const s = this.#state.get(key) ?? 0;
      if (installedOf(s) === 0) this.#installedCount++;
      this.#state.set(key, word(desiredOf(s), (s & DIRTY) !== 0, sig));
      if (!opts.adopt || desiredOf(s) !== 0) this.#markDirty(key);
    }
    const desired: PrefixKey[] = [];
    this.#state.forEach((s, key) => {
      if (desiredOf(s) !== 0) desired.push(key);
    });
    for (const key of desired) this.#markDirty(key);
    return this.flush();
  }

  /** Deletes installed routes that nothing wants any more (the end of an adopting reconcile). */
  async sweep(): Promise<FlushResult> {
    this.#absorbAll();
    const stray: PrefixKey[] = [];
    this.#state.forEach((s, key) => {
      if (desiredOf(s) === 0 && installedOf(s) !== 0) stray.push(key);
    });
    for (const key of stray) this.#markDirty(key);
    return this.flush();
  }

  #absorbAll(): void {
    while (this.#parked.length > 0) this.#absorb(Infinity);
  }

  /** Folds up to `limit` parked changes into the state. */
  #absorb(limit: number): void {
    let done = 0;
    while (this.#parked.length > 0 && done < limit) {
      const b = this.#parked[0]!;
      const end = Math.min(b.keys.length, this.#parkedAt + (limit - done));
      for (let i = this.#parkedAt; i < end; i++) this.#want(b.keys[i]!, b.best[i]!);
      done += end - this.#parkedAt;
      this.#parkedCount -= end - this.#parkedAt;
      if (end === b.keys.length) {
        this.#parked.shift();
        this.#parkedAt = 0;
      } else this.#parkedAt = end;
    }
  }

  #want(key: PrefixKey, best: Best | null): void {
    const sig = best === null ? 0 : this.#sigFor(key, best);
    const s = this.#state.get(key);
    if (s === undefined) {
      if (sig === 0) return;
      this.#state.set(key, word(sig, true, 0));
      this.#pushDirty(key);
      return;
    }
    if (desiredOf(s) === sig) return;
    if ((s & DIRTY) === 0) this.#pushDirty(key);
    this.#state.set(key, word(sig, true, installedOf(s)));
  }

  #markDirty(key: PrefixKey): void {
    const s = this.#state.get(key);
    if (s === undefined || (s & DIRTY) !== 0) return;
    this.#state.set(key, s | DIRTY);
    this.#pushDirty(key);
  }

  #pushDirty(key: PrefixKey): void {
    if (typeof key !== 'number') {
      this.#dirty6.push(key);
      return;
    }
    if (this.#nDirty4 === this.#dirty4.length) {
      const d = new Float64Array(this.#dirty4.length * 2);
      d.set(this.#dirty4);
      this.#dirty4 = d;
    }
    this.#dirty4[this.#nDirty4++] = key;
  }

  /** Hands one chunk to the writer: without per-route objects when it can take them one at a time. */
  #write(c: Chunk): Promise<Int32Array> {
    if (this.#w.applyEach !== undefined) {
      const scratch = this.#scratch;
      return this.#w.applyEach(c.n, (i) => this.#fillOp(scratch, c.keys[i]!, c.kinds[i]!, c.sigs[i]!));
    }
    const ops: RouteOp[] = [];
    for (let i = 0; i < c.n; i++) {
      const key = c.keys[i]!;
      const kind = KINDS[c.kinds[i]!]!;
      ops.push({ kind, route: kind === 'delete' ? this.#deletion(key) : this.#route(key, c.sigs[i]!) });
    }
    return this.#w.apply(ops);
  }

  /** Fills the reusable op for one route: an IPv4 destination is written into the op's own 4 bytes. */
  #fillOp(o: ScratchOp, key: PrefixKey, kind: number, sig: number): RouteOp {
    const r = o.route;
    if (typeof key === 'number') {
      const len = key % 64;
      o.dst4.writeUInt32BE((key - len) / 64, 0);
      r.family = AF.INET;
      r.dst = o.dst4;
      r.dstLen = len;
    } else {
      const { addr, len } = v6Parts(key);
      r.family = AF.INET6;
      r.dst = addr;
      r.dstLen = len;
    }
    o.kind = KINDS[kind]!;
    if (kind === OP_DELETE) {
      // Type 0 and scope NOWHERE match any route of ours at this destination and metric.
      r.type = 0;
      r.scope = 255;
      r.nextHops = [];
    } else {
      const g = this.#sigs[sig]!;
      r.type = g.type;
      r.scope = RT_SCOPE.UNIVERSE;
      r.nextHops = g.nextHops;
    }
    return o as RouteOp;
  }

  /** Records the outcome of one chunk. */
  #settle(c: Chunk, errnos: Int32Array, total: { added: number; replaced: number; deleted: number; failed: FibFailure[] }): void {
    for (let i = 0; i < c.n; i++) {
      const key = c.keys[i]!;
      const kind = c.kinds[i]!;
      const errno = errnos[i]!;
      // A delete of a route already gone (ESRCH) reaches the state we wanted.
      if (errno !== 0 && !(kind === OP_DELETE && errno === 3)) {
        total.failed.push({ prefix: formatKey(key), op: KINDS[kind]!, errno });
        if (kind === OP_ADD) this.#setInstalled(key, 0);
        continue;
      }
      this.#setInstalled(key, c.sigs[i]!);
      if (kind === OP_ADD) total.added++;
      else if (kind === OP_REPLACE) total.replaced++;
      else total.deleted++;
    }
  }

  #setInstalled(key: PrefixKey, sig: number): void {
    const s = this.#state.get(key);
    if (s === undefined) return;
    const had = installedOf(s);
    if ((had === 0) !== (sig === 0)) this.#installedCount += sig === 0 ? -1 : 1;
    if (sig === 0 && desiredOf(s) === 0 && (s & DIRTY) === 0) this.#state.delete(key);
    else this.#state.set(key, word(desiredOf(s), (s & DIRTY) !== 0, sig));
  }

  /** The signature id of the route a best path needs (0: none). */
  #sigFor(key: PrefixKey, best: Best): number {
    const v4 = typeof key === 'number';
    if (best === this.#memoBest && v4 === this.#memoV4) return this.#memoSig;
    const paths = bestPaths(best);
    // ECMP sets are arrays per prefix: look them up by their paths, which are shared.
    const memo = paths.length > 1 ? this.#ecmpMemo.get(paths[0]!) : undefined;
    if (memo !== undefined) {
      for (const m of memo) {
        if (m.v4 === v4 && m.paths.length === paths.length && m.paths.every((p, i) => p === paths[i])) {
          this.#memoBest = best;
          this.#memoV4 = v4;
          this.#memoSig = m.sig;
          return m.sig;
        }
      }
    }
    let sig = 0;
    if (paths[0]!.peer.local) {
      if (this.#blackhole) sig = this.#sigId(`t${RTN.BLACKHOLE}`, RTN.BLACKHOLE, []);
    } else {
      const gateways = [...new Set(paths.map((p) => p.nextHopFor(!v4)).filter((h): h is string => h !== undefined))];
      if (gateways.length > 0) {
        const bytes = gateways.map((g) => (v4 ? u32be(parseV4(g)) : parseV6(g))).sort(Buffer.compare);
        const text = bytes.map((b) => b.toString('hex')).join(',');
        sig = this.#sigId(text, RTN.UNICAST, bytes.map((gateway) => ({ gateway })));
      }
    }
    if (paths.length > 1) {
      const list = this.#ecmpMemo.get(paths[0]!) ?? [];
      if (list.length >= 8) list.shift();
      list.push({ paths: [...paths], v4, sig });
      this.#ecmpMemo.set(paths[0]!, list);
    }
    this.#memoBest = best;
    this.#memoV4 = v4;
    this.#memoSig = sig;
    return sig;
  }

  #sigId(text: string, type: number, nextHops: readonly NextHop[]): number {
    let id = this.#sigIds.get(text);
    if (id !== undefined) return id;
    if (this.#sigs.length >= MAX_SIGS) this.#compactSigs();
    if (this.#sigs.length >= MAX_SIGS) throw new RangeError(`more than ${MAX_SIGS - 1} distinct next-hop sets in use`);
    id = this.#sigs.length;
    this.#sigs.push({ text, type, nextHops: nextHops.map((h) => (h.gateway !== undefined ? { gateway: h.gateway } : {})) });
    this.#sigIds.set(text, id);
    return id;
  }

  /** Renumbers the signatures still in use (only when the id space is full). */
  #compactSigs(): void {
    const remap = new Int32Array(this.#sigs.length).fill(-1);
    const sigs: (Sig | undefined)[] = [undefined];
    remap[0] = 0;
    const use = (id: number): number => {
      if (remap[id]! < 0) {
        remap[id] = sigs.length;
        sigs.push(this.#sigs[id]);
      }
      return remap[id]!;
    };
    this.#absorbAll();
    this.#state.forEach((s, key) => this.#state.set(key, word(use(desiredOf(s)), (s & DIRTY) !== 0, use(installedOf(s)))));
    this.#sigs = sigs;
    this.#sigIds = new Map(sigs.slice(1).map((s, i) => [s!.text, i + 1]));
    this.#memoBest = null;
    this.#ecmpMemo = new WeakMap();
  }

  #route(key: PrefixKey, sig: number): KernelRoute {
    const s = this.#sigs[sig]!;
    return { ...this.#base(key), type: s.type, nextHops: s.nextHops };
  }

  #base(key: PrefixKey): KernelRoute {
    const p = keyToPrefix(key);
    return {
      family: p.afi === 1 ? AF.INET : AF.INET6,
      dst: p.afi === 1 ? u32be(p.addr) : p.addr,
      dstLen: p.len,
      table: this.#table,
      protocol: this.#protocol,
      type: RTN.UNICAST,
      scope: RT_SCOPE.UNIVERSE,
      priority: this.#metric,
      nextHops: [],
    };
  }

  #deletion(key: PrefixKey): KernelRoute {
    // Type 0 and scope NOWHERE match any route of ours at this destination and metric.
    return { ...this.#base(key), type: 0, scope: 255 };
  }
}

function u32be(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}

/** Gateways only: we never set the interface, the kernel fills it in, so it must not make a dumped route look different. */
function signatureOf(r: KernelRoute): string {
  if (r.type !== RTN.UNICAST) return `t${r.type}`;
  return r.nextHops
    .map((n) => (n.gateway ? Buffer.from(n.gateway).toString('hex') : ''))
    .sort()
    .join(',');
}
