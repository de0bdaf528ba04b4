/**
 * Which items (endpoints) match which selectors, maintained incrementally.
 *
 * Two indexes keep evaluations down without changing any result (every
 * candidate is still checked with the compiled selector):
 *
 *   - selectors by the label keys they mention: when an item's labels change,
 *     only selectors that mention a changed key are re-evaluated;
 *   - a prefilter per selector (prefilter.ts): label terms (`key == value` or
 *     `has(key)`) of which every matching item carries at least one. Items are
 *     indexed by label key and value, so a new selector is evaluated only
 *     against the items carrying one of its terms, and a new item only against
 *     the selectors one of whose terms it carries (plus those with no
 *     prefilter, such as `all()` or `k != v`).
 */
import type { Labels } from '../selector/compile.ts';
import type { Selector } from '../selector/selector.ts';
import { prefilter, type Term } from './prefilter.ts';

export interface MatchChange {
  readonly selectorId: string;
  readonly item: string;
  readonly matches: boolean;
}

interface Entry {
  readonly sel: Selector;
  refs: number;
  readonly matches: Set<string>;
  /** undefined: no prefilter, the selector is evaluated against every item. */
  readonly terms: readonly Term[] | undefined;
}

/** Per label key: what has the key at all, and what has it with each value. */
interface KeyIndex<T> {
  readonly any: Set<T>;
  readonly byValue: Map<string, Set<T>>;
}

const EMPTY: ReadonlySet<string> = new Set();

function addTo<T>(m: Map<string, KeyIndex<T>>, key: string, value: string | undefined, x: T): void {
  let k = m.get(key);
  if (!k) m.set(key, (k = { any: new Set(), byValue: new Map() }));
  if (value === undefined) {
    k.any.add(x);
    return;
  }
  let v = k.byValue.get(value);
  if (!v) k.byValue.set(value, (v = new Set()));
  v.add(x);
}

function deleteFrom<T>(m: Map<string, KeyIndex<T>>, key: string, value: string | undefined, x: T): void {
  const k = m.get(key);
  if (!k) return;
  if (value === undefined) k.any.delete(x);
  else {
    const v = k.byValue.get(value);
    if (v) {
      v.delete(x);
      if (v.size === 0) k.byValue.delete(value);
    }
  }
  if (k.any.size === 0 && k.byValue.size === 0) m.delete(key);
}

export class SelectorIndex {
  private readonly sels = new Map<string, Entry>();
  private readonly byKey = new Map<string, Set<string>>();
  /** Selectors by prefilter term, and those without a prefilter. */
  private readonly selsByTerm = new Map<string, KeyIndex<string>>();
  private readonly unfiltered = new Set<string>();
  private readonly items = new Map<string, Labels>();
  private readonly itemSels = new Map<string, Set<string>>();
  /** Items by label key, then value (an item with the key is in exactly one value's set). */
  private readonly itemsByLabel = new Map<string, Map<string, Set<string>>>();
  /** Selector evaluations so far: lets tests check that a label change is not a full scan. */
  evaluations = 0;

  /** Adds a reference; the first one evaluates the selector against every item that could match. */
  addSelector(sel: Selector): ReadonlySet<string> {
    const have = this.sels.get(sel.id);
    if (have) {
      have.refs++;
      return have.matches;
    }
    const terms = prefilter(sel.ast, (ts) => this.countItems(ts));
    const e: Entry = { sel, refs: 1, matches: new Set(), terms };
    this.sels.set(sel.id, e);
    for (const k of sel.keys) {
      let s = this.byKey.get(k);
      if (!s) this.byKey.set(k, (s = new Set()));
      s.add(sel.id);
    }
    if (terms === undefined) this.unfiltered.add(sel.id);
    else for (const t of terms) addTo(this.selsByTerm, t.key, t.value, sel.id);
    const consider = (item: string, labels: Labels) => {
      this.evaluations++;
      if (sel.matches(labels)) {
        e.matches.add(item);
        this.selsOf(item).add(sel.id);
      }
    };
    if (terms === undefined) {
      for (const [item, labels] of this.items) consider(item, labels);
    } else {
      for (const item of this.candidateItems(terms)) consider(item, this.items.get(item)!);
    }
    return e.matches;
  }

  /** Drops a reference; returns true when the selector is gone. */
  removeSelector(id: string): boolean {
    const e = this.sels.get(id);
    if (!e) return true;
    if (--e.refs > 0) return false;
    this.sels.delete(id);
    for (const k of e.sel.keys) {
      const s = this.byKey.get(k)!;
      s.delete(id);
      if (s.size === 0) this.byKey.delete(k);
    }
    if (e.terms === undefined) this.unfiltered.delete(id);
    else for (const t of e.terms) deleteFrom(this.selsByTerm, t.key, t.value, id);
    for (const item of e.matches) this.itemSels.get(item)?.delete(id);
    return true;
  }

