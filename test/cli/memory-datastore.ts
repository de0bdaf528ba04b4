/**
 * A Datastore in a Map, for pure tests of the CLI: revisions count up like
 * etcd's, updates and deletes with a revision are compare-and-swap, and the
 * typed errors are the backend's own.
 */
import type { ApplyOp, Datastore, DeleteOptions, ListOptions, ListResult, WatchEvent } from '../../src/datastore/datastore.ts';
import { DatastoreAlreadyExistsError, DatastoreConflictError, DatastoreNotFoundError } from '../../src/datastore/errors.ts';
import { keyOf, type Kind, type Resource, type ResourceKey } from '../../src/model/index.ts';

function k(key: ResourceKey): string {
  return `${key.kind}/${key.namespace ?? ''}/${key.name}`;
}

export class MemoryDatastore implements Datastore {
  private readonly objects = new Map<string, Resource>();
  private revision = 1;
  /** Every write call, for asserting that nothing was written. */
  writes = 0;
  closed = false;
  transactions = 0;

  async get(key: ResourceKey): Promise<Resource> {
    const r = this.objects.get(k(key));
    if (!r) throw new DatastoreNotFoundError(key);
    return structuredClone(r);
  }

  async list(kind: Kind, opts: ListOptions = {}): Promise<ListResult> {
    const items = [...this.objects.values()].filter(
      (r) => r.kind === kind && (opts.namespace === undefined || r.metadata.namespace === opts.namespace),
    );
    return { items: structuredClone(items), revision: String(this.revision) };
  }

  async create(r: Resource): Promise<Resource> {
    this.writes++;
    const key = keyOf(r);
    if (this.objects.has(k(key))) throw new DatastoreAlreadyExistsError(key);
    return this.store(r, { uid: `uid-${this.revision + 1}`, creationTimestamp: '2026-01-01T00:00:00Z' });
  }

  async update(r: Resource): Promise<Resource> {
    this.writes++;
    const key = keyOf(r);
    const cur = this.objects.get(k(key));
    if (!cur) throw new DatastoreNotFoundError(key);
    const expected = r.metadata.resourceVersion;
    if (expected !== undefined && expected !== cur.metadata.resourceVersion) {
      throw new DatastoreConflictError(key, expected, cur.metadata.resourceVersion);
    }
    return this.store(r, { uid: cur.metadata.uid, creationTimestamp: cur.metadata.creationTimestamp });
  }

  async delete(key: ResourceKey, opts: DeleteOptions = {}): Promise<Resource> {
    this.writes++;
    const cur = this.objects.get(k(key));
    if (!cur) throw new DatastoreNotFoundError(key);
    if (opts.revision !== undefined && opts.revision !== cur.metadata.resourceVersion) {
      throw new DatastoreConflictError(key, opts.revision, cur.metadata.resourceVersion);
    }
    this.objects.delete(k(key));
    this.revision++;
    return cur;
  }

  /** All or nothing: the ops run against a copy that replaces the real map only when every one succeeded. */
  async applyAll(ops: readonly ApplyOp[]): Promise<Resource[]> {
    const saved = { objects: new Map(this.objects), revision: this.revision, writes: this.writes };
    const out: Resource[] = [];
    try {
      for (const [i, op] of ops.entries()) {
        try {
          if (op.op === 'create') out.push(await this.create(op.resource));
          else if (op.op === 'update') out.push(await this.update(op.resource));
          else out.push(await this.delete(op.key, op.revision === undefined ? {} : { revision: op.revision }));
        } catch (e) {
          throw withOpIndex(e, i);
        }
      }
    } catch (e) {
      this.objects.clear();
      for (const [key, r] of saved.objects) this.objects.set(key, r);
      this.revision = saved.revision;
      this.writes = saved.writes;
      throw e;
    }
    this.transactions++;
    return out;
  }

  // The CLI never watches.
  // eslint-disable-next-line require-yield
  async *watch(): AsyncIterable<WatchEvent> {
    throw new Error('MemoryDatastore: watch is not implemented');
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Everything stored, sorted, for before/after comparisons. */
  snapshot(): Resource[] {
    return [...this.objects.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => structuredClone(r));
  }

  /** Seeds an object without counting a write. */
  seed(r: Resource): Resource {
    return this.store(r, { uid: `uid-${this.revision + 1}`, creationTimestamp: '2026-01-01T00:00:00Z' });
  }

  private store(r: Resource, meta: { uid?: string; creationTimestamp?: string }): Resource {
    this.revision++;
    const stored = structuredClone({ ...r, metadata: { ...r.metadata, ...meta, resourceVersion: String(this.revision) } });
    this.objects.set(k(keyOf(r)), stored);
    return structuredClone(stored);
  }
}

function withOpIndex(e: unknown, opIndex: number): unknown {
  if (e instanceof DatastoreNotFoundError) return new DatastoreNotFoundError(e.key, { opIndex });
  if (e instanceof DatastoreAlreadyExistsError) return new DatastoreAlreadyExistsError(e.key, { opIndex });
  if (e instanceof DatastoreConflictError) return new DatastoreConflictError(e.key, e.expectedRevision, e.actualRevision, { opIndex });
  return e;
}
