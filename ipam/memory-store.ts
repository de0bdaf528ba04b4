/**
 * An in-memory IpamStore with etcd's revision semantics, for unit tests and
 * dry runs. `failNext` injects outages so retry paths can be tested without
 * a real datastore going away.
 */
import { IpamStoreUnavailableError } from './errors.ts';
import type { Condition, IpamStore, KV, ReadOp, TxnResult, WriteOp } from './store.ts';

export class MemoryIpamStore implements IpamStore {
  private readonly data = new Map<string, KV>();
  private rev = 1;
  private outages = 0;

  get revision(): number {
    return this.rev;
  }

  /** The next `n` calls fail as an unreachable datastore would. */
  failNext(n: number): void {
    this.outages = n;
  }

  async read(ops: readonly ReadOp[], signal?: AbortSignal): Promise<KV[][]> {
    this.enter('read', signal);
    return ops.map((op) => {
      if ('key' in op) {
        const kv = this.data.get(op.key);
        return kv ? [kv] : [];
      }
      const out = [...this.data.values()].filter((kv) => kv.key.startsWith(op.prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return op.keysOnly ? out.map((kv) => ({ ...kv, value: '' })) : out;
    });
  }

  async txn(conds: readonly Condition[], ops: readonly WriteOp[], signal?: AbortSignal): Promise<TxnResult> {
    this.enter('txn', signal);
    const ok = conds.every((c) => (this.data.get(c.key)?.modRevision ?? 0) === c.modRevision);
    if (!ok) return { succeeded: false, revision: this.rev, current: conds.map((c) => this.data.get(c.key)) };
    if (ops.length > 0) {
      this.rev++;
      for (const op of ops) {
        if (op.op === 'put') this.data.set(op.key, { key: op.key, value: op.value, modRevision: this.rev });
        else this.data.delete(op.key);
      }
    }
    return { succeeded: true, revision: this.rev, current: [] };
  }

  /** Everything stored, for assertions. */
  dump(): Map<string, string> {
    return new Map([...this.data].map(([k, v]) => [k, v.value]));
  }

  private enter(operation: string, signal?: AbortSignal): void {
    signal?.throwIfAborted();
    if (this.outages > 0) {
      this.outages--;
      throw new IpamStoreUnavailableError({ operation });
    }
  }
}
