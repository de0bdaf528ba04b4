/**
 * Which items (endpoints) match which selectors, maintained incrementally.
 * Selectors are indexed by the label keys they mention, so when an item's
 * labels change only the selectors that mention a changed key are
 * re-evaluated; a new item is evaluated against every selector once.
 */
import type { Labels } from '../selector/compile.ts';
import type { Selector } from '../selector/selector.ts';

export interface MatchChange {
  readonly selectorId: string;
  readonly item: string;
  readonly matches: boolean;
}

interface Entry {
  readonly sel: Selector;
  refs: number;
  readonly matches: Set<string>;
}

const EMPTY: ReadonlySet<string> = new Set();

export class SelectorIndex {
  private readonly sels = new Map<string, Entry>();
  private readonly byKey = new Map<string, Set<string>>();
  private readonly items = new Map<string, Labels>();
  private readonly itemSels = new Map<string, Set<string>>();
  /** Selector evaluations so far: lets tests check that a label change is not a full scan. */
  evaluations = 0;

  /** Adds a reference; the first one evaluates the selector against every item. */
  addSelector(sel: Selector): ReadonlySet<string> {
    const have = this.sels.get(sel.id);
    if (have) {
      have.refs++;
      return have.matches;
    }
    const e: Entry = { sel, refs: 1, matches: new Set() };
    this.sels.set(sel.id, e);
    for (const k of sel.keys) {
      let s = this.byKey.get(k);
      if (!s) this.byKey.set(k, (s = new Set()));
      s.add(sel.id);
    }
    for (const [item, labels] of this.items) {
      this.evaluations++;
      if (sel.matches(labels)) {
        e.matches.add(item);
        this.itemSels.get(item)!.add(sel.id);
      }
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
    for (const item of e.matches) this.itemSels.get(item)?.delete(id);
    return true;
  }

  upsertItem(item: string, labels: Labels): MatchChange[] {
    const old = this.items.get(item);
    this.items.set(item, labels);
    let mine = this.itemSels.get(item);
    if (!mine) this.itemSels.set(item, (mine = new Set()));
    const candidates = old === undefined ? this.sels.keys() : this.affected(old, labels);
    const changes: MatchChange[] = [];
    for (const id of candidates) {
      const e = this.sels.get(id)!;
      this.evaluations++;
      const now = e.sel.matches(labels);
      if (now === mine.has(id)) continue;
      if (now) {
        mine.add(id);
        e.matches.add(item);
      } else {
        mine.delete(id);
        e.matches.delete(item);
      }
      changes.push({ selectorId: id, item, matches: now });
    }
    return changes;
  }

  removeItem(item: string): MatchChange[] {
    const mine = this.itemSels.get(item);
    if (!mine) return [];
    const changes: MatchChange[] = [];
    for (const id of mine) {
      this.sels.get(id)?.matches.delete(item);
      changes.push({ selectorId: id, item, matches: false });
    }
    this.itemSels.delete(item);
    this.items.delete(item);
    return changes;
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
