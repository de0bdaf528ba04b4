/**
 * A map from prefix key to value, sized for a full table, laid out so that
 * neighbouring prefixes sit in neighbouring memory.
 *
 * IPv4 prefixes of length 16..24 (nearly all of a real table) go to a
 * two-level table: a directory indexed by the /16 (the first two octets)
 * points at a small block per /16. Inside a block a prefix is identified by
 * its position in the binary tree under the /16 (1 for the /16 itself,
 * 2..3 for its /17s, ..., 256..511 for its /24s), and the block is a small
 * open-addressing table on that position with the position itself as the
 * hash, so consecutive /24s take consecutive slots. Keys and values are
 * interleaved in one plain array (key at 2i, value at 2i+1): one probe is one
 * cache line, and a table sent in address order walks memory in order. A
 * block grows by doubling up to 512 slots, so a /16 with one route costs a
 * few dozen bytes and a full one about 8 KB.
 *
 * Other IPv4 lengths use one open-addressing hash table over a Float64Array
 * (linear probing, backward-shift deletion). IPv6 keys, far fewer, use a Map.
 */
import type { PrefixKey } from './prefix-key.ts';

const EMPTY = -1;
const BLOCK_MIN = 8;

/** Slots are [key0, value0, key1, value1, ...]; key 0 is an empty slot. */
class Block {
  a: unknown[];
  mask: number;
  n = 0;
  constructor(cap: number) {
    this.a = new Array<unknown>(cap * 2).fill(0);
    this.mask = cap - 1;
  }
}

/** The position of a /16../24 inside its /16's binary tree, 1..511. */
function posOf(addr: number, len: number): number {
  const d = len - 16;
  return (1 << d) | ((addr >>> (32 - len)) & ((1 << d) - 1));
}

export class PrefixTable<V> {
  /** Blocks by /16, created on first use. */
  #dir: (Block | undefined)[] | null = null;
  #sizeBlocks = 0;
  #keys: Float64Array;
  #vals: (V | undefined)[];
  #mask: number;
  #size4 = 0;
  readonly #v6 = new Map<string, V>();
  readonly #blockHint: ((hi16: number) => number) | undefined;

  /**
   * `initialCapacity` sizes the hash for IPv4 lengths outside 16..24; blocks
   * grow on their own, from `blockHint(/16)` slots when given (a table that
   * mirrors another one, like the FIB state of the RIB, starts each block at
   * the other's size instead of doubling up from 8).
   */
  constructor(initialCapacity = 16, blockHint?: (hi16: number) => number) {
    this.#blockHint = blockHint;
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.#keys = new Float64Array(cap).fill(EMPTY);
    this.#vals = new Array<V | undefined>(cap).fill(undefined);
    this.#mask = cap - 1;
  }

  /** Slots of the block for one /16 (the first two octets as a number), 0 when it has none. */
  blockCapacity(hi16: number): number {
    const b = this.#dir?.[hi16];
    return b === undefined ? 0 : b.mask + 1;
  }

  get size(): number {
    return this.#sizeBlocks + this.#size4 + this.#v6.size;
  }

  get(key: PrefixKey): V | undefined {
    if (typeof key !== 'number') return this.#v6.get(key);
    const len = key % 64;
    if (len < 16 || len > 24) return this.#hashGet(key);
    const addr = (key - len) / 64;
    const b = this.#dir?.[addr >>> 16];
    if (b === undefined) return undefined;
    const pos = posOf(addr, len);
    const a = b.a;
    const mask = b.mask;
    for (let i = pos & mask; ; i = (i + 1) & mask) {
      const k = a[2 * i];
      if (k === pos) return a[2 * i + 1] as V;
      if (k === 0) return undefined;
    }
  }

