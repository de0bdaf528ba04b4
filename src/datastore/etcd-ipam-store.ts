/**
 * IpamStore on etcd v3: each call is one gRPC request (a Txn), so the
 * allocator's round-trip accounting holds on the wire. Reads go as a Txn of
 * Range ops with no comparisons, which etcd serves at a single revision.
 * A refused Txn carries Range ops for its compared keys in the failure
 * branch, so the caller gets fresh data in the same round trip.
 */
import type { Etcd3 } from 'etcd3';
import { GRPCGenericError, ClientClosedError } from 'etcd3';
import { IpamStoreUnavailableError } from '../../ipam/errors.ts';
import type { Condition, IpamStore, KV, ReadOp, TxnResult, WriteOp } from '../../ipam/store.ts';

export interface EtcdIpamStoreOptions {
  /** Deadline per request; past it the call fails as unavailable (and its outcome is unknown). */
  requestTimeoutMs?: number;
}

interface RawKV {
  key: Buffer;
  value: Buffer;
  mod_revision: string;
}

export class EtcdIpamStore implements IpamStore {
  private readonly client: Etcd3;
  private readonly timeoutMs: number;

  constructor(client: Etcd3, opts: EtcdIpamStoreOptions = {}) {
    this.client = client;
    this.timeoutMs = opts.requestTimeoutMs ?? 5_000;
  }

  async read(ops: readonly ReadOp[], signal?: AbortSignal): Promise<KV[][]> {
    if (ops.length === 0) return [];
    const res = await this.call('read', signal, () =>
      this.client.kv.txn({ compare: [], success: ops.map((op) => ({ request_range: rangeOf(op) })), failure: [] }, { deadline: this.deadline() }),
    );
    return res.responses.map((r, i) => {
      const kvs = (r.response_range?.kvs ?? []) as unknown as RawKV[];
      const keysOnly = 'prefix' in ops[i]! && ops[i]!.keysOnly === true;
      return kvs.map((kv) => toKV(kv, keysOnly));
    });
  }

  async txn(conds: readonly Condition[], ops: readonly WriteOp[], signal?: AbortSignal): Promise<TxnResult> {
    const res = await this.call('txn', signal, () =>
      this.client.kv.txn(
        {
          compare: conds.map((c) => ({ key: Buffer.from(c.key), target: 'Mod', result: 'Equal', mod_revision: c.modRevision })),
          success: ops.map((op) =>
            op.op === 'put'
              ? { request_put: { key: Buffer.from(op.key), value: Buffer.from(op.value) } }
              : { request_delete_range: { key: Buffer.from(op.key) } },
          ),
          failure: conds.map((c) => ({ request_range: { key: Buffer.from(c.key) } })),
        },
        { deadline: this.deadline() },
      ),
    );
    const revision = Number(res.header.revision);
    if (res.succeeded) return { succeeded: true, revision, current: [] };
    const current = res.responses.map((r) => {
      const kv = (r.response_range?.kvs ?? [])[0] as unknown as RawKV | undefined;
      return kv ? toKV(kv, false) : undefined;
    });
    return { succeeded: false, revision, current };
  }

  private deadline(): Date {
    return new Date(Date.now() + this.timeoutMs);
  }

  private async call<T>(operation: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    signal?.throwIfAborted();
    try {
      return await fn();
    } catch (err) {
      // Every gRPC failure (unavailable, deadline, no leader) is a datastore we
      // cannot reach right now; the caller's retry loop decides how long to wait.
      if (err instanceof GRPCGenericError || err instanceof ClientClosedError) throw new IpamStoreUnavailableError({ operation }, err);
      throw err;
    }
  }
}

function rangeOf(op: ReadOp): { key: Buffer; range_end?: Buffer; keys_only?: boolean } {
  if ('key' in op) return { key: Buffer.from(op.key) };
  return { key: Buffer.from(op.prefix), range_end: prefixEnd(Buffer.from(op.prefix)), keys_only: op.keysOnly === true };
}

/** The smallest key greater than every key with this prefix, as etcd's clientv3.GetPrefixRangeEnd. */
function prefixEnd(p: Buffer): Buffer {
  const end = Buffer.from(p);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

function toKV(kv: RawKV, keysOnly: boolean): KV {
  return { key: kv.key.toString('utf8'), value: keysOnly ? '' : kv.value.toString('utf8'), modRevision: Number(kv.mod_revision) };
}
