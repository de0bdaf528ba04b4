/**
 * What every command runs with: the process streams, the global flags, and a
 * datastore opened lazily (so `validate` and `version` work without one, and
 * `--help` never dials etcd).
 *
 * Every datastore call runs under a deadline of our own: a dead endpoint must
 * give "cannot reach datastore at ..." within seconds, whatever the client
 * library's retry policy is.
 */
import type { Datastore } from '../datastore/datastore.ts';
import { DatastoreUnreachableError } from '../datastore/errors.ts';
import { UnreachableError } from './errors.ts';
import { withWriteAll, type WritableStore } from './store.ts';

export interface CliIO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Readonly<Record<string, string | undefined>>;
}

/** The global flags, as commander hands them over. */
export interface GlobalOptions {
  datastoreType?: string;
  etcdEndpoints?: string;
  config?: string;
  requestTimeout?: string;
}

export interface Connection {
  datastore: Datastore;
  /** `etcd at 127.0.0.1:2379`: for messages and `version`. */
  where: string;
  type: string;
}

/** Opens a datastore from the global flags and the environment; the CLI's only link to the backends. */
export type Connector = (opts: GlobalOptions, env: CliIO['env']) => Promise<Connection>;

export const DEFAULT_TIMEOUT_MS = 5_000;

export class Context {
  readonly io: CliIO;
  readonly options: GlobalOptions;
  private readonly connector: Connector;
  private connection: Promise<{ conn: Connection; store: WritableStore }> | undefined;
  private readonly timeoutMs: number;

  constructor(io: CliIO, options: GlobalOptions, connector: Connector) {
    this.io = io;
    this.options = options;
    this.connector = connector;
    this.timeoutMs = timeoutFrom(options, io.env);
  }

  out(text: string): void {
    if (text !== '') this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  error(line: string): void {
    this.io.stderr.write(`error: ${line}\n`);
  }

  warn(line: string): void {
    this.io.stderr.write(`warning: ${line}\n`);
  }

  /** The datastore, every call bounded by the request timeout; throws UnreachableError. */
  async store(): Promise<WritableStore> {
    return (await this.connect()).store;
  }

  async describeStore(): Promise<Connection> {
    return (await this.connect()).conn;
  }

  async close(): Promise<void> {
    const pending = this.connection;
    this.connection = undefined;
    if (!pending) return;
    try {
      const { conn } = await pending;
      // A client stuck dialling a dead endpoint may never finish closing; do not wait on it forever.
      await deadline(conn.datastore.close(), this.timeoutMs, () => undefined);
    } catch {
      // Opening failed: nothing to close.
    }
  }

  private connect(): Promise<{ conn: Connection; store: WritableStore }> {
    this.connection ??= (async () => {
      const wanted = describeWanted(this.options, this.io.env);
      const conn = await deadline(this.connector(this.options, this.io.env), this.timeoutMs, () => {
        throw new UnreachableError(wanted);
      }).catch((e: unknown) => {
        throw isUnreachable(e) ? new UnreachableError(wanted, e) : e;
      });
      return { conn, store: guard(withWriteAll(conn.datastore), this.timeoutMs, conn.where) };
    })();
    return this.connection;
  }
}

function timeoutFrom(opts: GlobalOptions, env: CliIO['env']): number {
  const raw = opts.requestTimeout ?? env.REEF_REQUEST_TIMEOUT;
  const secs = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(secs) && secs > 0 ? secs * 1000 : DEFAULT_TIMEOUT_MS;
}

/** Where we meant to connect, for when the connector itself never answers. */
function describeWanted(opts: GlobalOptions, env: CliIO['env']): string {
  return opts.etcdEndpoints ?? env.ETCD_ENDPOINTS ?? 'the configured endpoints';
}

/** Resolves as `p` does, or as `onTimeout` says once `ms` have passed; the timer never outlives it. */
export async function deadline<T>(p: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (e) {
        reject(e);
      }
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
    // The loser may still reject later; it must not become an unhandled rejection.
    p.catch(() => undefined);
  }
}

/** Wraps every method of the store so a silent endpoint becomes UnreachableError, and the backend's own unreachable error too. */
function guard(store: WritableStore, ms: number, where: string): WritableStore {
  const bound = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> =>
      deadline(fn(...a), ms, () => {
        throw new UnreachableError(where);
      }).catch((e: unknown) => {
        throw isUnreachable(e) ? new UnreachableError(where, e) : e;
      });
  return {
    get: bound(store.get.bind(store)),
    list: bound(store.list.bind(store)),
    writeAll: bound(store.writeAll.bind(store)),
  };
}

function isUnreachable(e: unknown): boolean {
  return e instanceof DatastoreUnreachableError;
}
