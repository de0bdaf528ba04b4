/**
 * Interned path-attribute sets. An UPDATE carries one attribute block for many
 * prefixes and a full table has only tens of thousands of distinct blocks, so
 * each distinct set is decoded once and shared. Reference counts come from the
 * RIB's paths; a set whose count drops to zero leaves the table.
 */
import type { PathAttributes } from '../wire/types.ts';

export class AttrSet {
  readonly id: number;
  /** The interning key: the wire block as a string, or a canonical rendering. */
  readonly key: string;
  readonly attrs: PathAttributes;
  refs = 0;

  constructor(id: number, key: string, attrs: PathAttributes) {
    this.id = id;
    this.key = key;
    this.attrs = attrs;
  }
}

export class AttrTable {
  readonly #byKey = new Map<string, AttrSet>();
  #nextId = 1;

  get size(): number {
    return this.#byKey.size;
  }

  /**
   * The codec's fast path: `key` identifies the raw attribute block, `decode`
   * runs only the first time that block is seen.
   */
  intern(key: string, decode: () => PathAttributes): AttrSet {
    let set = this.#byKey.get(key);
    if (set === undefined) {
      set = new AttrSet(this.#nextId++, key, decode());
      this.#byKey.set(key, set);
    }
    return set;
  }

  /** For attributes built in memory (originated routes, policy output, export rewrites). */
  internAttrs(attrs: PathAttributes): AttrSet {
    return this.intern('\u0000' + canonicalAttrKey(attrs), () => attrs);
  }

  ref(set: AttrSet): void {
    set.refs++;
  }

  unref(set: AttrSet): void {
    if (--set.refs <= 0) this.#drop(set);
  }

  /** Forgets a set nobody took a reference to (e.g. an UPDATE whose prefixes were all rejected). */
  releaseIfUnused(set: AttrSet): void {
    if (set.refs <= 0) this.#drop(set);
  }

  #drop(set: AttrSet): void {
    if (this.#byKey.get(set.key) === set) this.#byKey.delete(set.key);
  }
}

/** A deterministic string for a set of attributes: equal content, equal key. */
export function canonicalAttrKey(a: PathAttributes): string {
  const parts: string[] = [];
  if (a.origin !== undefined) parts.push(`o${a.origin}`);
  if (a.asPath !== undefined) parts.push('p' + a.asPath.map((s) => `${s.type}:${s.asns.join(',')}`).join(';'));
  if (a.nextHop !== undefined) parts.push(`n${a.nextHop}`);
  if (a.med !== undefined) parts.push(`m${a.med}`);
  if (a.localPref !== undefined) parts.push(`l${a.localPref}`);
  if (a.atomicAggregate) parts.push('A');
  if (a.aggregator !== undefined) parts.push(`g${a.aggregator.asn}@${a.aggregator.address}`);
  if (a.communities !== undefined) parts.push('c' + a.communities.join(','));
  if (a.largeCommunities !== undefined) parts.push('L' + a.largeCommunities.map((c) => c.join(':')).join(','));
  if (a.originatorId !== undefined) parts.push(`i${a.originatorId}`);
  if (a.clusterList !== undefined) parts.push('k' + a.clusterList.join(','));
  if (a.mpReach !== undefined) {
    const m = a.mpReach;
    parts.push(`r${m.afi}/${m.safi}/${m.nextHop}/${m.linkLocalNextHop ?? ''}`);
  }
  if (a.unknown !== undefined) parts.push('u' + a.unknown.map((u) => `${u.flags}:${u.type}:${u.value.toString('hex')}`).join(','));
  return parts.join('|');
}
