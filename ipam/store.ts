/**
 * The compare-and-swap store IPAM needs, and nothing more. Every method call
 * is one round trip to the datastore, which is what lets tests count round
 * trips by wrapping a store (countingStore).
 *
 * Revisions are etcd's: a key's modRevision is the store revision of its last
 * write, 0 when the key does not exist. A Condition holds when the key's
 * current modRevision equals the one given, so modRevision 0 means "create
 * only if absent".
 */
export interface KV {
  readonly key: string;
  readonly value: string;
  readonly modRevision: number;
}

export interface Condition {
  readonly key: string;
  readonly modRevision: number;
}

export type WriteOp =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string };

export type ReadOp = { readonly key: string } | { readonly prefix: string; readonly keysOnly?: boolean };

export interface TxnResult {
  readonly succeeded: boolean;
  /** The store revision after the transaction (or at which it was refused). */
  readonly revision: number;
  /**
   * When refused: the current state of every condition's key, in the order of
   * the conditions (undefined when absent), read in the same round trip so a
   * retry starts from fresh data without another read.
   */
  readonly current: ReadonlyArray<KV | undefined>;
}

export interface IpamStore {
  /** Several reads at one revision, in one round trip; one result list per op (keysOnly results carry value ''). */
  read(ops: readonly ReadOp[], signal?: AbortSignal): Promise<KV[][]>;
  /** All of `ops` if every condition holds, none otherwise. */
  txn(conds: readonly Condition[], ops: readonly WriteOp[], signal?: AbortSignal): Promise<TxnResult>;
}

export async function getKey(store: IpamStore, key: string, signal?: AbortSignal): Promise<KV | undefined> {
  const [r] = await store.read([{ key }], signal);
  return r![0];
}

export async function listPrefix(store: IpamStore, prefix: string, signal?: AbortSignal, keysOnly = false): Promise<KV[]> {
  const [r] = await store.read([{ prefix, keysOnly }], signal);
  return r!;
}

export interface RoundTripCounter {
  reads: number;
  txns: number;
  readonly total: number;
  reset(): void;
}

/** Wraps a store and counts its round trips; for tests and the benchmark. */
export function countingStore(inner: IpamStore): { store: IpamStore; counter: RoundTripCounter } {
  const counter: RoundTripCounter = {
    reads: 0,
    txns: 0,
    get total() {
      return this.reads + this.txns;
    },
    reset() {
      this.reads = 0;
      this.txns = 0;
    },
  };
  const store: IpamStore = {
    read(ops, signal) {
      counter.reads++;
      return inner.read(ops, signal);
    },
    txn(conds, ops, signal) {
      counter.txns++;
      return inner.txn(conds, ops, signal);
    },
  };
  return { store, counter };
}