  upsertItem(item: string, labels: Labels): MatchChange[] {
    const old = this.items.get(item);
    if (old !== undefined) this.unindexItem(item, old);
    this.items.set(item, labels);
    for (const [k, v] of labels) {
      let byValue = this.itemsByLabel.get(k);
      if (!byValue) this.itemsByLabel.set(k, (byValue = new Map()));
      let set = byValue.get(v);
      if (!set) byValue.set(v, (set = new Set()));
      set.add(item);
    }
    // Made on the first match: most items match few selectors, many (during an initial load) none yet.
    let mine = this.itemSels.get(item);
    const candidates = old === undefined ? this.candidateSelectors(labels) : this.affected(old, labels);
    const changes: MatchChange[] = [];
    for (const id of candidates) {
      const e = this.sels.get(id)!;
      this.evaluations++;
      const now = e.sel.matches(labels);
      if (now === (mine?.has(id) ?? false)) continue;
      if (now) {
        (mine ??= this.selsOf(item)).add(id);
        e.matches.add(item);
      } else {
        mine!.delete(id);
        e.matches.delete(item);
      }
      changes.push({ selectorId: id, item, matches: now });
    }
    return changes;
  }

  removeItem(item: string): MatchChange[] {
    const old = this.items.get(item);
    if (old === undefined) return [];
    const changes: MatchChange[] = [];
    const mine = this.itemSels.get(item);
    if (mine) {
      for (const id of mine) {
        this.sels.get(id)?.matches.delete(item);
        changes.push({ selectorId: id, item, matches: false });
      }
      this.itemSels.delete(item);
    }
    this.unindexItem(item, old);
    this.items.delete(item);
    return changes;
  }

  private selsOf(item: string): Set<string> {
    let mine = this.itemSels.get(item);
    if (!mine) this.itemSels.set(item, (mine = new Set()));
    return mine;
  }

  matches(selectorId: string): ReadonlySet<string> {
    return this.sels.get(selectorId)?.matches ?? EMPTY;
  }

  selectorsOf(item: string): ReadonlySet<string> {
    return this.itemSels.get(item) ?? EMPTY;
  }

  hasItem(item: string): boolean {
    return this.items.has(item);
  }

  private unindexItem(item: string, labels: Labels): void {
    for (const [k, v] of labels) {
      const byValue = this.itemsByLabel.get(k);
      const set = byValue?.get(v);
      if (!byValue || !set) continue;
      set.delete(item);
      if (set.size > 0) continue;
      byValue.delete(v);
      if (byValue.size === 0) this.itemsByLabel.delete(k);
    }
  }

  /** The sets of items carrying one term (every value's set for a presence term). */
  private *itemSets(t: Term): Iterable<ReadonlySet<string>> {
    const byValue = this.itemsByLabel.get(t.key);
    if (!byValue) return;
    if (t.value === undefined) yield* byValue.values();
    else {
      const set = byValue.get(t.value);
      if (set) yield set;
    }
  }

  /** How many items carry the terms (an upper bound when an item carries several). */
  private countItems(terms: readonly Term[]): number {
    let n = 0;
    for (const t of terms) for (const set of this.itemSets(t)) n += set.size;
    return n;
  }

  /** Every item that carries one of the terms (a superset of the selector's matches). */
  private candidateItems(terms: readonly Term[]): Iterable<string> {
    if (terms.length === 1 && terms[0]!.value !== undefined) return this.itemsByLabel.get(terms[0]!.key)?.get(terms[0]!.value!) ?? EMPTY;
    const out = new Set<string>();
    for (const t of terms) for (const set of this.itemSets(t)) for (const item of set) out.add(item);
    return out;
  }

  /** Every selector a new item with these labels could match. */
  private candidateSelectors(labels: Labels): Iterable<string> {
    if (this.selsByTerm.size === 0) return this.unfiltered;
    const out = new Set<string>(this.unfiltered);
    for (const [k, v] of labels) {
      const idx = this.selsByTerm.get(k);
      if (!idx) continue;
      for (const id of idx.any) out.add(id);
      for (const id of idx.byValue.get(v) ?? EMPTY) out.add(id);
    }
    return out;
  }

  private affected(old: Labels, now: Labels): Set<string> {
    const out = new Set<string>();
    const visit = (k: string) => {
      if (old.get(k) === now.get(k) && old.has(k) === now.has(k)) return;
      for (const id of this.byKey.get(k) ?? EMPTY) out.add(id);
    };
    for (const k of old.keys()) visit(k);
    for (const k of now.keys()) if (!old.has(k)) visit(k);
    return out;
  }
}
