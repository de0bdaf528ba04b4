/**
 * The calculated state -> iptables chains and ipset specs, for one address
 * family. Pure: the same state always renders the same chains and hashes.
 * The pieces (renderPolicyChain, renderEndpointChain, renderDispatchChains)
 * are exported so a writer can re-render only what an event touched.
 */
import type { CalcState } from '../graph/model.ts';
import { familyOf } from '../policy/cidr.ts';
import { renderDispatchChains, renderEndpointChain, renderForwardChain } from './endpoint-chains.ts';
import { DEFAULT_MARKS, type Marks } from './marks.ts';
import { ipsetName } from './names.ts';
import { renderPolicyChain } from './policy-chain.ts';
import type { Chain, IpSetSpec, Rendered } from './types.ts';

export interface RenderOptions {
  readonly family: 4 | 6;
  readonly marks?: Marks;
}

/** The family of an ipset member: `10.0.0.1/32` or `fd00::1,tcp:80`. */
export function memberFamily(member: string): 4 | 6 {
  const comma = member.indexOf(',');
  return familyOf(comma < 0 ? member : member.slice(0, comma));
}

export function renderIpSets(state: CalcState, family: 4 | 6): IpSetSpec[] {
  const out: IpSetSpec[] = [];
  for (const [id, s] of [...state.ipsets].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push({
      name: ipsetName(id, family),
      id,
      type: s.setType,
      family: family === 4 ? 'inet' : 'inet6',
      members: [...s.members].filter((m) => memberFamily(m) === family).sort(),
    });
  }
  return out;
}

export function renderFilter(state: CalcState, opts: RenderOptions): Chain[] {
  const marks = opts.marks ?? DEFAULT_MARKS;
  const chains: Chain[] = [renderForwardChain(), ...renderDispatchChains(state.endpoints.values())];
  for (const ep of state.endpoints.values()) {
    chains.push(renderEndpointChain(ep, 'egress', marks), renderEndpointChain(ep, 'ingress', marks));
  }
  for (const p of state.policies.values()) {
    if (p.ingress) chains.push(renderPolicyChain(p, 'ingress', { family: opts.family, marks }).build());
    if (p.egress) chains.push(renderPolicyChain(p, 'egress', { family: opts.family, marks }).build());
  }
  return chains.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function render(state: CalcState, opts: RenderOptions): Rendered {
  return { family: opts.family, tables: { filter: renderFilter(state, opts) }, ipsets: renderIpSets(state, opts.family) };
}
