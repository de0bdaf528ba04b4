/**
 * A map from prefix key to value, sized for a full table. IPv4 keys live in an
 * open-addressing hash table over a Float64Array (linear probing, backward-shift
 * deletion): about 16 bytes per slot against ~60 for a Map with non-Smi number
 * keys, and no per-key heap number. IPv6 keys, far fewer, use a plain Map.
 */
import type { PrefixKey } from './prefix-key.ts';

const EMPTY = -1;

export class PrefixTable<V> {
  #keys: Float64Array;
  #vals: (V | undefined)[];
  #mask: number;
  #size4 = 0;
  readonly #v6 = new Map<string, V>();

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.#keys = new Float64Array(cap).fill(EMPTY);
    this.#vals = new Array<V | undefined>(cap).fill(undefined);
    this.#mask = cap - 1;
  }

  get size(): number {
    return this.#size4 + this.#v6.size;
  }

  get(key: PrefixKey): V | undefined {
    if (typeof key !== 'number') return this.#v6.get(key);
    const keys = this.#keys;
    const mask = this.#mask;
    for (let i = slotOf(key, mask); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) return this.#vals[i];
      if (k === EMPTY) return undefined;
    }
  }

  set(key: PrefixKey, value: V): void {
    if (typeof key !== 'number') {
      this.#v6.set(key, value);
      return;
    }
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

  delete(key: PrefixKey): boolean {
    if (typeof key !== 'number') return this.#v6.delete(key);
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
      const distHole = (hole - home) & mask;
      const distJ = (j - home) & mask;
      if (distHole <= distJ) {
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

  /**
   * Visits every entry. The callback must not add or delete keys (collect them
   * and mutate afterwards); replacing the value of the visited key is fine.
   */
  forEach(fn: (value: V, key: PrefixKey) => void): void {
    const keys = this.#keys;
    const vals = this.#vals;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k !== EMPTY) fn(vals[i] as V, k);
    }
    for (const [k, v] of this.#v6) fn(v, k);
  }

  clear(): void {
    this.#keys.fill(EMPTY);
    this.#vals.fill(undefined);
    this.#size4 = 0;
    this.#v6.clear();
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
