/**
 * The etcd v3 backend of Datastore. Layout and value format: keys.ts,
 * codec.ts and docs/datastore.md. Writes: etcd-writes.ts (one guarded
 * transaction per call). Watches: etcd-watch.ts (our own resume loop over
 * the raw Watch stream). Every call goes through EtcdConnection, which
 * bounds it in time and turns connection failures into
 * DatastoreUnreachableError.
 */
import type { Kind, Resource, ResourceKey } from '../model/resource.ts';
import type { ApplyOp, Datastore, DeleteOptions, ListOptions, ListResult, WatchEvent, WatchOptions } from './datastore.ts';
import { DatastoreNotFoundError } from './errors.ts';
import { EtcdConnection, type EtcdClientConfig } from './etcd-client.ts';
import { decodeKv, listKind } from './etcd-list.ts';
import { watchKind } from './etcd-watch.ts';
import { commit } from './etcd-writes.ts';
import { keyPath } from './keys.ts';

export class EtcdDatastore implements Datastore {
  private readonly conn: EtcdConnection;
  /** Aborts every open watch on close(), so none outlives the client. */
  private readonly closing = new AbortController();
  private closed = false;

  constructor(cfg: EtcdClientConfig) {
    this.conn = new EtcdConnection(cfg);
  }

  get endpoints(): readonly string[] {
    return this.conn.endpoints;
  }

  async get(key: ResourceKey): Promise<Resource> {
    const res = await this.conn.run((c) => c.kv.range({ key: Buffer.from(keyPath(key)) }));
    const kv = res.kvs[0];
    const r = kv && decodeKv(kv);
    if (!r) throw new DatastoreNotFoundError(key);
    return r;
  }

  async list(kind: Kind, opts: ListOptions = {}): Promise<ListResult> {
    return listKind(this.conn, kind, opts.namespace);
  }

  async create(r: Resource): Promise<Resource> {
    const [out] = await commit(this.conn, [{ op: 'create', resource: r }]);
    return out!;
  }

  async update(r: Resource): Promise<Resource> {
    const [out] = await commit(this.conn, [{ op: 'update', resource: r }]);
    return out!;
  }

  async delete(key: ResourceKey, opts: DeleteOptions = {}): Promise<Resource> {
    const op: ApplyOp = opts.revision === undefined ? { op: 'delete', key } : { op: 'delete', key, revision: opts.revision };
    const [out] = await commit(this.conn, [op]);
    return out!;
  }

  applyAll(ops: readonly ApplyOp[]): Promise<Resource[]> {
    return commit(this.conn, ops);
  }

  watch(kind: Kind, opts: WatchOptions = {}): AsyncIterable<WatchEvent> {
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.closing.signal]) : this.closing.signal;
    return watchKind(this.conn, kind, { ...opts, signal });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    this.conn.close();
  }
}
