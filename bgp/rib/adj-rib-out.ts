/**
 * One neighbour's Adj-RIB-Out. Loc-RIB changes are turned into outgoing
 * attribute sets (export rules, export policy) and the prefixes are parked in
 * buckets, one per distinct outgoing set, plus one for withdrawals, as BIRD
 * does. The session pulls a message's worth with `next()` only when its
 * socket can take more, so a slow peer costs memory for pending prefixes,
 * never a queue of encoded UPDATEs; a prefix that changes again while waiting
 * just moves to another bucket.
 */
import type { PathAttributes } from '../wire/types.ts';
import { AttrTable } from './attr-set.ts';
import type { AttrSet } from './attr-set.ts';
import { exportAttrs, mayExport } from './export.ts';
import type { ExportContext } from './export.ts';
import type { Path } from './path.ts';
import type { RibPeer } from './peer.ts';
import { ACCEPT, REJECT } from './policy.ts';
import type { PrefixKey } from './prefix-key.ts';
import { PrefixTable } from './prefix-table.ts';
import type { Best, ChangeBatch, Rib } from './rib.ts';
import { bestPaths } from './rib.ts';

export type OutUpdate =
  | { readonly kind: 'withdraw'; readonly prefixes: readonly PrefixKey[] }
  | { readonly kind: 'announce'; readonly attrs: AttrSet; readonly prefixes: readonly PrefixKey[] };

class Bucket {
  readonly set: AttrSet | null;
  readonly keys = new Set<PrefixKey>();
  constructor(set: AttrSet | null) {
    this.set = set;
  }
}

export class AdjRibOut {
  readonly peer: RibPeer;
  readonly #rib: Rib;
  readonly #ctx: ExportContext;
  #sets = new AttrTable();
  readonly #sent = new PrefixTable<AttrSet>();
  readonly #pending = new PrefixTable<Bucket>();
  readonly #buckets = new Map<AttrSet, Bucket>();
  readonly #withdrawals = new Bucket(null);
  /** Last outgoing set per (path, post-policy attributes), so shared paths are rewritten once. */
  #memo = new WeakMap<Path, { readonly attrs: PathAttributes; readonly out: AttrSet }>();
  #unsubscribe: (() => void) | null = null;
  /** Called when something becomes pending while nothing was: the session should start pulling. */
  onPending: (() => void) | null = null;

  constructor(rib: Rib, peer: RibPeer) {
    this.#rib = rib;
    this.peer = peer;
    this.#ctx = { localAsn: rib.config.localAsn, clusterId: rib.config.clusterId ?? rib.config.routerId };
  }

  /** Session established: everything in the Loc-RIB becomes pending, then changes follow. */
  start(): void {
    if (this.#unsubscribe !== null) return;
    this.#unsubscribe = this.#rib.subscribe((b) => this.#apply(b));
    this.#rib.forEachBest((key, best) => this.#change(key, best));
  }

  /** Session gone: the peer forgets what we sent, so do we. Idempotent. */
  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#sent.clear();
    this.#pending.clear();
    this.#buckets.clear();
    this.#withdrawals.keys.clear();
    this.#sets = new AttrTable();
    this.peer.counters.advertised = 0;
  }

  /**
   * Export again against what the peer holds: after the peer's export
   * settings changed (policy, next hop, reflection), prefixes no longer
   * exported are withdrawn and changed ones re-announced. `all` re-sends the
   * unchanged ones as well (a ROUTE-REFRESH from the peer). Compared with the
   * sent table rather than rebuilt from scratch, so nothing the old settings
   * sent is left behind at the peer.
   */
  resync(all = false): void {
    if (this.#unsubscribe === null) return;
    // The memo's rewrites were made under the old settings.
    this.#memo = new WeakMap();
    this.#rib.forEachBest((key, best) => this.#change(key, best, all));
    this.#sent.forEach((_set, key) => {
      if (this.#rib.best(key) === null) this.#change(key, null, false);
    });
  }

