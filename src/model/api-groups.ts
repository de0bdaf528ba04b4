/**
 * Which (apiVersion, kind) pairs a document may carry, and how each stored
 * kind is printed again.
 *
 *   reef.dev/v1 or projectcalico.org/v3  IPPool ... GlobalNetworkPolicy  -> same kind, printed as reef.dev/v1
 *   networking.k8s.io/v1 NetworkPolicy                                   -> KubernetesNetworkPolicy
 *   v1 Namespace                                                         -> Namespace
 *
 * A document is routed by the pair, never by the kind alone: `NetworkPolicy`
 * is reef's (Calico's ordered form) under reef.dev/v1 or projectcalico.org/v3
 * and Kubernetes' under networking.k8s.io/v1. Kubernetes' own kinds keep
 * their Kubernetes apiVersion in canonical form and their Kubernetes kind in
 * documents (`toDocument`), so `reefctl get -o yaml` feeds kubectl and back.
 * Inside reef (keys, aliases, messages, the datastore's values) the kind is
 * the internal name, `KubernetesNetworkPolicy`, which a document may use too.
 */
import {
  API_VERSION,
  CALICO_API_VERSION,
  K8S_CORE_API_VERSION,
  K8S_NETWORKING_API_VERSION,
  KINDS,
  type Kind,
  type ObjectMeta,
  type Resource,
} from './resource.ts';

interface KindApi {
  /** Accepted in documents; the first is the canonical one. */
  readonly apiVersions: readonly string[];
  /** The kind as documents spell it. */
  readonly documentKind: string;
}

const REEF: readonly string[] = [API_VERSION, CALICO_API_VERSION];

const KUBERNETES: Partial<Record<Kind, KindApi>> = {
  KubernetesNetworkPolicy: { apiVersions: [K8S_NETWORKING_API_VERSION], documentKind: 'NetworkPolicy' },
  Namespace: { apiVersions: [K8S_CORE_API_VERSION], documentKind: 'Namespace' },
};

/** Kinds that are Kubernetes' own: no reef CRD (the Kubernetes API serves them), Kubernetes spelling in documents. */
export const KUBERNETES_KINDS: ReadonlySet<Kind> = new Set(KINDS.filter((k) => KUBERNETES[k] !== undefined));

function api(kind: Kind): KindApi {
  return KUBERNETES[kind] ?? { apiVersions: REEF, documentKind: kind };
}

export function apiVersionsOf(kind: Kind): readonly string[] {
  return api(kind).apiVersions;
}

export function canonicalApiVersion(kind: Kind): string {
  return api(kind).apiVersions[0]!;
}

/** `NetworkPolicy` for KubernetesNetworkPolicy; every other kind is spelt as it is named. */
export function documentKindOf(kind: Kind): string {
  return api(kind).documentKind;
}

/** Every apiVersion any kind accepts, for messages. */
export const ALL_API_VERSIONS: readonly string[] = [...new Set(KINDS.flatMap((k) => api(k).apiVersions))];

/** The stored kind a document's (apiVersion, kind) pair names, or undefined. */
export function routeDocument(apiVersion: unknown, kind: unknown): Kind | undefined {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  return KINDS.find((k) => api(k).apiVersions.includes(apiVersion) && (api(k).documentKind === kind || k === kind));
}

/** Kinds a document's `kind` may mean, whatever its apiVersion (reef's kind first). */
export function kindsSpelt(kind: unknown): Kind[] {
  return KINDS.filter((k) => k === kind || api(k).documentKind === kind);
}

/** `apiVersion: networking.k8s.io/v1` and `kind: NetworkPolicy` for a KubernetesNetworkPolicy: how it is printed. */
export interface ResourceDocument {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Record<string, unknown>;
}

export function toDocument(r: Resource): ResourceDocument {
  return { ...r, apiVersion: KUBERNETES[r.kind] ? canonicalApiVersion(r.kind) : r.apiVersion, kind: documentKindOf(r.kind) };
}

/** The wrapper `get -o yaml` prints for several objects of one kind. */
export function listDocument(kind: Kind, items: readonly Resource[], metadata: Record<string, unknown>): Record<string, unknown> {
  const docs = items.map(toDocument);
  // kubectl reads `v1 List` for any kind; a reef kind keeps calicoctl's `<Kind>List`.
  if (KUBERNETES_KINDS.has(kind)) return { apiVersion: K8S_CORE_API_VERSION, kind: 'List', metadata, items: docs };
  return { apiVersion: API_VERSION, kind: `${kind}List`, metadata, items: docs };
}
