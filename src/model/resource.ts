/**
 * The shape every stored resource shares. Kinds and field names follow
 * Calico's v3 API so existing YAML can be brought over unchanged.
 */
export const API_VERSION = 'reef.dev/v1';
export const CALICO_API_VERSION = 'projectcalico.org/v3';
/** Kubernetes' own groups, for the Kubernetes kinds reef stores (see api-groups.ts). */
export const K8S_NETWORKING_API_VERSION = 'networking.k8s.io/v1';
export const K8S_CORE_API_VERSION = 'v1';

export const KINDS = [
  'IPPool',
  'BGPConfiguration',
  'BGPPeer',
  'Node',
  'WorkloadEndpoint',
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'IPReservation',
  /** networking.k8s.io/v1 NetworkPolicy, under its own name so it cannot collide with reef's. */
  'KubernetesNetworkPolicy',
  /** v1 Namespace: its labels are what namespaceSelectors match. */
  'Namespace',
] as const;
export type Kind = (typeof KINDS)[number];

/** Kinds that live in a namespace; the rest are cluster-scoped. */
export const NAMESPACED_KINDS: ReadonlySet<Kind> = new Set<Kind>(['WorkloadEndpoint', 'NetworkPolicy', 'KubernetesNetworkPolicy']);

export interface ObjectMeta {
  name: string;
  namespace?: string;
  /** Opaque datastore revision; an update must carry the one it read (compare-and-swap). */
  resourceVersion?: string;
  uid?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Resource<K extends Kind = Kind, S = Record<string, unknown>> {
  apiVersion: string;
  kind: K;
  metadata: ObjectMeta;
  spec: S;
}

export interface ResourceKey {
  kind: Kind;
  name: string;
  namespace?: string;
}

export function keyOf(r: Pick<Resource, 'kind' | 'metadata'>): ResourceKey {
  return r.metadata.namespace === undefined
    ? { kind: r.kind, name: r.metadata.name }
    : { kind: r.kind, name: r.metadata.name, namespace: r.metadata.namespace };
}

/** `IPPool "pool-a"` or `NetworkPolicy "ns/allow-web"`, the way every message names a resource. */
export function describeKey(k: ResourceKey): string {
  return `${k.kind} "${k.namespace ? `${k.namespace}/` : ''}${k.name}"`;
}
