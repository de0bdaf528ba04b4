/**
 * What a route looks like to one neighbour, before and after export policy:
 * the iBGP/eBGP and route-reflection rules of RFC 4271 and RFC 4456.
 *
 * - Never back to the peer it came from.
 * - iBGP-learned to iBGP: only when reflecting (a client's routes to everyone,
 *   a non-client's routes to clients); reflected routes get ORIGINATOR_ID
 *   (when absent) and our cluster ID prepended to CLUSTER_LIST.
 * - To eBGP: our AS prepended, next hop self unless keepOriginalNextHop, no
 *   LOCAL_PREF, no RR attributes, and no MED learned from another AS.
 * - To iBGP: LOCAL_PREF included; next hop of eBGP-learned routes kept unless
 *   nextHopSelf; originated routes without a next hop get ours.
 */
import type { AsPathSegment, PathAttributes } from '../wire/types.ts';
import { AS_PATH_SEGMENT } from '../wire/types.ts';
import type { Path } from './path.ts';
import type { RibPeer } from './peer.ts';
import { formatV4 } from './prefix-key.ts';

export interface ExportContext {
  readonly localAsn: number;
  readonly clusterId: string;
}

/** The first rule set: may this path be offered to `to` at all? */
export function mayExport(path: Path, to: RibPeer): boolean {
  const from = path.peer;
  if (from === to) return false;
  if (from.local || !from.ibgp || !to.ibgp) return true;
  if (from.config.rrClient) return true;
  return to.config.rrClient === true;
}

/**
 * The attributes sent to `to`. `attrs` is the route's attributes after export
 * policy; `policyChangedMed` says the policy set the MED itself, which then
 * goes to eBGP peers too.
 */
export function exportAttrs(path: Path, attrs: PathAttributes, to: RibPeer, ctx: ExportContext, policyChangedMed: boolean): PathAttributes {
  const from = path.peer;
  const self = to.config.localAddress;
  if (!to.ibgp) {
    const { localPref: _lp, originatorId: _o, clusterList: _c, med, ...rest } = attrs;
    const keepMed = med !== undefined && (from.local || policyChangedMed);
    const nextHop = to.config.keepOriginalNextHop && attrs.nextHop !== undefined ? attrs.nextHop : (self ?? attrs.nextHop);
    return {
      ...rest,
      asPath: prependAs(attrs.asPath, ctx.localAsn),
      ...(nextHop !== undefined ? { nextHop } : {}),
      ...(keepMed ? { med } : {}),
    };
  }
  const out: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = { ...attrs, localPref: path.localPref };
  const reflected = from.ibgp && !from.local;
  if (reflected) {
    out.originatorId = attrs.originatorId ?? formatV4(from.routerId);
    out.clusterList = [ctx.clusterId, ...(attrs.clusterList ?? [])];
  } else if ((to.config.nextHopSelf && !from.local) || attrs.nextHop === undefined) {
    if (self !== undefined) out.nextHop = self;
  }
  if (out.asPath === undefined) out.asPath = [];
  return out;
}

/** RFC 4271 5.1.2: our AS goes in front of the leading AS_SEQUENCE, or a new one when that is full or absent. */
export function prependAs(path: readonly AsPathSegment[] | undefined, asn: number): AsPathSegment[] {
  // Confederation segments never leave the confederation (RFC 5065 5.3).
  const segs = (path ?? []).filter((s) => s.type === AS_PATH_SEGMENT.AS_SEQUENCE || s.type === AS_PATH_SEGMENT.AS_SET);
  const first = segs[0];
  if (first !== undefined && first.type === AS_PATH_SEGMENT.AS_SEQUENCE && first.asns.length < 255) {
    return [{ type: AS_PATH_SEGMENT.AS_SEQUENCE, asns: [asn, ...first.asns] }, ...segs.slice(1)];
  }
  return [{ type: AS_PATH_SEGMENT.AS_SEQUENCE, asns: [asn] }, ...segs];
}
