/**
 * The ipsets active policies reference, with reference-counted membership.
 * A member is counted once per endpoint that contributes it, so two
 * endpoints sharing an address do not remove it from each other. Removal is
 * deferred to flush(): a set dropped and re-added in one update (a policy
 * rewritten in place) is never deleted and recreated in the kernel.
 */
import type { CalcEvent } from './events.ts';
import { contributions, type EndpointRecord } from './endpoint-record.ts';
import type { IpSetDef } from './resolve.ts';
import type { SelectorIndex } from './selector-index.ts';

interface SetEntry {
  readonly def: IpSetDef;
  refs: number;
  readonly counts: Map<string, number>;
  /** What the listener has been told; undefined until the set is announced. */
  emitted: Set<string> | undefined;
}

export interface IpSetFlush {
  readonly added: CalcEvent[];
  readonly changed: CalcEvent[];
  readonly removed: CalcEvent[];
}

export class IpSetTable {
  private readonly sets = new Map<string, SetEntry>();
  private readonly bySelector = new Map<string, Set<string>>();
  private readonly dirty = new Set<string>();
  private readonly gc = new Set<string>();
  private readonly index: SelectorIndex;
  private readonly endpoint: (key: string) => EndpointRecord | undefined;

  constructor(index: SelectorIndex, endpoint: (key: string) => EndpointRecord | undefined) {
    this.index = index;
    this.endpoint = endpoint;
  }

  ref(def: IpSetDef): void {
    const have = this.sets.get(def.id);
    if (have) {
      have.refs++;
      return;
    }
    const e: SetEntry = { def, refs: 1, counts: new Map(), emitted: undefined };
    this.sets.set(def.id, e);
    this.dirty.add(def.id);
    if (def.kind === 'nets') {
      for (const n of def.nets) e.counts.set(n, 1);
      return;
    }
    let users = this.bySelector.get(def.selector.id);
    if (!users) this.bySelector.set(def.selector.id, (users = new Set()));
    users.add(def.id);
    for (const key of this.index.addSelector(def.selector)) {
      const ep = this.endpoint(key);
      if (ep) this.adjust(e, contributions(def, ep), +1);
    }
  }

  unref(id: string): void {
    const e = this.sets.get(id);
    if (!e) return;
    if (--e.refs === 0) this.gc.add(id);
  }

  /** Takes an endpoint's members out of every set it is in (before its labels or addresses change). */
  subtract(key: string, ep: EndpointRecord): void {
    this.forSetsOf(key, (e) => this.adjust(e, contributions(e.def, ep), -1));
  }

  /** Puts an endpoint's members into every set it is in (after the selector index is updated). */
  add(key: string, ep: EndpointRecord): void {
    this.forSetsOf(key, (e) => this.adjust(e, contributions(e.def, ep), +1));
  }

  flush(): IpSetFlush {
    const out: IpSetFlush = { added: [], changed: [], removed: [] };
    for (const id of this.gc) {
      const e = this.sets.get(id);
      if (!e || e.refs > 0) continue;
      if (e.emitted) out.removed.push({ type: 'ipsetRemoved', id });
      if (e.def.kind !== 'nets') {
        const users = this.bySelector.get(e.def.selector.id)!;
        users.delete(id);
        if (users.size === 0) this.bySelector.delete(e.def.selector.id);
        this.index.removeSelector(e.def.selector.id);
      }
      this.sets.delete(id);
      this.dirty.delete(id);
    }
    this.gc.clear();
    for (const id of this.dirty) {
      const e = this.sets.get(id)!;
      if (e.emitted === undefined) {
        const members = [...e.counts.keys()].sort();
        out.added.push({ type: 'ipsetAdded', id, setType: e.def.type, members });
        e.emitted = new Set(members);
        continue;
      }
      const added = [...e.counts.keys()].filter((m) => !e.emitted!.has(m)).sort();
      const removed = [...e.emitted].filter((m) => !e.counts.has(m)).sort();
      for (const m of added) e.emitted.add(m);
      for (const m of removed) e.emitted.delete(m);
      if (added.length || removed.length) out.changed.push({ type: 'ipsetMembersChanged', id, added, removed });
    }
    this.dirty.clear();
    return out;
  }

  private forSetsOf(key: string, f: (e: SetEntry) => void): void {
    for (const selId of this.index.selectorsOf(key)) {
      for (const setId of this.bySelector.get(selId) ?? []) f(this.sets.get(setId)!);
    }
  }

  private adjust(e: SetEntry, members: readonly string[], delta: 1 | -1): void {
    for (const m of members) {
      const n = (e.counts.get(m) ?? 0) + delta;
      if (n > 0) e.counts.set(m, n);
      else e.counts.delete(m);
      // Only a 0 <-> 1 transition can change what the kernel needs.
      if ((delta === 1 && n === 1) || (delta === -1 && n === 0)) this.dirty.add(e.def.id);
    }
  }
}