  get pendingPrefixes(): number {
    return this.#pending.size;
  }

  /** What we last handed out for the prefix (the peer's view once sent). */
  advertised(key: PrefixKey): AttrSet | undefined {
    return this.#sent.get(key);
  }

  /** The next message's worth: withdrawals first, then the oldest bucket; null when idle. */
  next(maxPrefixes = 1000): OutUpdate | null {
    const w = this.#withdrawals;
    if (w.keys.size > 0) {
      const prefixes = take(w.keys, maxPrefixes);
      for (const k of prefixes) {
        this.#pending.delete(k);
        const was = this.#sent.get(k);
        if (was !== undefined) {
          this.#sent.delete(k);
          this.#sets.unref(was);
        }
      }
      this.peer.counters.advertised = this.#sent.size;
      return { kind: 'withdraw', prefixes };
    }
    for (const [set, bucket] of this.#buckets) {
      const prefixes = take(bucket.keys, maxPrefixes);
      if (bucket.keys.size === 0) this.#buckets.delete(set);
      for (const k of prefixes) {
        this.#pending.delete(k);
        const was = this.#sent.get(k);
        // The bucket's reference moves to the sent table.
        this.#sent.set(k, set);
        if (was !== undefined) this.#sets.unref(was);
      }
      this.peer.counters.advertised = this.#sent.size;
      return { kind: 'announce', attrs: set, prefixes };
    }
    return null;
  }

  #apply(batch: ChangeBatch): void {
    for (let i = 0; i < batch.keys.length; i++) this.#change(batch.keys[i]!, batch.best[i]!);
  }

  #change(key: PrefixKey, best: Best | null, resend = false): void {
    const wasIdle = this.#pending.size === 0;
    const out = best === null ? null : this.#outFor(key, bestPaths(best)[0]!);
    const parked = this.#pending.get(key);
    if (parked !== undefined) {
      parked.keys.delete(key);
      this.#pending.delete(key);
      if (parked.set !== null) {
        if (parked.keys.size === 0) this.#buckets.delete(parked.set);
        this.#sets.unref(parked.set);
      }
    }
    const sent = this.#sent.get(key);
    if (out === (sent ?? null) && !(resend && out !== null)) {
      if (out !== null) this.#sets.unref(out);
      return;
    }
    let bucket = this.#withdrawals;
    if (out !== null) {
      bucket = this.#buckets.get(out) ?? new Bucket(out);
      this.#buckets.set(out, bucket);
    }
    bucket.keys.add(key);
    this.#pending.set(key, bucket);
    if (wasIdle) this.onPending?.();
  }

  /** The outgoing set for the prefix with one reference taken, or null when not exported. */
  #outFor(key: PrefixKey, path: Path): AttrSet | null {
    if (path.attrs === null || !mayExport(path, this.peer)) return null;
    const routeAttrs = path.attrs.attrs;
    const policy = this.peer.config.exportPolicy;
    const verdict = policy === undefined ? ACCEPT : policy(key, routeAttrs, this.peer);
    if (verdict === REJECT) return null;
    const attrs = verdict === ACCEPT ? routeAttrs : verdict;
    const memo = this.#memo.get(path);
    let out: AttrSet;
    if (memo !== undefined && memo.attrs === attrs && memo.out.refs > 0) out = memo.out;
    else {
      const changedMed = verdict !== ACCEPT && verdict.med !== routeAttrs.med;
      out = this.#sets.internAttrs(exportAttrs(path, attrs, this.peer, this.#ctx, changedMed));
      this.#memo.set(path, { attrs, out });
    }
    this.#sets.ref(out);
    return out;
  }
}

function take(keys: Set<PrefixKey>, max: number): PrefixKey[] {
  const out: PrefixKey[] = [];
  for (const k of keys) {
    if (out.length >= max) break;
    out.push(k);
  }
  for (const k of out) keys.delete(k);
  return out;
}
