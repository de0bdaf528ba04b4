/**
 * From documents to a checked batch of writes, before anything is written:
 * each document on its own (validateResource), then across objects as they
 * will be once the batch lands (the store's objects with the file's own
 * replacing them, so two overlapping pools in one file are caught), then
 * against what is stored (create needs absence, replace presence, a carried
 * resourceVersion must still be current). Any problem means no writes at all.
 */
import { ValidationError, describeKey, keyOf, routeDocument, validateAgainst, validateResource } from '../model/index.ts';
import { DEFAULT_NAMESPACE, NAMESPACED_KINDS, type Kind, type Resource, type ResourceKey } from '../model/index.ts';
import { describeDocument, type SourceDocument } from './documents.ts';
import { errorLines, validationLines } from './errors.ts';
import type { WritableStore, WriteOp } from './store.ts';

export type Mode = 'apply' | 'create' | 'replace' | 'validate';
export type Outcome = 'created' | 'configured' | 'unchanged' | 'replaced' | 'valid';

export interface PlannedDocument {
  doc: SourceDocument;
  resource: Resource;
  outcome: Outcome;
}

export interface Plan {
  documents: PlannedDocument[];
  ops: WriteOp[];
  /** One line per problem; the batch must not be written unless this is empty. */
  problems: string[];
}

export interface PlanOptions {
  mode: Mode;
  /** Without a store (validate with the datastore down), only the documents themselves are checked. */
  store: WritableStore | undefined;
  /** `-n`: the namespace for namespaced documents that name none. */
  namespace?: string;
}

export async function planDocuments(docs: readonly SourceDocument[], opts: PlanOptions): Promise<Plan> {
  const problems: string[] = [];
  const valid: { doc: SourceDocument; resource: Resource }[] = [];
  for (const doc of docs) {
    const name = describeDocument(doc);
    try {
      const body = withNamespace(doc.body, opts.namespace);
      valid.push({ doc, resource: validateResource(body, name) });
    } catch (e) {
      problems.push(...(e instanceof ValidationError ? validationLines(e) : errorLines(e).map((l) => `${name}: ${l}`)));
    }
  }
  problems.push(...duplicates(valid));

  const stored = new Map<string, Resource>();
  const byKind = new Map<Kind, Resource[]>();
  if (opts.store) {
    for (const kind of new Set(valid.map((v) => v.resource.kind))) {
      const items = (await opts.store.list(kind)).items;
      byKind.set(kind, items);
      for (const r of items) stored.set(keyString(keyOf(r)), r);
    }
  }

  for (const { resource } of valid) {
    const own = keyString(keyOf(resource));
    const fromFile = valid.filter((v) => v.resource.kind === resource.kind).map((v) => v.resource);
    const fileKeys = new Set(fromFile.map((r) => keyString(keyOf(r))));
    const others = [...(byKind.get(resource.kind) ?? []).filter((r) => !fileKeys.has(keyString(keyOf(r)))), ...fromFile].filter(
      (r) => keyString(keyOf(r)) !== own,
    );
    for (const f of validateAgainst(resource, others)) {
      problems.push(`${describeKey(keyOf(resource))}: ${f.path ? `${f.path}: ` : ''}${f.reason}`);
    }
  }

  const documents: PlannedDocument[] = [];
  const ops: WriteOp[] = [];
  for (const { doc, resource } of valid) {
    const current = stored.get(keyString(keyOf(resource)));
    const step = decide(opts.mode, resource, current, opts.store !== undefined);
    if (typeof step === 'string') {
      problems.push(step);
      continue;
    }
    documents.push({ doc, resource: step.resource, outcome: step.outcome });
    if (step.op) ops.push(step.op);
  }
  return { documents, ops, problems };
}

type Step = { outcome: Outcome; resource: Resource; op?: WriteOp } | string;

function decide(mode: Mode, r: Resource, current: Resource | undefined, haveStore: boolean): Step {
  const name = describeKey(keyOf(r));
  if (mode === 'validate' || !haveStore) return { outcome: 'valid', resource: r };
  if (current === undefined) {
    if (mode === 'replace') return `${name} does not exist`;
    const fresh = withoutServerFields(r);
    return { outcome: 'created', resource: fresh, op: { op: 'create', resource: fresh } };
  }
  if (mode === 'create') return `${name} already exists`;
  const carried = r.metadata.resourceVersion;
  if (carried !== undefined && carried !== current.metadata.resourceVersion) {
    return `${name} was modified since resourceVersion ${carried} (it is at ${current.metadata.resourceVersion}); get it again and retry`;
  }
  const next: Resource = {
    ...r,
    metadata: {
      ...r.metadata,
      uid: current.metadata.uid,
      creationTimestamp: current.metadata.creationTimestamp,
      resourceVersion: current.metadata.resourceVersion,
    },
  };
  if (mode === 'apply' && sameContent(next, current)) return { outcome: 'unchanged', resource: current };
  return { outcome: mode === 'apply' ? 'configured' : 'replaced', resource: next, op: { op: 'update', resource: next } };
}

function duplicates(valid: readonly { doc: SourceDocument; resource: Resource }[]): string[] {
  const seen = new Map<string, SourceDocument>();
  const out: string[] = [];
  for (const { doc, resource } of valid) {
    const k = keyString(keyOf(resource));
    const first = seen.get(k);
    if (first) out.push(`${describeKey(keyOf(resource))}: appears twice, in ${describeDocument(first)} and ${describeDocument(doc)}`);
    else seen.set(k, doc);
  }
  return out;
}

/** Fills in `-n` (or `default`) for namespaced kinds, as calicoctl does; a clash with `-n` is left for the caller to see. */
function withNamespace(body: unknown, namespace: string | undefined): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const o = body as Record<string, unknown>;
  const kind = routeDocument(o.apiVersion, o.kind);
  if (kind === undefined || !NAMESPACED_KINDS.has(kind)) return body;
  const meta = typeof o.metadata === 'object' && o.metadata !== null ? (o.metadata as Record<string, unknown>) : undefined;
  if (meta === undefined) return body;
  if (meta.namespace === undefined) return { ...o, metadata: { ...meta, namespace: namespace ?? DEFAULT_NAMESPACE } };
  if (namespace !== undefined && meta.namespace !== namespace) {
    throw new Error(`metadata.namespace: "${String(meta.namespace)}" does not match the namespace "${namespace}" given with -n`);
  }
  return body;
}

function withoutServerFields(r: Resource): Resource {
  const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ts, ...metadata } = r.metadata;
  return { ...r, metadata };
}

function sameContent(a: Resource, b: Resource): boolean {
  return (
    canonicalJson(a.spec) === canonicalJson(b.spec) &&
    canonicalJson(a.metadata.labels ?? {}) === canonicalJson(b.metadata.labels ?? {}) &&
    canonicalJson(a.metadata.annotations ?? {}) === canonicalJson(b.metadata.annotations ?? {})
  );
}

/** JSON with object keys sorted, so equal content compares equal whatever the key order. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    typeof val === 'object' && val !== null && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : val,
  );
}

export function keyString(k: ResourceKey): string {
  return `${k.kind}/${k.namespace ?? ''}/${k.name}`;
}
