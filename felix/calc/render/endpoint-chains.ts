/**
 * Per-endpoint chains, the dispatch chains and the entry chain.
 *
 *   reef-FORWARD: established/related accepted, invalid dropped (for workload
 *     interfaces only); then from-wl dispatch (egress of the source pod), then
 *     to-wl dispatch (ingress of the destination pod); what returns is accepted.
 *   dispatch: `-i/-o <iface> -g reef-fw/tw-<iface>` per local endpoint, then a
 *     DROP: traffic on a workload interface reef does not know fails closed.
 *     Past DISPATCH_FANOUT interfaces the chain becomes a tree, as Calico
 *     builds it: `-i reef<c>+ -g reef-from-wl-dispatch-<c>` per next character
 *     of the interface names, and so on down, each chain ending in the DROP,
 *     so a packet meets a few dozen rules instead of one per pod.
 *   reef-fw/tw-<iface>: clear the marks; per policy in order: jump to its chain,
 *     RETURN on the accept mark, DROP on the pass mark; after the last policy
 *     DROP (default deny). With no policy in that direction the chain is
 *     empty and returns: allowed.
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

/** Interfaces one dispatch chain tests before it is split by the next character of their names. */
export const DISPATCH_FANOUT = 16;
/** Name characters after the workload prefix a subtree's chain name can carry (`reef-from-wl-dispatch-` + 6 = 28). */
const MAX_PREFIX = 6;

/** The from-wl and to-wl dispatch chains (each root, then its subtree), for these local endpoints. */
export function renderDispatchChains(endpoints: Iterable<LocalEndpoint>): Chain[] {
  const sorted = sortedByIface(endpoints);
  return [...dispatchTree(CHAIN_FROM_WL, 'inIface', fromWorkloadChain, sorted), ...dispatchTree(CHAIN_TO_WL, 'outIface', toWorkloadChain, sorted)];
}

/**
 * Splits `list` on the first name character (from `at` on) where the names
 * differ, so names sharing a long prefix add no levels; undefined when there
 * is no such character within the chain-name budget (the list stays flat).
 */
function split(list: readonly LocalEndpoint[], at: number): { direct: LocalEndpoint[]; groups: Map<string, LocalEndpoint[]> } | undefined {
  for (let i = at; i < WORKLOAD_PREFIX.length + MAX_PREFIX; i++) {
    const direct: LocalEndpoint[] = [];
    const groups = new Map<string, LocalEndpoint[]>();
    for (const ep of list) {
      // A name that ends here (not one reef's CNI makes) is tested by name.
      if (ep.interfaceName.length <= i + 1) direct.push(ep);
      else {
        const prefix = ep.interfaceName.slice(0, i + 1);
        let g = groups.get(prefix);
        if (!g) groups.set(prefix, (g = []));
        g.push(ep);
      }
    }
    if (groups.size > 1 || direct.length > 0) return { direct, groups };
  }
  return undefined;
}

function dispatchTree(root: string, kind: 'inIface' | 'outIface', target: (iface: string) => string, endpoints: readonly LocalEndpoint[]): Chain[] {
  const chains: Chain[] = [];
  const build = (name: string, list: readonly LocalEndpoint[], at: number): void => {
    const b = new ChainBuilder(name);
    const direct = (ep: LocalEndpoint) => b.add([{ kind, name: ep.interfaceName }], { kind: 'goto', target: target(ep.interfaceName) });
    const parts = list.length > DISPATCH_FANOUT ? split(list, at) : undefined;
    const children: [string, LocalEndpoint[], number][] = [];
    if (parts === undefined) list.forEach(direct);
    else {
      parts.direct.forEach(direct);
      for (const [prefix, group] of parts.groups) {
        const child = `${root}-${prefix.slice(WORKLOAD_PREFIX.length)}`;
        b.add([{ kind, name: `${prefix}+` }], { kind: 'goto', target: child });
        children.push([child, group, prefix.length]);
      }
    }
    // An unknown workload interface.
    b.add([], DROP);
    chains.push(b.build());
    for (const [child, group, next] of children) build(child, group, next);
  };
  build(root, endpoints, WORKLOAD_PREFIX.length);
  return chains;
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