  set(key: PrefixKey, value: V): void {
    if (typeof key !== 'number') {
      this.#v6.set(key, value);
      return;
    }
    const len = key % 64;
    if (len < 16 || len > 24) return this.#hashSet(key, value);
    const addr = (key - len) / 64;
    const hi = addr >>> 16;
    const dir = (this.#dir ??= new Array<Block | undefined>(65536).fill(undefined));
    let b = dir[hi];
    if (b === undefined) dir[hi] = b = new Block(this.#blockHint === undefined ? BLOCK_MIN : blockSize(this.#blockHint(hi)));
    const pos = posOf(addr, len);
    for (;;) {
      const a = b.a;
      const mask = b.mask;
      for (let i = pos & mask; ; i = (i + 1) & mask) {
        const k = a[2 * i];
        if (k === pos) {
          a[2 * i + 1] = value;
          return;
        }
        if (k === 0) break;
      }
      // New key: keep the load at most 3/4 (a full /16 of /24s fills exactly 256 of 512 slots).
      if ((b.n + 1) * 4 > (mask + 1) * 3) {
        growBlock(b);
        continue;
      }
      for (let i = pos & mask; ; i = (i + 1) & mask) {
        if (a[2 * i] === 0) {
          a[2 * i] = pos;
          a[2 * i + 1] = value;
          b.n++;
          this.#sizeBlocks++;
          return;
        }
      }
    }
  }

  delete(key: PrefixKey): boolean {
    if (typeof key !== 'number') return this.#v6.delete(key);
    const len = key % 64;
    if (len < 16 || len > 24) return this.#hashDelete(key);
    const addr = (key - len) / 64;
    const hi = addr >>> 16;
    const b = this.#dir?.[hi];
    if (b === undefined) return false;
    const pos = posOf(addr, len);
    const a = b.a;
    const mask = b.mask;
    let i = pos & mask;
    for (; ; i = (i + 1) & mask) {
      const k = a[2 * i];
      if (k === pos) break;
      if (k === 0) return false;
    }
    let hole = i;
    for (let j = (hole + 1) & mask; a[2 * j] !== 0; j = (j + 1) & mask) {
      const home = (a[2 * j] as number) & mask;
      if (((hole - home) & mask) <= ((j - home) & mask)) {
        a[2 * hole] = a[2 * j];
        a[2 * hole + 1] = a[2 * j + 1];
        hole = j;
      }
    }
    a[2 * hole] = 0;
    a[2 * hole + 1] = 0;
    this.#sizeBlocks--;
    if (--b.n === 0) this.#dir![hi] = undefined;
    return true;
  }

  /**
   * Visits every entry. The callback must not add or delete keys (collect them
   * and mutate afterwards); replacing the value of the visited key is fine.
   */
  forEach(fn: (value: V, key: PrefixKey) => void): void {
    const dir = this.#dir;
    if (dir !== null) {
      for (let hi = 0; hi < 65536; hi++) {
        const b = dir[hi];
        if (b === undefined) continue;
        const a = b.a;
        for (let i = 0; i < a.length; i += 2) {
          const pos = a[i] as number;
          if (pos === 0) continue;
          const d = 31 - Math.clz32(pos);
          const addr = ((hi << 16) | ((pos - (1 << d)) << (16 - d))) >>> 0;
          fn(a[i + 1] as V, addr * 64 + 16 + d);
        }
      }
    }
    const keys = this.#keys;
    const vals = this.#vals;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k !== EMPTY) fn(vals[i] as V, k);
    }
    for (const [k, v] of this.#v6) fn(v, k);
  }

  clear(): void {
    this.#dir = null;
    this.#sizeBlocks = 0;
    this.#keys.fill(EMPTY);
    this.#vals.fill(undefined);
    this.#size4 = 0;
    this.#v6.clear();
  }

  // ---- IPv4 lengths outside 16..24 ---------------------------------------------

  #hashGet(key: number): V | undefined {
    const keys = this.#keys;
    const mask = this.#mask;
    for (let i = slotOf(key, mask); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) return this.#vals[i];
      if (k === EMPTY) return undefined;
    }
  }

  #hashSet(key: number, value: V): void {
    if ((this.#size4 + 1) * 4 > this.#keys.length * 3) this.#grow();
    const keys = this.#keys;
    const mask = this.#mask;
    for (let i = slotOf(key, mask); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) {
        this.#vals[i] = value;
        return;
      }
      if (k === EMPTY) {
        keys[i] = key;
        this.#vals[i] = value;
        this.#size4++;
        return;
      }
    }
  }

  #hashDelete(key: number): boolean {
    const keys = this.#keys;
    const vals = this.#vals;
    const mask = this.#mask;
    let i = slotOf(key, mask);
    for (; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) break;
      if (k === EMPTY) return false;
    }
    // Backward shift: pull later members of the probe run into the hole so
    // lookups never need tombstones.
    let hole = i;
    for (let j = (hole + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = slotOf(keys[j]!, mask);
      if (((hole - home) & mask) <= ((j - home) & mask)) {
        keys[hole] = keys[j]!;
        vals[hole] = vals[j];
        hole = j;
      }
    }
    keys[hole] = EMPTY;
    vals[hole] = undefined;
    this.#size4--;
    return true;
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldVals = this.#vals;
    const cap = oldKeys.length * 2;
    const keys = new Float64Array(cap).fill(EMPTY);
    const vals = new Array<V | undefined>(cap).fill(undefined);
    const mask = cap - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i]!;
      if (k === EMPTY) continue;
      let j = slotOf(k, mask);
      while (keys[j] !== EMPTY) j = (j + 1) & mask;
      keys[j] = k;
      vals[j] = oldVals[i];
    }
    this.#keys = keys;
    this.#vals = vals;
    this.#mask = mask;
  }
}

/** A power of two in BLOCK_MIN..512. */
function blockSize(hint: number): number {
  let cap = BLOCK_MIN;
  while (cap < hint && cap < 512) cap *= 2;
  return cap;
}

function growBlock(b: Block): void {
  const old = b.a;
  const cap = (b.mask + 1) * 2;
  const a = new Array<unknown>(cap * 2).fill(0);
  const mask = cap - 1;
  for (let i = 0; i < old.length; i += 2) {
    const pos = old[i] as number;
    if (pos === 0) continue;
    let j = pos & mask;
    while (a[2 * j] !== 0) j = (j + 1) & mask;
    a[2 * j] = pos;
    a[2 * j + 1] = old[i + 1];
  }
  b.a = a;
  b.mask = mask;
}

function slotOf(key: number, mask: number): number {
  const len = key % 64;
  const addr = (key - len) / 64;
  // murmur3 fmix32: /24s differ only in bits 8..31, which a plain mask would drop.
  let h = (addr ^ Math.imul(len, 0x9e3779b9)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & mask;
}
