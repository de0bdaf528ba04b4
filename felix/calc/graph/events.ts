/**
 * What the calculation tells the dataplane: the interface between felix/calc
 * and felix/dataplane. One batch of events per update call, in an order that
 * is always safe to apply as it comes:
 *
 *   1. ipsetAdded          (new sets, with their full membership)
 *   2. ipsetMembersChanged (net additions/removals for sets already announced)
 *   3. policyUpdated       (active policies whose resolved rules changed)
 *   4. endpointUpdated / endpointRemoved (local endpoints only)
 *   5. policyRemoved       (no longer referenced by any local endpoint)
 *   6. ipsetRemoved        (no longer referenced by any active policy)
 *
 * so a set exists before a policy references it, a policy exists before an
 * endpoint jumps to it, and nothing is removed while still referenced.
 * Members of `hash:net` sets are canonical CIDRs (`10.0.1.1/32`); members of
 * `hash:ip,port` (named port) sets are `10.0.1.1,tcp:8080`. A set may hold
 * both families; the renderer splits them into per-family kernel sets.
 */
import type { Direction, Rule } from '../policy/types.ts';

export type IpSetType = 'hash:net' | 'hash:ip,port';

export interface PortRange {
  readonly first: number;
  readonly last: number;
}

/** One side of a resolved rule: ipsets by id instead of selectors; every present field must match. */
export interface CalcSide {
  /** Address in the set of the side's selector (namespace scoping included). */
  readonly setId?: string;
  readonly notSetId?: string;
  /** Address in any of the side's nets (a `c:` set). */
  readonly netSetId?: string;
  readonly notNetSetId?: string;
  /**
   * The address families the nets / notNets lists have CIDRs of. As in
   * Calico, a rule whose nets or notNets list has none of a packet's family
   * does not apply to that family at all.
   */
  readonly netFamilies?: readonly (4 | 6)[];
  readonly notNetFamilies?: readonly (4 | 6)[];
  /** Port match: in any range, or (address, port) in any named-port set. */
  readonly ports?: readonly PortRange[];
  readonly namedPortSetIds?: readonly string[];
  /** Negated port match: in none of the ranges and none of the named-port sets. */
  readonly notPorts?: readonly PortRange[];
  readonly notNamedPortSetIds?: readonly string[];
}

/** A policy rule with its sides resolved to ipsets; the other matches are the policy's own. */
export type CalcRule = Omit<Rule, 'src' | 'dst'> & { readonly src: CalcSide; readonly dst: CalcSide };

export interface ActivePolicy {
  readonly key: string;
  readonly order: number | undefined;
  readonly ingress?: readonly CalcRule[];
  readonly egress?: readonly CalcRule[];
}

/** A workload on this node and the policies that apply to it, in evaluation order. */
export interface LocalEndpoint {
  readonly key: string;
  readonly interfaceName: string;
  /** Canonical CIDRs. */
  readonly ips: readonly string[];
  readonly ingressPolicies: readonly string[];
  readonly egressPolicies: readonly string[];
}

export type CalcEvent =
  | { readonly type: 'ipsetAdded'; readonly id: string; readonly setType: IpSetType; readonly members: readonly string[] }
  | { readonly type: 'ipsetMembersChanged'; readonly id: string; readonly added: readonly string[]; readonly removed: readonly string[] }
  | { readonly type: 'ipsetRemoved'; readonly id: string }
  | { readonly type: 'policyUpdated'; readonly key: string; readonly policy: ActivePolicy }
  | { readonly type: 'policyRemoved'; readonly key: string }
  | { readonly type: 'endpointUpdated'; readonly key: string; readonly endpoint: LocalEndpoint }
  | { readonly type: 'endpointRemoved'; readonly key: string };

export type CalcListener = (events: readonly CalcEvent[]) => void;

export function policiesFor(e: LocalEndpoint, dir: Direction): readonly string[] {
  return dir === 'ingress' ? e.ingressPolicies : e.egressPolicies;
}
