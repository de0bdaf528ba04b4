/**
 * What a datastore call can fail with, one class per remedy: a missing
 * object (create it / stop looking), an existing one (update instead), a
 * moved-on revision (read again, reapply), an unreachable store (check the
 * endpoint, retry later). `opIndex` is set when the failing write was one op
 * of an applyAll(), so a multi-document apply can name the document.
 */
import { ReefError } from '../lib/errors.ts';
import { describeKey, type ResourceKey } from '../model/resource.ts';

function opPrefix(opIndex: number | undefined): string {
  return opIndex === undefined ? '' : `op ${opIndex}: `;
}

export class DatastoreNotFoundError extends ReefError {
  readonly key: ResourceKey;
  readonly opIndex: number | undefined;
  constructor(key: ResourceKey, opts: { opIndex?: number } = {}) {
    super('DATASTORE_NOT_FOUND', `${opPrefix(opts.opIndex)}${describeKey(key)} does not exist`, { key, opIndex: opts.opIndex });
    this.key = key;
    this.opIndex = opts.opIndex;
  }
}

export class DatastoreAlreadyExistsError extends ReefError {
  readonly key: ResourceKey;
  readonly opIndex: number | undefined;
  constructor(key: ResourceKey, opts: { opIndex?: number; revision?: string } = {}) {
    super('DATASTORE_ALREADY_EXISTS', `${opPrefix(opts.opIndex)}${describeKey(key)} already exists`, {
      key,
      opIndex: opts.opIndex,
      revision: opts.revision,
    });
    this.key = key;
    this.opIndex = opts.opIndex;
  }
}

/** The stored object is at `actualRevision`, not the `expectedRevision` the caller read; nothing was written. */
export class DatastoreConflictError extends ReefError {
  readonly key: ResourceKey;
  readonly expectedRevision: string;
  readonly actualRevision: string | undefined;
  readonly opIndex: number | undefined;
  constructor(
    key: ResourceKey,
    expectedRevision: string,
    actualRevision: string | undefined,
    opts: { opIndex?: number; message?: string } = {},
  ) {
    super(
      'DATASTORE_CONFLICT',
      opts.message ??
        `${opPrefix(opts.opIndex)}${describeKey(key)} was modified: expected resourceVersion ${expectedRevision}, ` +
          (actualRevision === undefined ? 'but it has been deleted' : `stored is ${actualRevision}`),
      { key, expectedRevision, actualRevision, opIndex: opts.opIndex },
    );
    this.key = key;
    this.expectedRevision = expectedRevision;
    this.actualRevision = actualRevision;
    this.opIndex = opts.opIndex;
  }
}

export class DatastoreUnreachableError extends ReefError {
  readonly endpoints: readonly string[];
  constructor(endpoints: readonly string[], reason: string, options?: { cause?: unknown }) {
    super('DATASTORE_UNREACHABLE', `cannot reach datastore at ${endpoints.join(',')}: ${reason}`, { endpoints, reason }, options);
    this.endpoints = endpoints;
  }
}

/** Bad datastore configuration (unknown type, unreadable config or certificate file). */
export class DatastoreConfigError extends ReefError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('DATASTORE_CONFIG_INVALID', message, details, options);
  }
}

/** A request the backend cannot store as asked: a name that would break the key layout, one key twice in applyAll. */
export class DatastoreRequestError extends ReefError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('DATASTORE_BAD_REQUEST', message, details);
  }
}

/** The watch's resume point is older than the store's compaction (only raised where no re-list is possible). */
export class DatastoreCompactedError extends ReefError {
  constructor(revision: string, compactRevision: string) {
    super('DATASTORE_COMPACTED', `revision ${revision} has been compacted (compacted up to ${compactRevision})`, { revision, compactRevision });
  }
}
