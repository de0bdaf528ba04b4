/**
 * The RIB: every peer's Adj-RIB-In and the Loc-RIB, in one prefix table.
 *
 * A table entry is either a single Path (the common case: one peer announced
 * the prefix; that path is both the Adj-RIB-In entry and, if accepted, the
 * best route) or a MultiEntry holding one path per peer plus the decision.
 * Nothing is allocated per prefix in the single-path case.
 *
 * Best-route changes are handed to subscribers in batches by `flush()`, which
 * the speaker calls after a burst of UPDATEs; consumers (the FIB syncer, each
 * Adj-RIB-Out) therefore see each batch once, in order. Only the keys are
 * queued (IPv4 in a Float64Array), and only while someone subscribes: a RIB
 * with no FIB and no Adj-RIB-Out just counts. The batch carries each key's
 * best route as of the flush.
 */
import type { PathAttributes } from '../wire/types.ts';
import { ORIGIN } from '../wire/types.ts';
import { AttrTable } from './attr-set.ts';
import type { AttrSet } from './attr-set.ts';
import type { Decision, DecisionOptions } from './best-path.ts';
import { REASON, decide, decideInto } from './best-path.ts';
import { Importer } from './import.ts';
import { Path } from './path.ts';
import { PeerIdentityError, RibPeer } from './peer.ts';
import type { RibPeerConfig } from './peer.ts';
import type { PrefixKey } from './prefix-key.ts';
import { parseV4 } from './prefix-key.ts';
import { PrefixTable } from './prefix-table.ts';

export interface RibConfig {
  readonly localAsn: number;
  /** Our BGP identifier, dotted quad. */
  readonly routerId: string;
  /** Route-reflector cluster ID; defaults to the router ID. */
  readonly clusterId?: string;
  readonly defaultLocalPref?: number;
  readonly alwaysCompareMed?: boolean;
  readonly maxPaths?: number;
  readonly multipathRelax?: boolean;
  /** Expected table size: pre-sizes the change queue (the prefix table grows by /16 blocks). */
  readonly expectedPrefixes?: number;
}

/** A best route: one path, or the ECMP set (best first) when several are equal. */
export type Best = Path | readonly Path[];

export function bestPaths(b: Best | null): readonly Path[] {
  return b === null ? [] : b instanceof Path ? [b] : b;
}

export interface ChangeBatch {
  /** Parallel arrays: `best[i]` is the new best for `keys[i]`, null when withdrawn. A key may repeat; the last one counts. */
  readonly keys: readonly PrefixKey[];
  readonly best: readonly (Best | null)[];
}

export interface AnnounceResult {
  /** Prefixes dropped because the peer is over its maximum-prefix limit. */
  readonly dropped: number;
  /** True once the peer's accepted count has reached maxPrefixes: send Cease/1 (RFC 4486). */
  readonly maxPrefixExceeded: boolean;
}

export class MultiEntry {
  readonly paths: Path[];
  best: Best | null = null;
  reason: Decision['reason'] = REASON.NO_PATH;
  constructor(paths: Path[]) {
    this.paths = paths;
  }
}

type Entry = Path | MultiEntry;

const QUEUE_MIN = 1024;
/** A queue grown past this for one burst is dropped after the flush. */
const QUEUE_KEEP = 1 << 16;

export class Rib {
  readonly config: RibConfig;
  readonly attrs = new AttrTable();
  readonly localPeer: RibPeer;
  readonly #table = new PrefixTable<Entry>();
  readonly #importer: Importer;
  readonly #decision: DecisionOptions;
  readonly #peers = new Set<RibPeer>();
  #nextPeerId = 1;
  /** Best-route changes since the last flush, queued or not. */
  #pending = 0;
  #q4 = new Float64Array(QUEUE_MIN);
  #n4 = 0;
  #q6: PrefixKey[] = [];
  readonly #subscribers = new Set<(b: ChangeBatch) => void>();

