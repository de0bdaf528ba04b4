/**
 * The RFC 4271 9.1.2.2 decision process as a chain of small elimination steps,
 * each keeping the candidates that are best on one criterion, and recording
 * the step at which the winner became the only one left (GoBGP's
 * BestPathReason). Elimination rather than pairwise comparison keeps the MED
 * step (compared only within a neighbour AS) independent of arrival order.
 *
 * Order: LOCAL_PREF, locally originated, AS_PATH length, ORIGIN, MED,
 * eBGP over iBGP, (IGP cost: not known here, skipped), router ID (ORIGINATOR_ID
 * when present), CLUSTER_LIST length (RFC 4456 section 9 puts it after the
 * router ID), peer address.
 */
import type { Path } from './path.ts';

export const REASON = {
  NO_PATH: 'no-path',
  ONLY_PATH: 'only-path',
  LOCAL_PREF: 'local-pref',
  LOCAL_ORIGIN: 'locally-originated',
  AS_PATH: 'as-path-length',
  ORIGIN: 'origin',
  MED: 'med',
  EBGP: 'ebgp-over-ibgp',
  ROUTER_ID: 'router-id',
  CLUSTER_LIST: 'cluster-list-length',
  PEER_ADDRESS: 'peer-address',
} as const;
export type BestPathReason = (typeof REASON)[keyof typeof REASON];

export interface DecisionOptions {
  /** Compare MED between paths from different neighbour ASes too. */
  readonly alwaysCompareMed: boolean;
  /** ECMP width; 1 disables multipath. */
  readonly maxPaths: number;
  /** Allow eBGP multipath across different neighbour ASes. */
  readonly multipathRelax: boolean;
}

export interface Decision {
  readonly best: Path | null;
  /** The ECMP set, best first; [best] without multipath; empty when there is no best. */
  readonly multipath: readonly Path[];
  readonly reason: BestPathReason;
}

/** A step keeps, in place, the first `n` candidates that are best on its criterion and returns how many. */
type Step = readonly [BestPathReason, (c: Path[], n: number, o: DecisionOptions) => number];

// One function per criterion rather than a shared helper taking an accessor:
// that keeps each loop monomorphic, which matters when 10 peers send the same table.
function byLocalPref(c: Path[], n: number): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (c[i]!.localPref > m) m = c[i]!.localPref;
  let k = 0;
  for (let i = 0; i < n; i++) if (c[i]!.localPref === m) c[k++] = c[i]!;
  return k;
}

function byLocalOrigin(c: Path[], n: number): number {
  let any = false;
  for (let i = 0; i < n; i++) any ||= c[i]!.peer.local;
  if (!any) return n;
  let k = 0;
  for (let i = 0; i < n; i++) if (c[i]!.peer.local) c[k++] = c[i]!;
  return k;
}

function byAsPathLen(c: Path[], n: number): number {
  let m = Infinity;
  for (let i = 0; i < n; i++) if (c[i]!.asPathLen < m) m = c[i]!.asPathLen;
  let k = 0;
  for (let i = 0; i < n; i++) if (c[i]!.asPathLen === m) c[k++] = c[i]!;
  return k;
}

function byOrigin(c: Path[], n: number): number {
  let m = Infinity;
  for (let i = 0; i < n; i++) if (c[i]!.origin < m) m = c[i]!.origin;
  let k = 0;
  for (let i = 0; i < n; i++) if (c[i]!.origin === m) c[k++] = c[i]!;
  return k;
}

function byLowestMed(c: Path[], n: number): number {
  let m = Infinity;
  for (let i = 0; i < n; i++) if (c[i]!.med < m) m = c[i]!.med;
  let k = 0;
  for (let i = 0; i < n; i++) if (c[i]!.med === m) c[k++] = c[i]!;
  return k;
}

function byEbgp(c: Path[], n: number): number {
  let any = false;
  for (let i = 0; i < n; i++) any ||= !c[i]!.peer.ibgp;
  if (!any) return n;
  let k = 0;
  for (let i = 0; i < n; i++) if (!c[i]!.peer.ibgp) c[k++] = c[i]!;
  return k;
}

function byRouterId(c: Path[], n: number): number {
  let m = Infinity;
  for (let i = 0; i < n; i++) if (c[i]!.routerId < m) m = c[i]!.routerId;
  let k = 0;
  for (let i = 0; i < n; i++) if (c[i]!.routerId === m) c[k++] = c[i]!;
  return k;
}

function byClusterLen(c: Path[], n: number): number {
  let m = Infinity;
  for (let i = 0; i < n; i++) if (c[i]!.clusterLen < m) m = c[i]!.clusterLen;
  let k = 0;
  for (let i = 0; i < n; i++) if (c[i]!.clusterLen === m) c[k++] = c[i]!;
  return k;
}

