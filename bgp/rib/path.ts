/**
 * A path: one peer's attribute set as the RIB uses it. Paths are shared by every
 * prefix the peer announced with the same attributes, so the per-prefix cost
 * is one reference; the fields the decision process reads are computed once here.
 */
import type { AsPathSegment } from '../wire/types.ts';
import { AS_PATH_SEGMENT, ORIGIN } from '../wire/types.ts';
import type { AttrSet } from './attr-set.ts';
import type { RibPeer } from './peer.ts';
import { parseV4 } from './prefix-key.ts';

export const REJECTED = {
  AS_LOOP: 'as-loop',
  ORIGINATOR_LOOP: 'originator-id-loop',
  CLUSTER_LOOP: 'cluster-list-loop',
  POLICY: 'policy',
} as const;
export type RejectReason = (typeof REJECTED)[keyof typeof REJECTED];

export class Path {
  readonly peer: RibPeer;
  /** The attributes as received (the Adj-RIB-In view). */
  readonly received: AttrSet;
  /** The attributes after import checks and policy; null when rejected. */
  readonly attrs: AttrSet | null;
  readonly rejected: RejectReason | null;
  /** Number of prefixes holding this path. */
  refs = 0;
  /** Kept through a graceful restart, awaiting re-announcement or the sweep. */
  stale = false;

  readonly localPref: number;
  readonly asPathLen: number;
  readonly origin: number;
  readonly med: number;
  /** First AS of the path (0 when the path is empty, i.e. our own AS). */
  readonly neighborAs: number;
  readonly clusterLen: number;
  /** ORIGINATOR_ID when present, else the peer's router ID. */
  readonly routerId: number;

  constructor(peer: RibPeer, received: AttrSet, attrs: AttrSet | null, rejected: RejectReason | null, defaultLocalPref: number) {
    this.peer = peer;
    this.received = received;
    this.attrs = attrs;
    this.rejected = rejected;
    const a = attrs?.attrs ?? received.attrs;
    this.localPref = a.localPref ?? defaultLocalPref;
    this.asPathLen = asPathLength(a.asPath);
    this.origin = a.origin ?? ORIGIN.INCOMPLETE;
    this.med = a.med ?? 0;
    this.neighborAs = neighborAs(a.asPath);
    this.clusterLen = a.clusterList?.length ?? 0;
    this.routerId = a.originatorId !== undefined ? parseV4(a.originatorId) : peer.routerId;
  }

  /** The next hop for a prefix of this family: MP_REACH_NLRI's for IPv6, NEXT_HOP (or an IPv4 MP_REACH) for IPv4. */
  nextHopFor(ipv6: boolean): string | undefined {
    const a = this.attrs?.attrs;
    if (a === undefined) return undefined;
    if (ipv6) return a.mpReach?.afi === 2 ? a.mpReach.nextHop : a.nextHop?.includes(':') ? a.nextHop : undefined;
    return a.nextHop ?? (a.mpReach?.afi === 1 ? a.mpReach.nextHop : undefined);
  }
}

/** RFC 4271 9.1.2.2 (a) with RFC 5065: a set counts one, confederation segments nothing. */
export function asPathLength(path: readonly AsPathSegment[] | undefined): number {
  if (path === undefined) return 0;
  let n = 0;
  for (const seg of path) {
    if (seg.type === AS_PATH_SEGMENT.AS_SEQUENCE) n += seg.asns.length;
    else if (seg.type === AS_PATH_SEGMENT.AS_SET) n += 1;
  }
  return n;
}

export function neighborAs(path: readonly AsPathSegment[] | undefined): number {
  if (path === undefined) return 0;
  for (const seg of path) {
    if (seg.type === AS_PATH_SEGMENT.AS_SEQUENCE && seg.asns.length > 0) return seg.asns[0]!;
    if (seg.type === AS_PATH_SEGMENT.AS_SET) return 0;
  }
  return 0;
}

export function asPathContains(path: readonly AsPathSegment[] | undefined, asn: number): boolean {
  if (path === undefined) return false;
  for (const seg of path) if (seg.asns.includes(asn)) return true;
  return false;
}
