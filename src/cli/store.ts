/**
 * The part of the datastore the CLI uses: reads, and one all-or-nothing
 * batch of writes. A file is applied in one transaction, so a conflict on
 * its last object leaves its first one unwritten too (up to MAX_TXN_OPS
 * objects; beyond that the batch is written in chunks, and says so).
 */
import type { ApplyOp, Datastore, ListOptions, ListResult } from '../datastore/datastore.ts';
import type { Kind, Resource, ResourceKey } from '../model/index.ts';
import { DatastoreAlreadyExistsError, DatastoreConflictError, DatastoreNotFoundError } from '../datastore/errors.ts';
import { CliError, EXIT } from './errors.ts';

export type WriteOp = ApplyOp;

/** etcd's default --max-txn-ops; the backend refuses bigger transactions. */
export const MAX_TXN_OPS = 128;

export interface WritableStore {
  get(key: ResourceKey): Promise<Resource>;
  list(kind: Kind, opts?: ListOptions): Promise<ListResult>;
  writeAll(ops: readonly WriteOp[]): Promise<void>;
}

export function withWriteAll(ds: Datastore): WritableStore {
  return {
    get: (key) => ds.get(key),
    list: (kind, opts) => ds.list(kind, opts),
    writeAll: async (ops) => {
      // Beyond one transaction's limit a batch goes in chunks: checked as a whole, but not atomic against races.
      for (let i = 0; i < ops.length; i += MAX_TXN_OPS) await ds.applyAll(ops.slice(i, i + MAX_TXN_OPS));
    },
  };
}

export function isNotFound(e: unknown): e is DatastoreNotFoundError {
  return e instanceof DatastoreNotFoundError;
}

/**
 * A failed transaction, said about the object rather than the op number,
 * and saying that the rest of the batch was not written either.
 */
export function writeFailure(e: unknown, batchSize: number): unknown {
  const known =
    e instanceof DatastoreNotFoundError || e instanceof DatastoreAlreadyExistsError || e instanceof DatastoreConflictError;
  if (!known) return e;
  const what = e.message.replace(/^op \d+: /, '');
  return new CliError(batchSize > 1 ? `${what}; nothing was written` : what, EXIT.failed, e);
}
