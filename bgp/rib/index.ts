/**
 * bgp/rib: the routing information bases, pure (no I/O, no timers).
 *
 * Pieces and flow:
 *
 *   codec fast path ──(AttrTable.intern(blockKey, decode), prefix keys)──> Rib.announce/withdraw
 *   Rib: Importer (loop checks, import policy, max-prefix) -> PrefixTable of Path | MultiEntry
 *        -> best-path.ts decision (RFC 4271 9.1.2.2, RFC 4456 9, ECMP) -> queued keys (only while subscribed)
 *   Rib.flush() ──ChangeBatch──> FIB syncer (bgp/fib) and each AdjRibOut
 *   AdjRibOut: export rules (export.ts) + export policy -> buckets by outgoing attribute set
 *        <──next()── session, when its socket can take more
 *
 * Prefixes are keys (prefix-key.ts): IPv4 addr*64+len numbers, IPv6 strings.
 * The prefix table (prefix-table.ts) keeps IPv4 /16../24 in one small block per
 * /16, so neighbouring prefixes share cache lines.
 * Attribute sets are interned and reference-counted (attr-set.ts); a Path is
 * (peer, received set, effective set) and is shared by all the prefixes that
 * use it, so the common single-path prefix costs one table slot and nothing else.
 *
 * Graceful restart (RFC 4724): `peerDown(peer, { gracefulRestart: true })`
 * marks the peer's paths stale; they stay best until replaced or until
 * `sweepStale(peer)` after End-of-RIB or the restart timer (the speaker owns the timer).
 * Maximum prefixes: `announce` reports `maxPrefixExceeded`; the speaker sends
 * Cease / Maximum Number of Prefixes Reached (RFC 4486 subcode 1) and calls `peerDown`.
 */
export { AttrSet, AttrTable, canonicalAttrKey } from './attr-set.ts';
export { AdjRibOut } from './adj-rib-out.ts';
export type { OutUpdate } from './adj-rib-out.ts';
export { REASON, decide } from './best-path.ts';
export type { BestPathReason, Decision, DecisionOptions } from './best-path.ts';
export { Path, REJECTED } from './path.ts';
export { RibPeer } from './peer.ts';
export type { PeerCounters, RibPeerConfig } from './peer.ts';
export { ACCEPT, REJECT, PrefixList, chain, rewrite } from './policy.ts';
export type { Policy, PolicyPeer, PolicyResult, PrefixListEntry } from './policy.ts';
export * from './prefix-key.ts';
export { PrefixTable } from './prefix-table.ts';
export { MultiEntry, Rib, bestPaths } from './rib.ts';
export type { AnnounceResult, Best, ChangeBatch, RibConfig } from './rib.ts';