function byMed(c: Path[], n: number, o: DecisionOptions): number {
  if (o.alwaysCompareMed) return byLowestMed(c, n);
  if (n > 30) return byMedSlow(c, n);
  // A path survives unless a path from the same neighbour AS has a lower MED;
  // survivors are marked first so the in-place compaction cannot hide a beater.
  let mask = 0;
  for (let i = 0; i < n; i++) {
    const p = c[i]!;
    let beaten = false;
    for (let j = 0; j < n && !beaten; j++) beaten = c[j]!.neighborAs === p.neighborAs && c[j]!.med < p.med;
    if (!beaten) mask |= 1 << i;
  }
  let k = 0;
  for (let i = 0; i < n; i++) if (mask & (1 << i)) c[k++] = c[i]!;
  return k;
}

function byMedSlow(c: Path[], n: number): number {
  const keep = c.slice(0, n).filter((p, _i, all) => !all.some((q) => q.neighborAs === p.neighborAs && q.med < p.med));
  for (let i = 0; i < keep.length; i++) c[i] = keep[i]!;
  return keep.length;
}

function byPeerAddress(c: Path[], n: number): number {
  let best = c[0]!;
  for (let i = 1; i < n; i++) if (c[i]!.peer.addrKey < best.peer.addrKey) best = c[i]!;
  c[0] = best;
  return 1;
}

/** The steps up to and including eBGP-over-iBGP decide ECMP equality. */
const ECMP_STEPS = 6;

const STEPS: readonly Step[] = [
  [REASON.LOCAL_PREF, byLocalPref],
  [REASON.LOCAL_ORIGIN, byLocalOrigin],
  [REASON.AS_PATH, byAsPathLen],
  [REASON.ORIGIN, byOrigin],
  [REASON.MED, byMed],
  [REASON.EBGP, byEbgp],
  [REASON.ROUTER_ID, byRouterId],
  [REASON.CLUSTER_LIST, byClusterLen],
  [REASON.PEER_ADDRESS, byPeerAddress],
];

/** Tie-break order inside an ECMP set, the same as the steps after eBGP-over-iBGP. */
function tieBreak(a: Path, b: Path): number {
  return a.routerId - b.routerId || a.clusterLen - b.clusterLen || (a.peer.addrKey < b.peer.addrKey ? -1 : a.peer.addrKey > b.peer.addrKey ? 1 : 0);
}

/** Reused between calls: the RIB decides one prefix at a time. */
const scratch: Path[] = [];

/** Where `decideInto` leaves its answer; the RIB passes its per-prefix entry so nothing is allocated. */
export interface DecisionSink {
  best: Path | readonly Path[] | null;
  reason: BestPathReason;
}

/** `candidates` are the paths for one prefix, at most one per peer; rejected ones (attrs null) are skipped. */
export function decide(candidates: readonly Path[], o: DecisionOptions): Decision {
  const sink: DecisionSink = { best: null, reason: REASON.NO_PATH };
  decideInto(candidates, o, sink);
  const b = sink.best;
  if (b === null) return { best: null, multipath: [], reason: sink.reason };
  if (b instanceof Array) return { best: b[0]!, multipath: b, reason: sink.reason };
  return { best: b as Path, multipath: [b as Path], reason: sink.reason };
}

/** Sets `out.best` to the best path, or to the ECMP set (best first) when it has more than one path. */
export function decideInto(candidates: readonly Path[], o: DecisionOptions, out: DecisionSink): void {
  let n = 0;
  for (let i = 0; i < candidates.length; i++) if (candidates[i]!.attrs !== null) scratch[n++] = candidates[i]!;
  if (n <= 1) {
    out.best = n === 0 ? null : scratch[0]!;
    out.reason = n === 0 ? REASON.NO_PATH : REASON.ONLY_PATH;
    scratch[0] = undefined as unknown as Path;
    return;
  }
  const filled = n;
  let reason: BestPathReason = REASON.PEER_ADDRESS;
  let ecmp: Path[] | null = null;
  for (let i = 0; i < STEPS.length; i++) {
    const step = STEPS[i]!;
    n = step[1](scratch, n, o);
    if (i === ECMP_STEPS - 1 && n > 1 && o.maxPaths > 1) ecmp = scratch.slice(0, n);
    if (n === 1) {
      reason = step[0];
      break;
    }
  }
  const best = scratch[0]!;
  for (let i = 0; i < filled; i++) scratch[i] = undefined as unknown as Path;
  out.reason = reason;
  if (ecmp === null) {
    out.best = best;
    return;
  }
  const set = ecmp
    .filter((p) => o.multipathRelax || best.peer.ibgp || p.neighborAs === best.neighborAs)
    .sort(tieBreak)
    .slice(0, o.maxPaths);
  out.best = set.length > 1 ? set : best;
}
