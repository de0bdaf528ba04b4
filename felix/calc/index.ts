/**
 * felix/calc — the pure policy calculation of reef's policy agent. No I/O,
 * no kernel: everything here is unit-tested without root.
 *
 * Pieces, in data-flow order:
 *
 *   selector/  Calico's selector language and Kubernetes LabelSelectors, both
 *              parsed into one canonical AST, compiled to closures, named by a
 *              stable id (`s:<hash>` of the canonical text).
 *   policy/    Input types (EndpointInput, NamespaceInput, PolicyInput: Kubernetes
 *              NetworkPolicy, reef NetworkPolicy, GlobalNetworkPolicy), their
 *              conversion into one internal ordered Policy form, and decide(): the
 *              reference evaluator for a packet (egress of the source, then
 *              ingress of the destination). decide() is the oracle for all the rest.
 *   graph/     CalcGraph: the incremental calculation for one node. Update calls
 *              (upsert/remove endpoint, namespace, policy) emit one batch of
 *              CalcEvents each: ipsets added/changed/removed, active policies'
 *              resolved rules, local endpoints' ordered policy lists. The
 *              ordering contract is in graph/events.ts.
 *   render/    Pure functions from the calculated state (CalcState, the fold of
 *              the events) to iptables chains and ipset specs as data, with
 *              hashed rule comments, per address family.
 *
 * Who calls whom: the agent (felix/agent.ts, later) feeds CalcGraph from the
 * datastore watch; the dataplane writer (felix/dataplane) listens to CalcGraph,
 * keeps a CalcState with applyEvents(), renders it, and diffs against what is
 * installed. calc never imports dataplane, bgp, ipam or the datastore.
 *
 * Semantics in one paragraph (details in policy/decide.ts): the policies that
 * select an endpoint and have a direction are evaluated lower order first (no
 * order last, ties by key; Kubernetes policies have order 1000); within a
 * policy, the first matching Allow or Deny decides, Log logs and continues,
 * Pass ends policy evaluation. reef has one tier and no profiles, so after
 * Pass, as after the last policy, the default applies: deny if any policy
 * selected the endpoint in that direction, allow if none did.
 */
export * as selector from './selector/index.ts';
export * as policy from './policy/index.ts';
export * as graph from './graph/index.ts';
export * as render from './render/index.ts';
