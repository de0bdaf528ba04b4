/**
 * One document in, its canonical form out: the envelope (apiVersion, kind,
 * metadata) is checked here, the spec by its kind. Every problem found is
 * reported at once, each with its field path.
 */
import { z } from 'zod';
import { API_VERSION, CALICO_API_VERSION, KINDS, NAMESPACED_KINDS, describeKey, type Kind, type ObjectMeta, type Resource } from './resource.ts';
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

export const KIND_DEFS: Readonly<Record<Kind, KindDef>> = {
  IPPool: ipPoolKind,
  BGPConfiguration: bgpConfigurationKind,
  BGPPeer: bgpPeerKind,
  Node: nodeKind,
  WorkloadEndpoint: workloadEndpointKind,
  NetworkPolicy: networkPolicyKind,
  GlobalNetworkPolicy: globalNetworkPolicyKind,
};

export const API_VERSIONS: readonly string[] = [API_VERSION, CALICO_API_VERSION];
export const DEFAULT_NAMESPACE = 'default';

const ENVELOPE = ['apiVersion', 'kind', 'metadata', 'spec'];

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

function isKind(k: unknown): k is Kind {
  return typeof k === 'string' && (KINDS as readonly string[]).includes(k);
}

function nameDocument(doc: unknown, documentName: string | undefined): string {
  if (isMapping(doc) && isKind(doc.kind) && isMapping(doc.metadata) && typeof doc.metadata.name === 'string') {
    const ns = doc.metadata.namespace;
    const namespace = NAMESPACED_KINDS.has(doc.kind) ? (typeof ns === 'string' ? ns : DEFAULT_NAMESPACE) : undefined;
    return describeKey({ kind: doc.kind, name: doc.metadata.name, ...(namespace ? { namespace } : {}) });
  }
  if (documentName) return documentName;
  return isMapping(doc) && isKind(doc.kind) ? `${doc.kind} without a name` : 'document';
}

function checkKind(v: unknown): { kind?: Kind; finding?: Finding } {
  if (v === undefined) return { finding: { path: 'kind', reason: `is required (one of ${KINDS.join(', ')})` } };
  if (isKind(v)) return { kind: v };
  const guess = typeof v === 'string' ? resolveKind(v) : undefined;
  return {
    finding: {
      path: 'kind',
      reason: guess ? `${show(v)} is not a kind; did you mean ${guess}?` : `${show(v)} is not one of ${KINDS.join(', ')}`,
    },
  };
}

/**
 * Checks one parsed document (either apiVersion) and returns it in canonical
 * form: apiVersion reef.dev/v1, defaults filled in, server-owned metadata kept.
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
  for (const k of Object.keys(doc)) {
    if (!ENVELOPE.includes(k)) findings.push({ path: k, reason: unknownFieldReason(k, ENVELOPE) });
  }
  if (doc.apiVersion === undefined) {
    findings.push({ path: 'apiVersion', reason: `is required (${API_VERSIONS.join(' or ')})` });
  } else if (!API_VERSIONS.includes(doc.apiVersion as string)) {
    findings.push({ path: 'apiVersion', reason: `${show(doc.apiVersion)} is not supported; use ${API_VERSIONS.join(' or ')}` });
  }
  const { kind, finding } = checkKind(doc.kind);
  if (finding) findings.push(finding);
  if (!kind) throw new ValidationError(docName, findings);
  const def = KIND_DEFS[kind];

  let metadata: ObjectMeta | undefined;
  const rawName = isMapping(doc.metadata) && typeof doc.metadata.name === 'string' ? doc.metadata.name : undefined;
  // The name rule is checked even when other metadata is bad, so both are reported together.
  const nameWhy = rawName === undefined ? undefined : def.checkName(rawName);
  if (nameWhy) findings.push({ path: 'metadata.name', reason: nameWhy });
  const meta = parseWith(metadataSchema, doc.metadata, 'metadata');
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
  return { apiVersion: API_VERSION, kind, metadata, spec: spec.spec as Record<string, unknown> };
}
