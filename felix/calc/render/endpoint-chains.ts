/**
 * Per-endpoint chains, the dispatch chains and the entry chain.
 *
 *   reef-FORWARD: established/related accepted, invalid dropped (for workload
 *     interfaces only); then from-wl dispatch (egress of the source pod), then
 *     to-wl dispatch (ingress of the destination pod); what returns is accepted.
 *   dispatch: `-i/-o <iface> -g reef-fw/tw-<iface>` per local endpoint, then a
 *     DROP: traffic on a workload interface reef does not know fails closed.
 *   reef-fw/tw-<iface>: clear the marks; per policy in order: jump to its chain,
 *     RETURN on the accept mark, DROP on the pass mark; after the last policy
 *     DROP (default deny). With no policy in that direction the chain is
 *     empty and returns: allowed.
 *
 * Dispatch is a linear list; a tree by interface-name prefix (as Calico
 * builds) is the obvious next step when a node has hundreds of pods.
 */
import type { LocalEndpoint } from '../graph/events.ts';
import { ChainBuilder } from './args.ts';
import { allMarks, type Marks } from './marks.ts';
import { CHAIN_FORWARD, CHAIN_FROM_WL, CHAIN_TO_WL, fromWorkloadChain, policyChain, toWorkloadChain, WORKLOAD_PREFIX } from './names.ts';
import type { Action, Chain, Match } from './types.ts';

const RETURN: Action = { kind: 'RETURN' };
const DROP: Action = { kind: 'DROP' };

/** The mark tests and the clear an endpoint chain repeats, made once per marks (they are immutable). */
const verdicts = new WeakMap<Marks, { clear: Action; accepted: readonly Match[]; passed: readonly Match[] }>();

function verdictRules(marks: Marks) {
  let v = verdicts.get(marks);
  if (!v) {
    v = {
      clear: { kind: 'setMark', value: 0, mask: allMarks(marks) },
      accepted: [{ kind: 'mark', value: marks.accept, mask: marks.accept }],
      passed: [{ kind: 'mark', value: marks.pass, mask: marks.pass }],
    };
    verdicts.set(marks, v);
  }
  return v;
}

export function renderEndpointChain(ep: LocalEndpoint, dir: 'ingress' | 'egress', marks: Marks): Chain {
  // Ingress to the pod is traffic *to* the workload interface.
  const b = new ChainBuilder(dir === 'ingress' ? toWorkloadChain(ep.interfaceName) : fromWorkloadChain(ep.interfaceName));
  const policies = dir === 'ingress' ? ep.ingressPolicies : ep.egressPolicies;
  if (policies.length === 0) return b.build();
  const m = verdictRules(marks);
  b.add([], m.clear);
  for (const key of policies) {
    b.add([], { kind: 'jump', target: policyChain(key, dir) });
    b.add(m.accepted, RETURN);
    // Passed: there is no further tier, so the default deny applies.
    b.add(m.passed, DROP);
  }
  b.add([], DROP);
  return b.build();
}

function sortedByIface(endpoints: Iterable<LocalEndpoint>): LocalEndpoint[] {
  return [...endpoints].sort((a, b) => (a.interfaceName < b.interfaceName ? -1 : a.interfaceName > b.interfaceName ? 1 : 0));
}

export function renderDispatchChains(endpoints: Iterable<LocalEndpoint>): Chain[] {
  const from = new ChainBuilder(CHAIN_FROM_WL);
  const to = new ChainBuilder(CHAIN_TO_WL);
  for (const ep of sortedByIface(endpoints)) {
    from.add([{ kind: 'inIface', name: ep.interfaceName }], { kind: 'goto', target: fromWorkloadChain(ep.interfaceName) });
    to.add([{ kind: 'outIface', name: ep.interfaceName }], { kind: 'goto', target: toWorkloadChain(ep.interfaceName) });
  }
  // An unknown workload interface.
  from.add([], DROP);
  to.add([], DROP);
  return [from.build(), to.build()];
}

export function renderForwardChain(): Chain {
  const wl = `${WORKLOAD_PREFIX}+`;
  const b = new ChainBuilder(CHAIN_FORWARD);
  for (const kind of ['inIface', 'outIface'] as const) {
    b.add([{ kind, name: wl }, { kind: 'conntrack', states: ['RELATED', 'ESTABLISHED'] }], { kind: 'ACCEPT' });
  }
  for (const kind of ['inIface', 'outIface'] as const) {
    b.add([{ kind, name: wl }, { kind: 'conntrack', states: ['INVALID'] }], DROP);
  }
  // The sending workload's egress policy, then the receiving workload's ingress policy; what returns from both is allowed.
  b.add([{ kind: 'inIface', name: wl }], { kind: 'jump', target: CHAIN_FROM_WL });
  b.add([{ kind: 'outIface', name: wl }], { kind: 'jump', target: CHAIN_TO_WL });
  b.add([{ kind: 'inIface', name: wl }], { kind: 'ACCEPT' });
  b.add([{ kind: 'outIface', name: wl }], { kind: 'ACCEPT' });
  return b.build();
}
