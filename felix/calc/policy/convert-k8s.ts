/**
 * Kubernetes networking.k8s.io/v1 NetworkPolicy into the internal form, as
 * Kubernetes defines it:
 *
 * - policyTypes, when absent: Ingress always, Egress when `egress` has rules.
 * - A direction in policyTypes with no rules (`ingress: []` or absent)
 *   isolates the pods and allows nothing; `ingress: [{}]` allows everything.
 * - Within a rule, peers are ORed and ports are ORed; peer x port pairs are
 *   ANDed. Rules are ORed. No peers = any source; no ports = any protocol.
 * - A peer's podSelector alone: pods in the policy's namespace;
 *   namespaceSelector alone: every pod in the matching namespaces;
 *   both in one peer: AND. ipBlock: cidr minus except.
 * - A port's protocol defaults to TCP; `endPort` makes a range; a named port
 *   is resolved against the destination pod (the selected pod for ingress,
 *   the peer for egress) by the dataplane's named-port ipsets.
 *
 * Every rule becomes one or more Allow rules; the policy's order is 1000.
 * Traffic from a pod to itself is always allowed; that is the evaluator's
 * business (decide.ts), not a rule's.
 */
import { and } from '../selector/ast.ts';
import { fromLabelSelector, LabelSelectorError, type LabelSelector } from '../selector/k8s.ts';
import { memoSelector, type Selector } from '../selector/selector.ts';
import { Converter, policyKey } from './convert-reef.ts';
import { PROTO } from './protocols.ts';
import { inNamespace, namespaceScope } from './scope.ts';
import {
  K8S_POLICY_ORDER,
  type K8sNetworkPolicyPeer,
  type K8sNetworkPolicyPort,
  type Policy,
  type PolicyInput,
  type PortSpec,
  type Rule,
  type Side,
} from './types.ts';

type K8sPolicy = Extract<PolicyInput, { kind: 'KubernetesNetworkPolicy' }>;

/** Ports grouped by protocol; `ports: undefined` means every port of that protocol. */
interface ProtoGroup {
  protocol: number;
  ports: PortSpec[] | undefined;
}

function label<T>(c: Converter, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof LabelSelectorError) return c.fail(String(e.details.path), String(e.details.reason), e);
    throw e;
  }
}

function peerSide(c: Converter, p: K8sNetworkPolicyPeer, namespace: string, path: string): Side {
  if (p.ipBlock) {
    if (p.podSelector || p.namespaceSelector) c.fail(path, 'ipBlock cannot be combined with podSelector or namespaceSelector');
    const nets = c.nets([p.ipBlock.cidr], `${path}.ipBlock.cidr`)!;
    const except = c.nets(p.ipBlock.except, `${path}.ipBlock.except`);
    return except ? { nets, notNets: except } : { nets };
  }
  if (!p.podSelector && !p.namespaceSelector) c.fail(path, 'a peer needs podSelector, namespaceSelector or ipBlock');
  const pk = labelSelectorKey(p.podSelector);
  const nk = p.namespaceSelector ? labelSelectorKey(p.namespaceSelector) : `ns${namespace.length}:${namespace}`;
  const key = pk === undefined || nk === undefined ? undefined : `k8s-peer ${nk.length}:${nk}${pk}`;
  const selector = label(c, () =>
    memoSelector(key, () => {
      const pods = fromLabelSelector(p.podSelector, `${path}.podSelector`);
      const scope = p.namespaceSelector ? namespaceScope(fromLabelSelector(p.namespaceSelector, `${path}.namespaceSelector`)) : inNamespace(namespace);
      return and(scope, pods);
    }),
  );
  return { selector };
}

/**
 * A string that determines fromLabelSelector's result (the memoSelector key
 * for selectors built from it); undefined for input that cannot be keyed
 * (a non-string where strings belong), which is then built every time.
 * Every string is length-prefixed and every list counted, so the key is
 * injective: equal keys mean equal inputs.
 */
