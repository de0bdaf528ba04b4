/**
 * One allocation block, pure: no I/O, no clock (callers pass `now`). The
 * allocator reads a block, changes a copy, and writes it back with a
 * compare-and-swap on the revision it read, so every method here is a plain
 * state transition that can be replayed after a conflict.
 *
 * Layout in memory:
 *  - alloc[ordinal] -> index into attrs, or null when the ordinal is free or reserved;
 *  - attrs: one entry per distinct attribute set (a pod's handle, namespace,
 *    pod, node), shared by every ordinal that pod holds in this block;
 *  - free: the ordinals that may be handed out, oldest-free first. Ordinals
 *    never used sit at the front (free since the block was made, freed at 0);
 *    a release appends with its timestamp. So taking from the front reuses
 *    the address free longest, and the release time gives the cooldown;
 *  - reserved: ordinal ranges never handed out and never in `free`.
 */
import { IpamCorruptRecordError } from './errors.ts';
import { cidrSize, formatCidr, formatIp, parseCidr, type Cidr } from './ip.ts';

/** What an allocation records about its owner; `handle` is the key releases go by. */
export interface AllocationAttrs {
  readonly handle: string;
  readonly namespace?: string;
  readonly pod?: string;
  readonly node?: string;
  readonly [extra: string]: string | undefined;
}

export interface FreeEntry {
  ordinal: number;
  /** When it was released (ms since the epoch); 0 for never used. */
  freedAt: number;
}

export type AssignOutcome =
  | { ok: true }
  | { ok: false; reason: 'in-use'; handle: string }
  | { ok: false; reason: 'reserved' }
  | { ok: false; reason: 'outside' };

/** The largest block we agree to hold as a dense array. */
const MAX_BLOCK_ORDINALS = 1 << 16;

export class Block {
  readonly cidr: Cidr;
  readonly size: number;
  affinity: string | null;
  private readonly alloc: (number | null)[];
  private attrs: AllocationAttrs[];
  private free: FreeEntry[];
  private readonly reserved: ReadonlyArray<readonly [number, number]>;

  private constructor(
    cidr: Cidr,
    affinity: string | null,
    alloc: (number | null)[],
    attrs: AllocationAttrs[],
    free: FreeEntry[],
    reserved: ReadonlyArray<readonly [number, number]>,
  ) {
    this.cidr = cidr;
    this.size = alloc.length;
    this.affinity = affinity;
    this.alloc = alloc;
    this.attrs = attrs;
    this.free = free;
    this.reserved = reserved;
  }

  static create(cidr: Cidr, opts: { affinity?: string | null; reserved?: ReadonlyArray<readonly [number, number]> } = {}): Block {
    const sizeBig = cidrSize(cidr);
    if (sizeBig > BigInt(MAX_BLOCK_ORDINALS)) throw new RangeError(`block ${formatCidr(cidr)} has more than ${MAX_BLOCK_ORDINALS} addresses`);
    const size = Number(sizeBig);
    const reserved = normaliseRanges(opts.reserved ?? [], size);
    const free: FreeEntry[] = [];
    for (let o = 0; o < size; o++) if (!inRanges(reserved, o)) free.push({ ordinal: o, freedAt: 0 });
    return new Block(cidr, opts.affinity ?? null, new Array<number | null>(size).fill(null), [], free, reserved);
  }

  get cidrText(): string {
    return formatCidr(this.cidr);
  }

  addressOf(ordinal: number): string {
    return formatIp(this.cidr.family, this.cidr.base + BigInt(ordinal));
  }

  /** The ordinal of `value` in this block, or undefined when it lies outside. */
  ordinalOf(value: bigint): number | undefined {
    const off = value - this.cidr.base;
    return off >= 0n && off < BigInt(this.size) ? Number(off) : undefined;
  }

  isReserved(ordinal: number): boolean {
    return inRanges(this.reserved, ordinal);
  }

  holderOf(ordinal: number): AllocationAttrs | undefined {
    const i = this.alloc[ordinal];
    return i === null || i === undefined ? undefined : this.attrs[i];
  }

  get inUse(): number {
    let n = 0;
    for (const a of this.alloc) if (a !== null) n++;
    return n;
  }

  get isEmpty(): boolean {
    return this.alloc.every((a) => a === null);
  }

  /** Free ordinals whose cooldown has passed at `now`, not counting those `skip` excludes. */
  available(now: number, cooldownMs: number, skip?: (ordinal: number) => boolean): number {
    let n = 0;
    for (const f of this.free) if (coolEnough(f, now, cooldownMs) && !skip?.(f.ordinal)) n++;
    return n;
  }

  /** The release times still recorded, newest last; GC must not forget a cooldown that has not run out. */
  lastReleaseAt(): number {
    let t = 0;
    for (const f of this.free) t = Math.max(t, f.freedAt);
    return t;
  }

