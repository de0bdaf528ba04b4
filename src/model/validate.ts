/**
 * One document in, its canonical form out: the envelope (apiVersion, kind,
 * metadata) is checked here, the spec by its kind. Every problem found is
 * reported at once, each with its field path.
 */
import { z } from 'zod';
import { KINDS, NAMESPACED_KINDS, describeKey, type Kind, type ObjectMeta, type Resource } from './resource.ts';
import { ALL_API_VERSIONS, KUBERNETES_KINDS, apiVersionsOf, canonicalApiVersion, kindsSpelt, routeDocument } from './api-groups.ts';
import { type Finding, ValidationError, show } from './findings.ts';
import { labelName, str, stringMap } from './fields.ts';
import { parseWith, unknownFieldReason } from './schema.ts';
import { resolveKind } from './aliases.ts';
import type { KindDef } from './kinds/kind.ts';
import { ipPoolKind } from './kinds/ippool.ts';
import { bgpConfigurationKind } from './kinds/bgpconfiguration.ts';
import { bgpPeerKind } from './kinds/bgppeer.ts';
import { nodeKind } from './kinds/node.ts';
import { workloadEndpointKind } from './kinds/workloadendpoint.ts';
import { networkPolicyKind } from './kinds/networkpolicy.ts';
import { globalNetworkPolicyKind } from './kinds/globalnetworkpolicy.ts';
import { kubernetesNetworkPolicyKind } from './kinds/kubernetesnetworkpolicy.ts';
import { namespaceKind } from './kinds/namespace.ts';
import { ipReservationKind } from './kinds/ipreservation.ts';

export const KIND_DEFS: Readonly<Record<Kind, KindDef>> = {
  IPPool: ipPoolKind,
  BGPConfiguration: bgpConfigurationKind,
  BGPPeer: bgpPeerKind,
  Node: nodeKind,
  WorkloadEndpoint: workloadEndpointKind,
  NetworkPolicy: networkPolicyKind,
  GlobalNetworkPolicy: globalNetworkPolicyKind,
  KubernetesNetworkPolicy: kubernetesNetworkPolicyKind,
  Namespace: namespaceKind,
  IPReservation: ipReservationKind,
};

export const API_VERSIONS: readonly string[] = ALL_API_VERSIONS;
export const DEFAULT_NAMESPACE = 'default';

const ENVELOPE = ['apiVersion', 'kind', 'metadata', 'spec'];
/** What the API server adds to Kubernetes' own kinds; accepted (kubectl prints it) and dropped. */
const K8S_SERVER_FIELDS = ['status'];
const K8S_SERVER_METADATA = ['generation', 'managedFields', 'selfLink'];

const metadataSchema = z.strictObject({
  name: str,
  namespace: labelName.optional(),
  resourceVersion: str.optional(),
  uid: str.optional(),
  creationTimestamp: str.optional(),
  labels: stringMap('label').optional(),
  annotations: stringMap('annotation').optional(),
});

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** YAML's `key: ~` (or an empty value) means "not set", as it does for Kubernetes. */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (!isMapping(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, dropNulls(x)]));
}

/** The stored kind a document means: by (apiVersion, kind), else by its kind alone (reef's first). */
function kindOfDocument(doc: Record<string, unknown>): Kind | undefined {
  return routeDocument(doc.apiVersion, doc.kind) ?? kindsSpelt(doc.kind)[0];
}

function nameDocument(doc: unknown, documentName: string | undefined): string {
  const kind = isMapping(doc) ? kindOfDocument(doc) : undefined;
  if (isMapping(doc) && kind && isMapping(doc.metadata) && typeof doc.metadata.name === 'string') {
    const ns = doc.metadata.namespace;
    const namespace = NAMESPACED_KINDS.has(kind) ? (typeof ns === 'string' ? ns : DEFAULT_NAMESPACE) : undefined;
    return describeKey({ kind, name: doc.metadata.name, ...(namespace ? { namespace } : {}) });
  }
  if (documentName) return documentName;
  return kind ? `${kind} without a name` : 'document';
}

