/**
 * Watching one kind, exactly once, across reconnects and compaction.
 *
 * We do not use the etcd3 package's Watcher: after a reconnect it resumes
 * from the revision in the *creation* response's header (the store's current
 * revision, not the last event delivered), and it advances on every
 * response's header revision; both skip events a lagging watcher has not
 * yet received, and a compaction just cancels it. Instead:
 *
 * - `next` is the first revision not yet delivered; it moves past a
 *   revision only once every event of it has been yielded, and past a
 *   progress notification's header revision (etcd sends those only to
 *   watchers that have caught up).
 * - A lost stream is reopened from `next` with backoff, so nothing is
 *   delivered twice or skipped.
 * - `seen` is what the consumer has been told (key -> object). When etcd has
 *   compacted past `next`, a fresh list is diffed against it into synthetic
 *   deleted/added/modified events (at the list's revision), then 'synced'.
 *
 * Failing to set up (the first list or stream) throws to the consumer; after
 * that the loop retries until its signal aborts.
 */
import type { IEvent, IKeyValue } from 'etcd3';
import { childLogger } from '../lib/log.ts';
import type { Kind, Resource } from '../model/resource.ts';
import type { WatchEvent, WatchOptions } from './datastore.ts';
import { stubResource } from './codec.ts';
import { DatastoreCompactedError } from './errors.ts';
import { DEFAULT_CALL_TIMEOUT_MS, type EtcdConnection } from './etcd-client.ts';
import { decodeKv, rangeAll } from './etcd-list.ts';
import { WatchStream } from './etcd-watch-stream.ts';
import { kindPrefix, parseKeyPath } from './keys.ts';

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 2_000;

export async function* watchKind(
  conn: EtcdConnection,
  kind: Kind,
  opts: WatchOptions & { signal: AbortSignal },
): AsyncGenerator<WatchEvent, void, undefined> {
  const { signal } = opts;
  const prefix = kindPrefix(kind, opts.namespace);
  const log = childLogger({ component: 'datastore-watch', kind, ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}) });
  const seen = new Map<string, Resource>();
  let next: bigint;

  if (opts.fromRevision === undefined) {
    const list = await rangeAll(conn, prefix);
    if (signal.aborted) return;
    for (const kv of list.kvs) {
      const r = decodeKv(kv);
      if (!r) continue;
      seen.set(kv.key.toString('utf8'), r);
      yield { type: 'added', object: r, revision: list.revision };
    }
    yield { type: 'synced', revision: list.revision };
    next = BigInt(list.revision) + 1n;
  } else {
    // What the consumer holds is the list at fromRevision; read it back so a
    // later compaction can be diffed against it.
    const from = opts.fromRevision;
    const base = await rangeAll(conn, prefix, from).catch((err: unknown) => {
      if (isCompactedError(err)) throw new DatastoreCompactedError(from, 'unknown');
      throw err;
    });
    for (const kv of base.kvs) {
      const r = decodeKv(kv);
      if (r) seen.set(kv.key.toString('utf8'), r);
    }
    next = BigInt(from) + 1n;
  }

  let established = false;
  let backoff = BACKOFF_MIN_MS;
  while (!signal.aborted) {
    const stream = new WatchStream(conn, prefix, next.toString(), signal);
    try {
      let item = await stream.open(DEFAULT_CALL_TIMEOUT_MS);
      if (item === null) {
        established = true;
        backoff = BACKOFF_MIN_MS;
        item = await stream.next();
      }
      for (; item.type === 'response'; item = await stream.next()) {
        const res = item.response;
        if (res.events.length === 0) {
          // Progress notification: everything up to the header revision has been sent.
          const rev = BigInt(res.header.revision);
          if (rev >= next) next = rev + 1n;
          continue;
        }
        for (const ev of res.events) {
          const out = toEvent(kind, ev, seen);
          const path = ev.kv.key.toString('utf8');
          if (out?.type === 'deleted') seen.delete(path);
          else if (out) seen.set(path, out.object);
          if (out) yield out;
        }
        // Past a revision only once all of its events are out (one response never splits a revision).
        next = BigInt(res.events[res.events.length - 1]!.kv.mod_revision) + 1n;
      }
      if (item.type === 'aborted') return;
      if (item.type === 'compacted') {
        log.info('watch revision compacted, re-listing', { revision: next.toString(), compactRevision: item.compactRevision });
        const list = await relist(conn, prefix, seen, signal);
        if (!list) return;
        for (const ev of list.events) yield ev;
        yield { type: 'synced', revision: list.revision };
        next = BigInt(list.revision) + 1n;
        continue;
      }
      if (!established) throw item.error;
      log.warn('watch connection lost, resuming', { revision: next.toString(), error: String(item.error) });
    } catch (err) {
      if (!established || signal.aborted) {
        if (signal.aborted) return;
        throw err;
      }
      log.warn('watch re-list failed, retrying', { error: String(err) });
    } finally {
      stream.close();
    }
    if (!(await sleep(backoff, signal))) return;
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
  }
}

type ChangeEvent = Exclude<WatchEvent, { type: 'synced' }>;

function toEvent(kind: Kind, ev: IEvent, seen: ReadonlyMap<string, Resource>): ChangeEvent | undefined {
  const path = ev.kv.key.toString('utf8');
  const revision = ev.kv.mod_revision;
  if (ev.type === 'Delete') {
    const prev = ev.prev_kv && ev.prev_kv.key?.length ? decodeKv(ev.prev_kv) : undefined;
    const key = parseKeyPath(kind, path);
    const object = prev ?? seen.get(path) ?? (key ? stubResource(key, revision) : undefined);
    return object ? { type: 'deleted', object, revision } : undefined;
  }
  const object = decodeKv(ev.kv);
  if (!object) return undefined;
  const known = seen.has(path) || ev.kv.create_revision !== ev.kv.mod_revision;
  return { type: known ? 'modified' : 'added', object, revision };
}

/** The events that turn `seen` into the current list, applied to `seen`; undefined when aborted. */
async function relist(
  conn: EtcdConnection,
  prefix: string,
  seen: Map<string, Resource>,
  signal: AbortSignal,
): Promise<{ events: WatchEvent[]; revision: string } | undefined> {
  const list = await rangeAll(conn, prefix);
  if (signal.aborted) return undefined;
  const current = new Map<string, Resource>();
  for (const kv of list.kvs as IKeyValue[]) {
    const r = decodeKv(kv);
    if (r) current.set(kv.key.toString('utf8'), r);
  }
  const events: WatchEvent[] = [];
  const revision = list.revision;
  // Deletions first: a consumer keeping an index by IP or name sees the old owner leave before a new one arrives.
  for (const [path, old] of seen) {
    if (!current.has(path)) events.push({ type: 'deleted', object: old, revision });
  }
  for (const [path, r] of current) {
    const old = seen.get(path);
    if (!old) events.push({ type: 'added', object: r, revision });
    else if (old.metadata.resourceVersion !== r.metadata.resourceVersion) events.push({ type: 'modified', object: r, revision });
  }
  seen.clear();
  for (const [path, r] of current) seen.set(path, r);
  return { events, revision };
}

function isCompactedError(err: unknown): boolean {
  return err instanceof Error && /compacted/.test(err.message);
}

/** Resolves true after `ms`, or false at once when the signal aborts; leaves no timer behind. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