  /**
   * Takes up to `n` ordinals for `attrs`, oldest-free first, skipping those
   * still in their cooldown and those `skip` excludes (an IPReservation made
   * after the block: they stay free, in place). Returns the ordinals taken
   * (maybe fewer than n).
   */
  allocate(n: number, attrs: AllocationAttrs, now: number, cooldownMs: number, skip?: (ordinal: number) => boolean): number[] {
    const taken: number[] = [];
    if (n <= 0) return taken;
    const keep: FreeEntry[] = [];
    for (const f of this.free) {
      if (taken.length < n && coolEnough(f, now, cooldownMs) && !skip?.(f.ordinal)) taken.push(f.ordinal);
      else keep.push(f);
    }
    if (taken.length === 0) return taken;
    this.free = keep;
    const idx = this.attrIndex(attrs);
    for (const o of taken) this.alloc[o] = idx;
    return taken;
  }

  /** Takes one named ordinal. An explicit request is honoured during the cooldown: someone asked for this address. */
  assign(ordinal: number, attrs: AllocationAttrs): AssignOutcome {
    if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= this.size) return { ok: false, reason: 'outside' };
    if (this.isReserved(ordinal)) return { ok: false, reason: 'reserved' };
    const holder = this.holderOf(ordinal);
    if (holder) return { ok: false, reason: 'in-use', handle: holder.handle };
    this.free = this.free.filter((f) => f.ordinal !== ordinal);
    this.alloc[ordinal] = this.attrIndex(attrs);
    return { ok: true };
  }

  /** Frees one ordinal; returns the handle that held it, or undefined when it was free already. */
  release(ordinal: number, now: number): string | undefined {
    const holder = this.holderOf(ordinal);
    if (!holder) return undefined;
    this.alloc[ordinal] = null;
    this.free.push({ ordinal, freedAt: now });
    this.compactAttrs();
    return holder.handle;
  }

  /** Frees everything `handle` holds here; returns the ordinals freed. */
  releaseHandle(handle: string, now: number): number[] {
    const out = this.ordinalsOf(handle);
    for (const o of out) {
      this.alloc[o] = null;
      this.free.push({ ordinal: o, freedAt: now });
    }
    if (out.length > 0) this.compactAttrs();
    return out;
  }

  ordinalsOf(handle: string): number[] {
    const out: number[] = [];
    this.alloc.forEach((i, o) => {
      if (i !== null && this.attrs[i]?.handle === handle) out.push(o);
    });
    return out;
  }

  /** Handle -> number of addresses it holds in this block. */
  handleCounts(): Map<string, number> {
    const m = new Map<string, number>();
    for (const i of this.alloc) {
      if (i === null) continue;
      const h = this.attrs[i]!.handle;
      m.set(h, (m.get(h) ?? 0) + 1);
    }
    return m;
  }

  *allocations(): Generator<{ ordinal: number; address: string; attrs: AllocationAttrs }> {
    for (let o = 0; o < this.size; o++) {
      const a = this.holderOf(o);
      if (a) yield { ordinal: o, address: this.addressOf(o), attrs: a };
    }
  }

  freeList(): readonly Readonly<FreeEntry>[] {
    return this.free;
  }

  /**
   * Internal consistency: every ordinal is exactly one of allocated, free or
   * reserved, and every attribute entry is referenced. Empty when sound.
   */
  problems(): string[] {
    const out: string[] = [];
    const seen = new Uint8Array(this.size);
    for (const f of this.free) {
      if (f.ordinal < 0 || f.ordinal >= this.size) out.push(`free list holds ordinal ${f.ordinal} outside the block`);
      else if (seen[f.ordinal]++) out.push(`ordinal ${f.ordinal} (${this.addressOf(f.ordinal)}) is twice in the free list`);
    }
    const used = new Set<number>();
    for (let o = 0; o < this.size; o++) {
      const i = this.alloc[o] ?? null;
      const isFree = seen[o]! > 0;
      const res = this.isReserved(o);
      if (i !== null) {
        used.add(i);
        if (i < 0 || i >= this.attrs.length) out.push(`ordinal ${o} points at missing attributes ${i}`);
        if (isFree) out.push(`${this.addressOf(o)} is allocated and also in the free list`);
        if (res) out.push(`${this.addressOf(o)} is reserved but allocated`);
      } else if (!isFree && !res) {
        out.push(`${this.addressOf(o)} is neither allocated, free nor reserved`);
      } else if (isFree && res) {
        out.push(`${this.addressOf(o)} is reserved but in the free list`);
      }
    }
    this.attrs.forEach((_, i) => {
      if (!used.has(i)) out.push(`attributes ${i} are referenced by no allocation`);
    });
    return out;
  }

  clone(): Block {
    return Block.decode(this.encode());
  }

  encode(): string {
    const unused: [number, number][] = [];
    const released: [number, number][] = [];
    for (const f of this.free) {
      if (f.freedAt === 0 && released.length === 0) {
        const last = unused[unused.length - 1];
        if (last && last[1] + 1 === f.ordinal) last[1] = f.ordinal;
        else unused.push([f.ordinal, f.ordinal]);
      } else {
        released.push([f.ordinal, f.freedAt]);
      }
    }
    const doc: BlockDoc = {
      v: 1,
      cidr: this.cidrText,
      affinity: this.affinity,
      alloc: this.alloc,
      attrs: this.attrs,
      unused,
      released,
      reserved: this.reserved.map(([a, b]) => [a, b] as [number, number]),
    };
    return JSON.stringify(doc);
  }

  /** Decodes and checks the shape; `key` names the record in the error. */
  static decode(text: string, key = '(block)'): Block {
    let doc: BlockDoc;
    try {
      doc = JSON.parse(text) as BlockDoc;
    } catch (err) {
      throw new IpamCorruptRecordError({ key, reason: `not JSON: ${(err as Error).message}` });
    }
    const bad = (reason: string): never => {
      throw new IpamCorruptRecordError({ key, reason });
    };
    if (doc === null || typeof doc !== 'object' || doc.v !== 1) bad('unknown block format version');
    const cidr = typeof doc.cidr === 'string' ? parseCidr(doc.cidr) : undefined;
    if (!cidr) return bad(`bad cidr ${JSON.stringify(doc.cidr)}`);
    const size = cidrSize(cidr);
    if (!Array.isArray(doc.alloc) || BigInt(doc.alloc.length) !== size) bad(`alloc has ${doc.alloc?.length} entries, the block ${doc.cidr} has ${size}`);
    if (!Array.isArray(doc.attrs) || !doc.attrs.every((a) => a && typeof a.handle === 'string')) bad('attrs without a handle');
    for (const a of doc.alloc) if (a !== null && !(Number.isInteger(a) && a >= 0 && a < doc.attrs.length)) bad(`alloc refers to attrs ${a}`);
    const isPairs = (x: unknown): x is [number, number][] =>
      Array.isArray(x) && x.every((p) => Array.isArray(p) && p.length === 2 && Number.isInteger(p[0]) && Number.isFinite(p[1]));
    if (!isPairs(doc.unused) || !isPairs(doc.released) || !isPairs(doc.reserved)) bad('unused, released and reserved must be lists of pairs');
    const free: FreeEntry[] = [];
    for (const [lo, hi] of doc.unused) for (let o = lo; o <= hi; o++) free.push({ ordinal: o, freedAt: 0 });
    for (const [o, t] of doc.released) free.push({ ordinal: o, freedAt: t });
    if (doc.affinity !== null && typeof doc.affinity !== 'string') bad('affinity must be a node name or null');
    let reserved: [number, number][] = [];
    try {
      reserved = normaliseRanges(doc.reserved, Number(size));
    } catch (err) {
      bad((err as Error).message);
    }
    return new Block(cidr, doc.affinity, [...doc.alloc], doc.attrs.map((a) => ({ ...a })), free, reserved);
  }

  private attrIndex(attrs: AllocationAttrs): number {
    const i = this.attrs.findIndex((a) => sameAttrs(a, attrs));
    if (i >= 0) return i;
    this.attrs.push({ ...attrs });
    return this.attrs.length - 1;
  }

  /** Drops attribute entries no ordinal refers to and renumbers the rest, so a long-lived block does not grow. */
  private compactAttrs(): void {
    const used = new Set<number>();
    for (const i of this.alloc) if (i !== null) used.add(i);
    if (used.size === this.attrs.length) return;
    const remap = new Map<number, number>();
    const next: AllocationAttrs[] = [];
    this.attrs.forEach((a, i) => {
      if (used.has(i)) {
        remap.set(i, next.length);
        next.push(a);
      }
    });
    for (let o = 0; o < this.alloc.length; o++) {
      const i = this.alloc[o];
      if (i !== null && i !== undefined) this.alloc[o] = remap.get(i)!;
    }
    this.attrs = next;
  }
}

interface BlockDoc {
  v: 1;
  cidr: string;
  affinity: string | null;
  alloc: (number | null)[];
  attrs: AllocationAttrs[];
  unused: [number, number][];
  released: [number, number][];
  reserved: [number, number][];
}

function coolEnough(f: FreeEntry, now: number, cooldownMs: number): boolean {
  return f.freedAt === 0 || f.freedAt + cooldownMs <= now;
}

function sameAttrs(a: AllocationAttrs, b: AllocationAttrs): boolean {
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => a[k] === b[k]);
}

function inRanges(ranges: ReadonlyArray<readonly [number, number]>, o: number): boolean {
  return ranges.some(([lo, hi]) => o >= lo && o <= hi);
}

function normaliseRanges(ranges: ReadonlyArray<readonly [number, number]>, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [lo, hi] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo > hi || lo < 0 || hi >= size) {
      throw new RangeError(`reserved range ${lo}-${hi} is not inside a block of ${size} addresses`);
    }
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}
