import { AS_PATH_SEGMENT, ATTR_TYPE, ERROR_ACTION, UPDATE_ERROR } from './constants.ts';
import { isConfed } from './as-path.ts';
import type { Finding } from './findings.ts';
import { ipv6ToBytes } from './ip.ts';
import type { PathAttributes } from './types.ts';

/**
 * Semantic checks on decoded attributes, for a given session. Syntax was the
 * decoder's job; here a well-formed value can still be wrong for where it came
 * from. Returns findings with their RFC 7606 action and changes nothing.
 */
export interface ValidationContext {
  /** The peer is in another AS (and not a confederation member). */
  readonly ebgp: boolean;
  readonly peerAs: number;
  readonly localRouterId: string;
  /** Route reflection cluster id (RFC 4456); defaults to the router id. */
  readonly clusterId?: string;
  /** RFC 4271 6.3 leaves the first-AS check optional; BIRD and FRR enforce it by default. */
  readonly enforceFirstAs?: boolean;
  /** Our own address on this session (RFC 4271 5.1.3: a next hop equal to it is an error). */
  readonly localAddress?: string;
}

/**
 * Why `addr` cannot be a next hop, or null. Rejected: 0.0.0.0/8, 224.0.0.0/4
 * (multicast), 240.0.0.0/4 and 255.255.255.255; for IPv6 ::, ff00::/8 and
 * the IPv4-mapped forms of the above; and our own address on the session.
 * Loopback (127/8, ::1) is allowed: it is what lab and test setups peer on.
 */
export function badNextHop(addr: string, localAddress?: string): string | null {
  if (addr.includes(':')) {
    let b: Buffer;
    try {
      b = ipv6ToBytes(addr);
    } catch {
      return 'not an IPv6 address';
    }
    if (b.every((x) => x === 0)) return 'the unspecified address';
    if (b[0] === 0xff) return 'multicast';
    const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
    if (mapped) {
      const why = badV4(b[12]!);
      if (why !== null) return why;
    }
    if (localAddress !== undefined && sameAddress(b, localAddress)) return 'our own address on this session';
    return null;
  }
  const first = Number(addr.split('.')[0]);
  const why = badV4(first);
  if (why !== null) return why;
  if (localAddress !== undefined && (addr === localAddress || (localAddress.includes(':') && sameAddress(v4Mapped(addr), localAddress)))) return 'our own address on this session';
  return null;
}

function badV4(first: number): string | null {
  if (first === 0) return 'in 0.0.0.0/8';
  if (first >= 224 && first < 240) return 'multicast';
  if (first >= 240) return 'in 240.0.0.0/4 (reserved or broadcast)';
  return null;
}

function v4Mapped(v4: string): Buffer {
  const b = Buffer.alloc(16);
  b[10] = 0xff;
  b[11] = 0xff;
  v4.split('.').forEach((o, i) => (b[12 + i] = Number(o)));
  return b;
}

function sameAddress(b: Buffer, other: string): boolean {
  try {
    return b.equals(other.includes(':') ? ipv6ToBytes(other) : v4Mapped(other));
  } catch {
    return false;
  }
}

function finding(action: Finding['action'], attrType: number, subcode: number, reason: string): Finding {
  return { action, attrType, subcode, field: 'UPDATE.attributes', reason };
}

export function validateAttributes(a: PathAttributes, ctx: ValidationContext): Finding[] {
  const out: Finding[] = [];
  const W = ERROR_ACTION.TREAT_AS_WITHDRAW;
  const D = ERROR_ACTION.ATTRIBUTE_DISCARD;
  // RFC 4271 6.3 / RFC 7606 7.3: a syntactically fine but semantically wrong next hop withdraws.
  // Beside MP_REACH_NLRI a NEXT_HOP is ignored by some speakers and filled with 0.0.0.0 by others
  // (RFC 4760 3), so it is judged only when it is the UPDATE's sole next hop.
  if (a.nextHop !== undefined && a.mpReach === undefined) {
    const why = badNextHop(a.nextHop, ctx.localAddress);
    if (why !== null) out.push(finding(W, ATTR_TYPE.NEXT_HOP, UPDATE_ERROR.INVALID_NEXT_HOP_ATTRIBUTE, `NEXT_HOP ${a.nextHop}: ${why}`));
  }
  // RFC 4760 3 / RFC 7606 7.11: the same for MP_REACH_NLRI's next hop (the link-local one is not checked).
  if (a.mpReach !== undefined) {
    const why = badNextHop(a.mpReach.nextHop, ctx.localAddress);
    if (why !== null) out.push(finding(W, ATTR_TYPE.MP_REACH_NLRI, UPDATE_ERROR.OPTIONAL_ATTRIBUTE_ERROR, `MP_REACH_NLRI next hop ${a.mpReach.nextHop}: ${why}`));
  }
  if (ctx.ebgp && a.asPath !== undefined) {
    if (a.asPath.some((s) => isConfed(s.type))) {
      out.push(finding(W, ATTR_TYPE.AS_PATH, UPDATE_ERROR.MALFORMED_AS_PATH, 'confederation segments from an external peer'));
    }
    const lead = a.asPath[0];
    if ((ctx.enforceFirstAs ?? true) && (lead === undefined || lead.type !== AS_PATH_SEGMENT.AS_SEQUENCE || lead.asns[0] !== ctx.peerAs)) {
      out.push(finding(W, ATTR_TYPE.AS_PATH, UPDATE_ERROR.MALFORMED_AS_PATH, `AS_PATH does not start with the peer's AS ${ctx.peerAs}`));
    }
  }
  if (ctx.ebgp) {
    // RFC 7606 7.5, 7.9, 7.10: these mean nothing across an AS boundary.
    if (a.localPref !== undefined) out.push(finding(D, ATTR_TYPE.LOCAL_PREF, UPDATE_ERROR.OPTIONAL_ATTRIBUTE_ERROR, 'LOCAL_PREF from an external peer'));
    if (a.originatorId !== undefined) out.push(finding(D, ATTR_TYPE.ORIGINATOR_ID, UPDATE_ERROR.OPTIONAL_ATTRIBUTE_ERROR, 'ORIGINATOR_ID from an external peer'));
    if (a.clusterList !== undefined) out.push(finding(D, ATTR_TYPE.CLUSTER_LIST, UPDATE_ERROR.OPTIONAL_ATTRIBUTE_ERROR, 'CLUSTER_LIST from an external peer'));
  } else {
    // RFC 4456 8: our own routes coming back through a reflector.
    if (a.originatorId === ctx.localRouterId) {
      out.push(finding(W, ATTR_TYPE.ORIGINATOR_ID, UPDATE_ERROR.OPTIONAL_ATTRIBUTE_ERROR, `ORIGINATOR_ID is our router id ${ctx.localRouterId}`));
    }
    const cluster = ctx.clusterId ?? ctx.localRouterId;
    if (a.clusterList?.includes(cluster)) {
      out.push(finding(W, ATTR_TYPE.CLUSTER_LIST, UPDATE_ERROR.OPTIONAL_ATTRIBUTE_ERROR, `CLUSTER_LIST holds our cluster id ${cluster}`));
    }
  }
  return out;
}