  constructor(config: RibConfig) {
    this.config = config;
    const expected = config.expectedPrefixes ?? 0;
    // The prefix table grows by /16 blocks on its own; pre-size only the change queue.
    if (expected > QUEUE_MIN) this.#q4 = new Float64Array(Math.min(expected, QUEUE_KEEP));
    this.#decision = {
      alwaysCompareMed: config.alwaysCompareMed ?? false,
      maxPaths: config.maxPaths ?? 1,
      multipathRelax: config.multipathRelax ?? false,
    };
    this.#importer = new Importer({
      localAsn: config.localAsn,
      routerId: config.routerId,
      clusterId: config.clusterId ?? config.routerId,
      defaultLocalPref: config.defaultLocalPref ?? 100,
      attrTable: this.attrs,
    });
    this.localPeer = new RibPeer(0, { address: '0.0.0.0', asn: config.localAsn }, true, true);
    this.localPeer.routerId = parseV4(config.routerId);
  }

  get size(): number {
    return this.#table.size;
  }

  /** Slots the prefix table holds for one /16 (a size hint for tables that mirror this one). */
  blockCapacity(hi16: number): number {
    return this.#table.blockCapacity(hi16);
  }

  get peers(): ReadonlySet<RibPeer> {
    return this.#peers;
  }

  addPeer(config: RibPeerConfig): RibPeer {
    const peer = new RibPeer(this.#nextPeerId++, config, config.asn === this.config.localAsn, false);
    this.#peers.add(peer);
    return peer;
  }

  /** Records the identifier from the peer's OPEN; paths created from now on use it. */
  peerUp(peer: RibPeer, routerId: string): void {
    peer.routerId = parseV4(routerId);
    peer.maxPrefixExceeded = false;
  }

  /**
   * A peer's settings changed without a new session. Only the config is
   * swapped: a changed import policy or limit takes effect through
   * `reimport`, export settings through each Adj-RIB-Out's `resync`.
   */
  reconfigure(peer: RibPeer, config: RibPeerConfig): void {
    if (config.address !== peer.address || config.asn !== peer.asn) throw new PeerIdentityError(peer, config);
    peer.config = config;
  }

  /**
   * Soft reconfiguration inbound: every prefix the peer sent, accepted or
   * not, goes through import again under its current config. The Adj-RIB-In
   * keeps the received attributes of rejected routes too, so nothing has to
   * be asked of the peer. Stale routes (the peer is restarting) keep their
   * verdict: they are re-sent or swept soon, and a fresh path would lose
   * the stale mark. A limit now exceeded is reported as by `announce`.
   */
  reimport(peer: RibPeer): AnnounceResult {
    const keys: PrefixKey[] = [];
    const olds: Path[] = [];
    this.forEachAdjRibIn(peer, (key, p) => {
      if (p.stale) return;
      keys.push(key);
      olds.push(p);
    });
    const max = peer.config.maxPrefixes ?? Infinity;
    let dropped = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const old = olds[i]!;
      const path = this.#importer.pathFor(peer, old.received, key);
      if (path.attrs !== null && old.attrs === null && peer.counters.accepted >= max) {
        this.#remove(peer, key);
        peer.maxPrefixExceeded = true;
        dropped++;
        continue;
      }
      this.#put(peer, key, path);
    }
    if (peer.counters.accepted > max) peer.maxPrefixExceeded = true;
    return { dropped, maxPrefixExceeded: peer.maxPrefixExceeded };
  }

  announce(peer: RibPeer, set: AttrSet, keys: ArrayLike<PrefixKey>): AnnounceResult {
    let dropped = 0;
    const max = peer.config.maxPrefixes ?? Infinity;
    const noPolicy = peer.config.importPolicy === undefined;
    const base = noPolicy ? this.#importer.basePath(peer, set) : null;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const path = base ?? this.#importer.pathFor(peer, set, key);
      if (path.attrs !== null && peer.counters.accepted >= max && !this.#hasAccepted(peer, key)) {
        this.#remove(peer, key);
        peer.maxPrefixExceeded = true;
        dropped++;
        continue;
      }
      this.#put(peer, key, path);
    }
    this.attrs.releaseIfUnused(set);
    return { dropped, maxPrefixExceeded: peer.maxPrefixExceeded };
  }

  withdraw(peer: RibPeer, keys: ArrayLike<PrefixKey>): void {
    for (let i = 0; i < keys.length; i++) this.#remove(peer, keys[i]!);
  }

  /** Injects a locally originated prefix (ORIGIN defaults to IGP). */
  originate(key: PrefixKey, attrs: PathAttributes = {}): void {
    const set = this.attrs.internAttrs({ origin: ORIGIN.IGP, ...attrs });
    this.announce(this.localPeer, set, [key]);
  }

  withdrawOriginated(key: PrefixKey): void {
    this.#remove(this.localPeer, key);
  }

  /**
   * The session went down. Without graceful restart every route of the peer
   * goes now; with it the routes stay, marked stale, until re-announced or
   * `sweepStale` (End-of-RIB or the restart timer) removes the rest.
   */
  peerDown(peer: RibPeer, opts: { gracefulRestart?: boolean } = {}): void {
    peer.maxPrefixExceeded = false;
    const cached = [...peer.paths.values(), ...peer.policyPaths.values()];
    peer.paths.clear();
    peer.policyPaths.clear();
    for (const p of cached) {
      if (p.refs === 0) this.#importer.release(p);
      else if (opts.gracefulRestart) p.stale = true;
    }
    if (opts.gracefulRestart) {
      peer.staleCount = peer.counters.received;
      return;
    }
    this.withdraw(peer, this.#keysOf(peer, false));
  }

  /** Removes the routes still stale after a graceful restart. */
  sweepStale(peer: RibPeer): number {
    const keys = this.#keysOf(peer, true);
    this.withdraw(peer, keys);
    peer.staleCount = 0;
    return keys.length;
  }

  removePeer(peer: RibPeer): void {
    this.peerDown(peer);
    this.#peers.delete(peer);
  }

  /**
   * Best-route changes made from now on reach `fn` at each `flush()`. Changes
   * made before are not replayed: a late subscriber reads the table with
   * `forEachBest` after subscribing (as AdjRibOut.start does).
   */
  subscribe(fn: (b: ChangeBatch) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  get pendingChanges(): number {
    return this.#pending;
  }

  /** Hands the queued best-route changes to every subscriber, as one batch. */
  flush(): void {
    if (this.#pending === 0) return;
    this.#pending = 0;
    const n4 = this.#n4;
    const q4 = this.#q4;
    const q6 = this.#q6;
    this.#n4 = 0;
    this.#q6 = [];
    if (q4.length > QUEUE_KEEP) this.#q4 = new Float64Array(QUEUE_KEEP);
    if (this.#subscribers.size === 0 || n4 + q6.length === 0) return;
    const keys = new Array<PrefixKey>(n4 + q6.length);
    const best = new Array<Best | null>(n4 + q6.length);
    for (let i = 0; i < n4; i++) {
      const k = q4[i]!;
      keys[i] = k;
      best[i] = this.best(k);
    }
    for (let i = 0; i < q6.length; i++) {
      keys[n4 + i] = q6[i]!;
      best[n4 + i] = this.best(q6[i]!);
    }
    const batch: ChangeBatch = { keys, best };
    for (const fn of this.#subscribers) fn(batch);
  }

  best(key: PrefixKey): Best | null {
    const e = this.#table.get(key);
    if (e === undefined) return null;
    return e instanceof Path ? (e.attrs !== null ? e : null) : e.best;
  }

  /** Every path for the prefix, accepted or not (the Adj-RIB-In view across peers). */
  paths(key: PrefixKey): readonly Path[] {
    const e = this.#table.get(key);
    return e === undefined ? [] : e instanceof Path ? [e] : e.paths;
  }

  /** The decision for a prefix, with the reason the best path won. */
  explain(key: PrefixKey): Decision {
    return decide(this.paths(key), this.#decision);
  }

  forEachBest(fn: (key: PrefixKey, best: Best) => void): void {
    this.#table.forEach((e, key) => {
      const b = e instanceof Path ? (e.attrs !== null ? e : null) : e.best;
      if (b !== null) fn(key, b);
    });
  }

  /** One peer's Adj-RIB-In: every prefix it announced with the path it used. */
  forEachAdjRibIn(peer: RibPeer, fn: (key: PrefixKey, path: Path) => void): void {
    this.#table.forEach((e, key) => {
      const p = e instanceof Path ? (e.peer === peer ? e : undefined) : e.paths.find((q) => q.peer === peer);
      if (p !== undefined) fn(key, p);
    });
  }

  #hasAccepted(peer: RibPeer, key: PrefixKey): boolean {
    const e = this.#table.get(key);
    if (e === undefined) return false;
    const p = e instanceof Path ? (e.peer === peer ? e : undefined) : e.paths.find((q) => q.peer === peer);
    return p !== undefined && p.attrs !== null;
  }

  #keysOf(peer: RibPeer, staleOnly: boolean): PrefixKey[] {
    const keys: PrefixKey[] = [];
    this.forEachAdjRibIn(peer, (key, p) => {
      if (!staleOnly || p.stale) keys.push(key);
    });
    return keys;
  }

  #put(peer: RibPeer, key: PrefixKey, path: Path): void {
    const e = this.#table.get(key);
    if (e === undefined) {
      this.#table.set(key, path);
      this.#hold(path);
      if (path.attrs !== null) this.#changed(key);
      return;
    }
    if (e instanceof Path) {
      if (e.peer !== peer) {
        this.#hold(path);
        const m = new MultiEntry([e, path]);
        this.#table.set(key, m);
        this.#decide(key, m, e.attrs !== null ? e : null);
        return;
      }
      if (e === path) return;
      this.#table.set(key, path);
      this.#hold(path);
      this.#drop(e);
      const before = e.attrs !== null ? e : null;
      const after = path.attrs !== null ? path : null;
      if (before !== after) this.#changed(key);
      return;
    }
    const i = indexOfPeer(e.paths, peer);
    if (i >= 0 && e.paths[i] === path) return;
    this.#hold(path);
    if (i >= 0) {
      this.#drop(e.paths[i]!);
      e.paths[i] = path;
    } else e.paths.push(path);
    this.#decide(key, e, e.best);
  }

  #remove(peer: RibPeer, key: PrefixKey): void {
    const e = this.#table.get(key);
    if (e === undefined) return;
    if (e instanceof Path) {
      if (e.peer !== peer) return;
      this.#table.delete(key);
      this.#drop(e);
      if (e.attrs !== null) this.#changed(key);
      return;
    }
    const i = indexOfPeer(e.paths, peer);
    if (i < 0) return;
    const gone = e.paths[i]!;
    e.paths.splice(i, 1);
    this.#drop(gone);
    if (e.paths.length > 1) {
      this.#decide(key, e, e.best);
      return;
    }
    // Back to the allocation-free single-path form.
    const only = e.paths[0]!;
    this.#table.set(key, only);
    const after = only.attrs !== null ? only : null;
    if (!sameBest(e.best, after)) this.#changed(key);
  }

  #decide(key: PrefixKey, e: MultiEntry, before: Best | null): void {
    decideInto(e.paths, this.#decision, e);
    if (!sameBest(before, e.best)) this.#changed(key);
  }

  #hold(path: Path): void {
    path.refs++;
    const c = path.peer.counters;
    c.received++;
    if (path.attrs !== null) c.accepted++;
  }

  #drop(path: Path): void {
    const c = path.peer.counters;
    c.received--;
    if (path.attrs !== null) c.accepted--;
    if (path.stale) path.peer.staleCount--;
    if (--path.refs === 0) this.#importer.release(path);
  }

  #changed(key: PrefixKey): void {
    this.#pending++;
    if (this.#subscribers.size === 0) return;
    if (typeof key !== 'number') {
      this.#q6.push(key);
      return;
    }
    if (this.#n4 === this.#q4.length) {
      const q = new Float64Array(this.#q4.length * 2);
      q.set(this.#q4);
      this.#q4 = q;
    }
    this.#q4[this.#n4++] = key;
  }
}

function indexOfPeer(paths: readonly Path[], peer: RibPeer): number {
  for (let i = 0; i < paths.length; i++) if (paths[i]!.peer === peer) return i;
  return -1;
}

function sameBest(a: Best | null, b: Best | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a instanceof Path || b instanceof Path) return false;
  return a.length === b.length && a.every((p, i) => p === b[i]);
}
