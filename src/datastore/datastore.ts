import type { Kind, Resource, ResourceKey } from '../model/resource.ts';

/**
 * What the programs need from a datastore. Backends: etcd v3 (etcd.ts); the
 * Kubernetes API later. Every write is validated before it reaches a backend.
 *
 * Revisions are opaque strings to callers; `update` and `delete` with a
 * revision are compare-and-swap: they fail with DatastoreConflictError when
 * the stored object has moved on, and leave it unchanged.
 */
export interface ListOptions {
  namespace?: string;
}

export interface ListResult<R extends Resource = Resource> {
  items: R[];
  /** The store revision the list was read at; watch from here to see every later change. */
  revision: string;
}

export type WatchEvent =
  | { type: 'added' | 'modified'; object: Resource; revision: string }
  | { type: 'deleted'; object: Resource; revision: string }
  /** Emitted once the watcher has caught up (after the initial list or a re-list). */
  | { type: 'synced'; revision: string };

export interface WatchOptions {
  namespace?: string;
  /** Start after this revision; without it, the watch lists first and emits every current object as `added`. */
  fromRevision?: string;
  signal?: AbortSignal;
}

export interface DeleteOptions {
  /** Only delete when the stored revision is this one. */
  revision?: string;
}

/**
 * One write of an applyAll(). Each carries its own condition: create needs
 * the key absent; update and delete need it present, and at
 * `metadata.resourceVersion` / `revision` when those are set.
 */
export type ApplyOp =
  | { op: 'create'; resource: Resource }
  | { op: 'update'; resource: Resource }
  | { op: 'delete'; key: ResourceKey; revision?: string };

export interface Datastore {
  get(key: ResourceKey): Promise<Resource>;
  list(kind: Kind, opts?: ListOptions): Promise<ListResult>;
  create(r: Resource): Promise<Resource>;
  /** Compare-and-swap on `metadata.resourceVersion` when it is set; unconditional otherwise. */
  update(r: Resource): Promise<Resource>;
  delete(key: ResourceKey, opts?: DeleteOptions): Promise<Resource>;
  /**
   * Every op in one transaction: all are written or none. When an op's
   * condition fails, throws that op's error (DatastoreAlreadyExistsError,
   * DatastoreNotFoundError, DatastoreConflictError) with `opIndex` set.
   * Resolves with one object per op, in order: the stored object for
   * create/update (all at the same new resourceVersion), the removed one for delete.
   * At most 128 ops (etcd's default --max-txn-ops); each key at most once.
   */
  applyAll(ops: readonly ApplyOp[]): Promise<Resource[]>;
  /**
   * Every create, update and delete of `kind`, in store order, each exactly once,
   * resuming by itself after a lost connection, and re-listing (with synthetic
   * events for what changed meanwhile) when its revision was compacted.
   */
  watch(kind: Kind, opts?: WatchOptions): AsyncIterable<WatchEvent>;
  close(): Promise<void>;
}
