/**
 * Every write (create, update, delete, applyAll) as one path: read the
 * touched keys, check each op's condition against what is stored (so a
 * failure names its op and the revision it found), then commit all ops in
 * one etcd transaction guarded by each key's mod_revision as read. If that
 * guard fails, something moved in between: read again and re-check, so an
 * op with an explicit revision ends in DatastoreConflictError and an
 * unconditional one is retried.
 *
 * Updates keep the stored uid and creationTimestamp when the caller left
 * them out (they are server-owned, as in Calico); creates fill them in.
 */
import { randomUUID } from 'node:crypto';
import type { IKeyValue, IRequestOp, ICompare, ITxnResponse } from 'etcd3';
import { describeKey, keyOf, type Resource, type ResourceKey } from '../model/resource.ts';
import type { ApplyOp } from './datastore.ts';
import { decodeResource, encodeResource, stubResource } from './codec.ts';
import { DatastoreAlreadyExistsError, DatastoreConflictError, DatastoreNotFoundError, DatastoreRequestError } from './errors.ts';
import type { EtcdConnection } from './etcd-client.ts';
import { keyPath } from './keys.ts';

/** etcd's default --max-txn-ops. */
export const MAX_TXN_OPS = 128;
const MAX_ATTEMPTS = 8;

interface Planned {
  op: ApplyOp;
  key: ResourceKey;
  path: string;
}

export async function commit(conn: EtcdConnection, ops: readonly ApplyOp[], now: () => Date = () => new Date()): Promise<Resource[]> {
  if (ops.length === 0) return [];
  if (ops.length > MAX_TXN_OPS) {
    throw new DatastoreRequestError(`${ops.length} writes in one transaction; etcd allows at most ${MAX_TXN_OPS}`, { count: ops.length });
  }
  const planned = plan(ops);
  for (let attempt = 1; ; attempt++) {
    const stored = await readAll(conn, planned);
    planned.forEach((p, i) => checkCondition(p, i, stored[i], ops.length > 1));
    const compares: ICompare[] = planned.map((p, i) => {
      const kv = stored[i];
      return kv
        ? { key: Buffer.from(p.path), target: 'Mod', result: 'Equal', mod_revision: kv.mod_revision }
        : { key: Buffer.from(p.path), target: 'Create', result: 'Equal', create_revision: 0 };
    });
    const toWrite = planned.map((p, i) => (p.op.op === 'delete' ? undefined : withServerFields(p.op.resource, stored[i], now)));
    const success: IRequestOp[] = planned.map((p, i) => {
      const r = toWrite[i];
      return r === undefined
        ? { request_delete_range: { key: Buffer.from(p.path), prev_kv: true } }
        : { request_put: { key: Buffer.from(p.path), value: encodeResource(r) } };
    });
    const res: ITxnResponse = await conn.run((c) => c.kv.txn({ compare: compares, success, failure: [] }));
    if (res.succeeded) return results(planned, stored, toWrite, res);
    if (attempt >= MAX_ATTEMPTS) {
      const first = planned[0]!;
      throw new DatastoreConflictError(first.key, stored[0]?.mod_revision ?? '0', undefined, {
        message: `${describeKey(first.key)}${planned.length > 1 ? ' and the rest of the batch' : ''}: ` +
          `gave up after ${MAX_ATTEMPTS} attempts, the stored objects kept changing between read and write`,
      });
    }
  }
}

function plan(ops: readonly ApplyOp[]): Planned[] {
  const seen = new Map<string, number>();
  return ops.map((op, i) => {
    const key = op.op === 'delete' ? op.key : keyOf(op.resource);
    const path = keyPath(key);
    const earlier = seen.get(path);
    if (earlier !== undefined) {
      throw new DatastoreRequestError(`ops ${earlier} and ${i} both write ${describeKey(key)}; one transaction can touch a key once`, {
        key,
        ops: [earlier, i],
      });
    }
    seen.set(path, i);
    return { op, key, path };
  });
}

/** One consistent read of every touched key (a transaction of ranges). */
async function readAll(conn: EtcdConnection, planned: readonly Planned[]): Promise<(IKeyValue | undefined)[]> {
  const res = await conn.run((c) =>
    c.kv.txn({ compare: [], success: planned.map((p) => ({ request_range: { key: Buffer.from(p.path) } })), failure: [] }),
  );
  return res.responses.map((r) => r.response_range.kvs[0]);
}

function checkCondition(p: Planned, index: number, kv: IKeyValue | undefined, batch: boolean): void {
  const at = batch ? { opIndex: index } : {};
  if (p.op.op === 'create') {
    if (kv) throw new DatastoreAlreadyExistsError(p.key, { ...at, revision: kv.mod_revision });
    return;
  }
  const wanted = p.op.op === 'update' ? p.op.resource.metadata.resourceVersion : p.op.revision;
  if (!kv) throw new DatastoreNotFoundError(p.key, at);
  if (wanted !== undefined && wanted !== '' && wanted !== kv.mod_revision) {
    throw new DatastoreConflictError(p.key, wanted, kv.mod_revision, at);
  }
}

function withServerFields(r: Resource, stored: IKeyValue | undefined, now: () => Date): Resource {
  const meta = { ...r.metadata };
  if (stored) {
    const old = safeDecode(stored);
    if (meta.uid === undefined && old?.metadata.uid !== undefined) meta.uid = old.metadata.uid;
    if (meta.creationTimestamp === undefined && old?.metadata.creationTimestamp !== undefined) {
      meta.creationTimestamp = old.metadata.creationTimestamp;
    }
  } else {
    meta.uid ??= randomUUID();
    meta.creationTimestamp ??= now().toISOString().replace(/\.\d+Z$/, 'Z');
  }
  return { ...r, metadata: meta };
}

function safeDecode(kv: IKeyValue): Resource | undefined {
  try {
    return decodeResource(kv.value, kv.mod_revision);
  } catch {
    return undefined;
  }
}

function results(
  planned: readonly Planned[],
  stored: readonly (IKeyValue | undefined)[],
  written: readonly (Resource | undefined)[],
  res: ITxnResponse,
): Resource[] {
  const revision = res.header.revision;
  return planned.map((p, i) => {
    const w = written[i];
    if (w !== undefined) return { ...w, metadata: { ...w.metadata, resourceVersion: revision } };
    const prev = res.responses[i]?.response_delete_range.prev_kvs[0] ?? stored[i];
    return (prev && safeDecode(prev)) ?? stubResource(p.key, prev?.mod_revision ?? revision);
  });
}
