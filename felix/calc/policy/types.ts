/**
 * The calculation's own input types (kept apart from src/model so the calc
 * does not move with the model's details) and the internal ordered policy
 * form every policy kind is converted into.
 */
import type { LabelSelector } from '../selector/k8s.ts';
import type { Selector } from '../selector/selector.ts';

// ---- inputs: endpoints and namespaces ----

export type PortProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface NamedPort {
  readonly name: string;
  readonly protocol: PortProtocol;
  readonly port: number;
}

export interface EndpointInput {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Addresses or CIDRs (`10.0.0.5` or `10.0.0.5/32`); IPv4 and IPv6 may mix. */
  readonly ips: readonly string[];
  readonly node: string;
  readonly interfaceName: string;
  readonly ports?: readonly NamedPort[];
}

export interface NamespaceInput {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export function endpointKey(e: Pick<EndpointInput, 'namespace' | 'name'>): string {
  return `${e.namespace}/${e.name}`;
}

// ---- inputs: policies ----

export type K8sProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface K8sNetworkPolicyPort {
  protocol?: K8sProtocol;
  port?: number | string;
  endPort?: number;
}

export interface K8sNetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface K8sNetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes?: ('Ingress' | 'Egress')[];
  ingress?: { from?: K8sNetworkPolicyPeer[]; ports?: K8sNetworkPolicyPort[] }[];
  egress?: { to?: K8sNetworkPolicyPeer[]; ports?: K8sNetworkPolicyPort[] }[];
}

export type RuleAction = 'Allow' | 'Deny' | 'Pass' | 'Log';

export interface IcmpMatch {
  type?: number;
  code?: number;
}

/** A port: a number, a `"first:last"` range, or a named port. */
export type PortInput = number | string;

export interface EntityRuleInput {
  selector?: string;
  notSelector?: string;
  namespaceSelector?: string;
  nets?: string[];
  notNets?: string[];
  ports?: PortInput[];
  notPorts?: PortInput[];
}

export interface RuleInput {
  action: RuleAction;
  protocol?: string | number;
  notProtocol?: string | number;
  icmp?: IcmpMatch;
  notICMP?: IcmpMatch;
  source?: EntityRuleInput;
  destination?: EntityRuleInput;
}

export interface ReefPolicySpec {
  order?: number;
  selector?: string;
  /** GlobalNetworkPolicy only: which namespaces' endpoints it applies to. */
  namespaceSelector?: string;
  types?: ('Ingress' | 'Egress')[];
  ingress?: RuleInput[];
  egress?: RuleInput[];
}

export type PolicyInput =
  | { readonly kind: 'KubernetesNetworkPolicy'; readonly namespace: string; readonly name: string; readonly spec: K8sNetworkPolicySpec }
  | { readonly kind: 'NetworkPolicy'; readonly namespace: string; readonly name: string; readonly spec: ReefPolicySpec }
  | { readonly kind: 'GlobalNetworkPolicy'; readonly name: string; readonly spec: ReefPolicySpec };

// ---- the internal ordered form ----

/** A port range (a single port has first === last) or a named port resolved per endpoint. */
export type PortSpec = { readonly first: number; readonly last: number } | { readonly name: string };

/** One side (source or destination) of a rule; every present field must match. */
export interface Side {
  readonly selector?: Selector;
  readonly notSelector?: Selector;
  /** Canonical CIDRs (host bits cleared); matches when the address is in any. */
  readonly nets?: readonly string[];
  readonly notNets?: readonly string[];
  readonly ports?: readonly PortSpec[];
  readonly notPorts?: readonly PortSpec[];
}

export interface Rule {
  readonly action: RuleAction;
  /** IANA protocol number. */
  readonly protocol?: number;
  readonly notProtocol?: number;
  readonly icmp?: IcmpMatch;
  readonly notICMP?: IcmpMatch;
  readonly src: Side;
  readonly dst: Side;
}

export type Direction = 'ingress' | 'egress';

export interface Policy {
  /** `knp:ns/name`, `np:ns/name` or `gnp:name`; unique, and the tie-breaker in ordering. */
  readonly key: string;
  /** undefined sorts after every number, as Calico's "no order" does. */
  readonly order: number | undefined;
  /** The endpoints the policy applies to, namespace scoping included. */
  readonly selector: Selector;
  /** undefined: the policy does not apply in that direction; []: it applies and allows nothing. */
  readonly ingress: readonly Rule[] | undefined;
  readonly egress: readonly Rule[] | undefined;
}

/** Calico gives Kubernetes NetworkPolicies order 1000, so reef does too. */
export const K8S_POLICY_ORDER = 1000;

/** Lower order first, no order last, then by key. */
export function comparePolicies(a: Pick<Policy, 'order' | 'key'>, b: Pick<Policy, 'order' | 'key'>): number {
  const ao = a.order ?? Number.POSITIVE_INFINITY;
  const bo = b.order ?? Number.POSITIVE_INFINITY;
  if (ao !== bo) return ao < bo ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