/** Routes the document by (apiVersion, kind); a known kind under the wrong apiVersion is still checked as that kind. */
function checkKind(doc: Record<string, unknown>): { kind?: Kind; findings: Finding[] } {
  const v = doc.kind;
  const findings: Finding[] = [];
  const routed = routeDocument(doc.apiVersion, v);
  if (routed) return { kind: routed, findings };
  const candidates = kindsSpelt(v);
  const versions = candidates.length > 0
    ? candidates.map((k) => apiVersionsOf(k).join(' or ') + (candidates.length > 1 ? ` (${k})` : '')).join(', or ')
    : API_VERSIONS.join(' or ');
  if (doc.apiVersion === undefined) findings.push({ path: 'apiVersion', reason: `is required (${versions})` });
  else if (candidates.length > 0 || !API_VERSIONS.includes(doc.apiVersion as string)) {
    const forKind = candidates.length > 0 ? ` for ${String(v)}` : '';
    findings.push({ path: 'apiVersion', reason: `${show(doc.apiVersion)} is not supported${forKind}; use ${versions}` });
  }
  if (candidates.length > 0) return { kind: candidates[0], findings };
  if (v === undefined) {
    findings.push({ path: 'kind', reason: `is required (one of ${KINDS.join(', ')})` });
    return { findings };
  }
  const guess = typeof v === 'string' ? resolveKind(v) : undefined;
  findings.push({
    path: 'kind',
    reason: guess ? `${show(v)} is not a kind; did you mean ${guess}?` : `${show(v)} is not one of ${KINDS.join(', ')}`,
  });
  return { findings };
}

/**
 * Checks one parsed document and returns it in canonical form: routed by
 * (apiVersion, kind) (api-groups.ts), apiVersion reef.dev/v1 for reef's kinds
 * and the Kubernetes one for Kubernetes' kinds, defaults filled in,
 * server-owned metadata kept (a Kubernetes kind's `status`, `generation` and
 * `managedFields` are dropped).
 * Throws ValidationError naming every bad field.
 */
export function validateResource(input: unknown, documentName?: string): Resource {
  const doc = dropNulls(input);
  const docName = nameDocument(doc, documentName);
  if (!isMapping(doc)) {
    throw new ValidationError(docName, [
      { path: '', reason: `expected a mapping with apiVersion, kind, metadata and spec, got ${show(input)}` },
    ]);
  }
  const findings: Finding[] = [];
  const { kind, findings: kindFindings } = checkKind(doc);
  const kubernetes = kind !== undefined && KUBERNETES_KINDS.has(kind);
  for (const k of Object.keys(doc)) {
    if (!ENVELOPE.includes(k) && !(kubernetes && K8S_SERVER_FIELDS.includes(k))) findings.push({ path: k, reason: unknownFieldReason(k, ENVELOPE) });
  }
  findings.push(...kindFindings);
  if (!kind) throw new ValidationError(docName, findings);
  const def = KIND_DEFS[kind];
  const rawMeta = kubernetes && isMapping(doc.metadata)
    ? Object.fromEntries(Object.entries(doc.metadata).filter(([k]) => !K8S_SERVER_METADATA.includes(k)))
    : doc.metadata;

  let metadata: ObjectMeta | undefined;
  const rawName = isMapping(doc.metadata) && typeof doc.metadata.name === 'string' ? doc.metadata.name : undefined;
  // The name rule is checked even when other metadata is bad, so both are reported together.
  const nameWhy = rawName === undefined ? undefined : def.checkName(rawName);
  if (nameWhy) findings.push({ path: 'metadata.name', reason: nameWhy });
  const meta = parseWith(metadataSchema, rawMeta, 'metadata');
  if (!meta.ok) findings.push(...meta.findings);
  else {
    metadata = meta.value;
    if (NAMESPACED_KINDS.has(kind)) metadata = { ...metadata, namespace: metadata.namespace ?? DEFAULT_NAMESPACE };
    else if (metadata.namespace !== undefined) {
      findings.push({ path: 'metadata.namespace', reason: `${show(metadata.namespace)}: ${kind} is cluster-wide and has no namespace; remove it` });
    }
  }

  const spec = def.normalise(doc.spec, metadata ?? { name: rawName ?? '' });
  findings.push(...spec.findings);
  if (findings.length > 0 || !metadata) throw new ValidationError(docName, findings);
  return { apiVersion: canonicalApiVersion(kind), kind, metadata, spec: spec.spec as Record<string, unknown> };
}
