/**
 * The same result as CalcGraph, computed in one pass with plain loops and no
 * indexes. It is the oracle the incremental graph is tested against, and a
 * fallback for a writer that wants to verify a long-running graph.
 */
import { convertPolicy } from '../policy/convert.ts';
import { comparePolicies, endpointKey, type EndpointInput, type NamespaceInput, type PolicyInput } from '../policy/types.ts';
import { contributions, endpointRecord } from './endpoint-record.ts';
import type { LocalEndpoint } from './events.ts';
import { emptyState, type CalcState } from './model.ts';
import { resolvePolicy, type IpSetDef } from './resolve.ts';

export interface CalcInput {
  readonly endpoints: readonly EndpointInput[];
  readonly namespaces: readonly NamespaceInput[];
  readonly policies: readonly PolicyInput[];
}

export function computeFromScratch(input: CalcInput, nodeName: string): CalcState {
  const nsByName = new Map(input.namespaces.map((n) => [n.name, n]));
  const eps = input.endpoints.map((e) => ({ key: endpointKey(e), rec: endpointRecord(e, nsByName.get(e.namespace), nodeName) }));
  const local = eps.filter((e) => e.rec.local);
  const policies = input.policies.map(convertPolicy).sort(comparePolicies);
  const state = emptyState();
  const defs = new Map<string, IpSetDef>();
  const applies = new Map<string, string[]>();
  for (const p of policies) {
    if (p.ingress === undefined && p.egress === undefined) continue;
    const matched = local.filter((e) => p.selector.matches(e.rec.labels)).map((e) => e.key);
    if (matched.length === 0) continue;
    applies.set(p.key, matched);
    const r = resolvePolicy(p);
    state.policies.set(p.key, r.policy);
    for (const d of r.sets) defs.set(d.id, d);
  }
  for (const d of defs.values()) {
    const members = new Set<string>();
    if (d.kind === 'nets') for (const n of d.nets) members.add(n);
    else for (const e of eps) if (d.selector.matches(e.rec.labels)) for (const m of contributions(d, e.rec)) members.add(m);
    state.ipsets.set(d.id, { setType: d.type, members });
  }
  for (const e of local) {
    const mine = policies.filter((p) => applies.get(p.key)?.includes(e.key));
    const view: LocalEndpoint = {
      key: e.key,
      interfaceName: e.rec.input.interfaceName,
      ips: e.rec.cidrs,
      ingressPolicies: mine.filter((p) => p.ingress !== undefined).map((p) => p.key),
      egressPolicies: mine.filter((p) => p.egress !== undefined).map((p) => p.key),
    };
    state.endpoints.set(e.key, view);
  }
  return state;
}
