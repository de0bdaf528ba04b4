import { AS_PATH_SEGMENT, ATTR_TYPE, ERROR_ACTION, UPDATE_ERROR } from './constants.ts';
import { isConfed } from './as-path.ts';
import type { Finding } from './findings.ts';
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
}

function finding(action: Finding['action'], attrType: number, subcode: number, reason: string): Finding {
  return { action, attrType, subcode, field: 'UPDATE.attributes', reason };
}

export function validateAttributes(a: PathAttributes, ctx: ValidationContext): Finding[] {
  const out: Finding[] = [];
  const W = ERROR_ACTION.TREAT_AS_WITHDRAW;
  const D = ERROR_ACTION.ATTRIBUTE_DISCARD;
  if (a.nextHop !== undefined) {
    const first = Number(a.nextHop.split('.')[0]);
    if (a.nextHop === '0.0.0.0' || first >= 224 || first === 127) {
      out.push(finding(W, ATTR_TYPE.NEXT_HOP, UPDATE_ERROR.INVALID_NEXT_HOP_ATTRIBUTE, `next hop ${a.nextHop} is not a unicast address`));
    }
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
