/**
 * The one retry loop of ipam. Every read-modify-write goes through it: `fn`
 * reads (or uses what the last refusal returned), plans, and writes with a
 * compare-and-swap; it returns CONFLICT when the swap was refused, and the
 * loop runs it again after a short jittered pause. An unreachable datastore
 * (IpamStoreUnavailableError) is retried too, for a bounded time, because
 * etcd restarts and leader elections last seconds, not minutes. Nothing here
 * holds a lock: concurrent writers settle by the store's revisions alone.
 */
import { IpamCasRetriesExhaustedError, IpamStoreUnavailableError } from './errors.ts';

export const CONFLICT: unique symbol = Symbol('ipam.cas-conflict');
export type Conflict = typeof CONFLICT;

export interface RetryOptions {
  operation: string;
  /** Refused swaps tolerated before giving up. */
  maxConflicts?: number;
  /** How long an unreachable datastore is waited for, in total. */
  unavailableBudgetMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export interface AttemptInfo {
  attempt: number;
  /** The previous attempt ended with an error whose outcome is unknown (its write may have landed). */
  uncertain: boolean;
}

export async function withCasRetry<T>(
  signal: AbortSignal | undefined,
  fn: (info: AttemptInfo) => Promise<T | Conflict>,
  opts: RetryOptions,
): Promise<T> {
  const maxConflicts = opts.maxConflicts ?? 200;
  const budget = opts.unavailableBudgetMs ?? 30_000;
  const sleep = opts.sleep ?? abortableSleep;
  const random = opts.random ?? Math.random;
  let conflicts = 0;
  let unavailableSince: number | undefined;
  let uncertain = false;
  let lastError: unknown;
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    let r: T | Conflict;
    try {
      r = await fn({ attempt, uncertain });
      uncertain = false;
      unavailableSince = undefined;
    } catch (err) {
      if (!(err instanceof IpamStoreUnavailableError)) throw err;
      uncertain = true;
      lastError = err;
      unavailableSince ??= Date.now();
      if (Date.now() - unavailableSince > budget) {
        throw new IpamCasRetriesExhaustedError({ operation: opts.operation, attempts: attempt + 1 }, err);
      }
      await sleep(Math.min(500, 20 * 2 ** Math.min(attempt, 5)) * (0.5 + random() / 2), signal);
      continue;
    }
    if (r !== CONFLICT) return r;
    conflicts++;
    if (conflicts >= maxConflicts) {
      throw new IpamCasRetriesExhaustedError({ operation: opts.operation, attempts: attempt + 1 }, lastError);
    }
    // The first retry is immediate: the refusal brought fresh data with it.
    if (conflicts > 1) await sleep(Math.min(50, 2 ** Math.min(conflicts, 6)) * random(), signal);
  }
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
