/**
 * The calculated state as plain data, and the fold that builds it from the
 * event stream. The dataplane writer keeps one of these as "desired", renders
 * it, and diffs against what is installed; the tests compare the folded
 * stream against a from-scratch computation.
 */
import type { ActivePolicy, CalcEvent, IpSetType, LocalEndpoint } from './events.ts';

export interface IpSetState {
  readonly setType: IpSetType;
  readonly members: Set<string>;
}

export interface CalcState {
  readonly ipsets: Map<string, IpSetState>;
  readonly policies: Map<string, ActivePolicy>;
  readonly endpoints: Map<string, LocalEndpoint>;
}

export function emptyState(): CalcState {
  return { ipsets: new Map(), policies: new Map(), endpoints: new Map() };
}

/** Applies one batch, checking the ordering contract so a broken stream fails loudly in tests. */
export function applyEvents(state: CalcState, events: readonly CalcEvent[]): CalcState {
  for (const e of events) {
    switch (e.type) {
      case 'ipsetAdded':
        if (state.ipsets.has(e.id)) throw new Error(`ipset ${e.id} added twice`);
        state.ipsets.set(e.id, { setType: e.setType, members: new Set(e.members) });
        break;
      case 'ipsetMembersChanged': {
        const s = state.ipsets.get(e.id);
        if (!s) throw new Error(`members changed on unknown ipset ${e.id}`);
        for (const m of e.removed) if (!s.members.delete(m)) throw new Error(`ipset ${e.id} had no member ${m}`);
        for (const m of e.added) {
          if (s.members.has(m)) throw new Error(`ipset ${e.id} already had ${m}`);
          s.members.add(m);
        }
        break;
      }
      case 'ipsetRemoved':
        if (!state.ipsets.delete(e.id)) throw new Error(`removed unknown ipset ${e.id}`);
        break;
      case 'policyUpdated':
        for (const id of referencedSets(e.policy)) if (!state.ipsets.has(id)) throw new Error(`policy ${e.key} references missing ipset ${id}`);
        state.policies.set(e.key, e.policy);
        break;
      case 'policyRemoved':
        if (!state.policies.delete(e.key)) throw new Error(`removed unknown policy ${e.key}`);
        break;
      case 'endpointUpdated':
        for (const k of [...e.endpoint.ingressPolicies, ...e.endpoint.egressPolicies])
          if (!state.policies.has(k)) throw new Error(`endpoint ${e.key} references missing policy ${k}`);
        state.endpoints.set(e.key, e.endpoint);
        break;
      case 'endpointRemoved':
        if (!state.endpoints.delete(e.key)) throw new Error(`removed unknown endpoint ${e.key}`);
        break;
    }
  }
  return state;
}

export function referencedSets(p: ActivePolicy): string[] {
  const out: string[] = [];
  for (const r of [...(p.ingress ?? []), ...(p.egress ?? [])]) {
    for (const s of [r.src, r.dst]) {
      for (const id of [s.setId, s.notSetId, s.netSetId, s.notNetSetId]) if (id) out.push(id);
      out.push(...(s.namedPortSetIds ?? []), ...(s.notNamedPortSetIds ?? []));
    }
  }
  return out;
}

/** A stable, comparable rendering of a state (sorted), for deep-equality checks. */
export function normalise(state: CalcState): unknown {
  const sorted = <V>(m: Map<string, V>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    ipsets: sorted(state.ipsets).map(([id, s]) => [id, s.setType, [...s.members].sort()]),
    policies: sorted(state.policies),
    endpoints: sorted(state.endpoints),
  };
}