export function labelSelectorKey(ls: LabelSelector | undefined): string | undefined {
  if (ls === undefined) return 'u';
  const ml = ls.matchLabels;
  const names = ml === undefined ? [] : Object.keys(ml);
  let k = `L${names.length}`;
  for (const name of names) {
    const v = ml![name];
    if (typeof v !== 'string') return undefined;
    k += `|${name.length}:${name}${v.length}:${v}`;
  }
  const exprs = ls.matchExpressions ?? [];
  k += `E${exprs.length}`;
  for (const e of exprs) {
    if (typeof e.key !== 'string' || typeof e.operator !== 'string') return undefined;
    k += `|${e.key.length}:${e.key}${e.operator.length}:${e.operator}`;
    if (e.values === undefined) k += 'V';
    else {
      k += `[${e.values.length}`;
      for (const v of e.values) {
        if (typeof v !== 'string') return undefined;
        k += `|${v.length}:${v}`;
      }
    }
  }
  return k;
}

function protoGroups(c: Converter, ports: K8sNetworkPolicyPort[], path: string): ProtoGroup[] {
  const groups = new Map<number, PortSpec[] | undefined>();
  ports.forEach((p, i) => {
    const at = `${path}[${i}]`;
    const name = p.protocol ?? 'TCP';
    const protocol = PROTO[name as keyof typeof PROTO];
    if (name !== 'TCP' && name !== 'UDP' && name !== 'SCTP') c.fail(`${at}.protocol`, `${JSON.stringify(name)} is not TCP, UDP or SCTP`);
    let spec: PortSpec | undefined;
    if (p.port !== undefined) {
      spec = c.port(p.port, `${at}.port`);
      if (p.endPort !== undefined) {
        if (!('first' in spec)) c.fail(`${at}.endPort`, 'endPort needs a numeric port');
        if (p.endPort < spec.first || p.endPort > 65535) c.fail(`${at}.endPort`, `endPort ${p.endPort} is below port ${spec.first} or above 65535`);
        spec = { first: spec.first, last: p.endPort };
      }
    } else if (p.endPort !== undefined) {
      c.fail(`${at}.endPort`, 'endPort needs port');
    }
    const had = groups.has(protocol) ? groups.get(protocol) : [];
    // An entry without a port opens the whole protocol, whatever else is listed.
    groups.set(protocol, spec === undefined || had === undefined ? undefined : [...had, spec]);
  });
  return [...groups].map(([protocol, list]) => ({ protocol, ports: list }));
}

function rules(
  c: Converter,
  list: { peers?: K8sNetworkPolicyPeer[]; ports?: K8sNetworkPolicyPort[] }[],
  namespace: string,
  dir: 'ingress' | 'egress',
): Rule[] {
  const out: Rule[] = [];
  list.forEach((r, i) => {
    const base = `spec.${dir}[${i}]`;
    const peerField = dir === 'ingress' ? 'from' : 'to';
    const peers: (Side | undefined)[] =
      r.peers && r.peers.length > 0 ? r.peers.map((p, j) => peerSide(c, p, namespace, `${base}.${peerField}[${j}]`)) : [undefined];
    const groups: (ProtoGroup | undefined)[] = r.ports && r.ports.length > 0 ? protoGroups(c, r.ports, `${base}.ports`) : [undefined];
    for (const peer of peers) {
      for (const g of groups) {
        const portSide: Side = g?.ports ? { ports: g.ports } : {};
        const peerPart = peer ?? {};
        const rule: { -readonly [K in keyof Rule]: Rule[K] } =
          dir === 'ingress'
            ? { action: 'Allow', src: peerPart, dst: portSide }
            : { action: 'Allow', src: {}, dst: { ...peerPart, ...portSide } };
        if (g) rule.protocol = g.protocol;
        out.push(rule);
      }
    }
  });
  return out;
}

export function convertK8sPolicy(p: K8sPolicy): Policy {
  const key = policyKey(p);
  const c = new Converter(key);
  const spec = p.spec;
  const types = spec.policyTypes && spec.policyTypes.length > 0 ? spec.policyTypes : (spec.egress?.length ?? 0) > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  const pk = labelSelectorKey(spec.podSelector);
  const selector: Selector = label(c, () =>
    memoSelector(pk === undefined ? undefined : `k8s-applies ${p.namespace.length}:${p.namespace}${pk}`, () =>
      and(inNamespace(p.namespace), fromLabelSelector(spec.podSelector, 'spec.podSelector')),
    ),
  );
  return {
    key,
    order: K8S_POLICY_ORDER,
    selector,
    ingress: types.includes('Ingress')
      ? rules(c, (spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })), p.namespace, 'ingress')
      : undefined,
    egress: types.includes('Egress')
      ? rules(c, (spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports })), p.namespace, 'egress')
      : undefined,
  };
}
