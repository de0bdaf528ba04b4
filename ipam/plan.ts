/**
 * A planned change to several blocks and handle records, written as one
 * transaction: every block and handle compared at the revision it was read
 * at, all put (or deleted) together. Blocks and handles are never written
 * apart, so they cannot disagree after a crash; see README "crash safety".
 */
import type { Block } from './block.ts';
import { adjustHandle, decodeHandle, handleKey, handleTotal, type HandleRecord } from './records.ts';
import type { BlockSnap, IpamState } from './state.ts';
import type { Condition, IpamStore, KV, WriteOp } from './store.ts';

interface Touched {
  readonly snap: BlockSnap;
  after: Block | undefined;
}

interface HandleChange {
  readonly kv: KV | undefined;
  record: HandleRecord | undefined;
  /** Delete the record whatever its counts say (release by handle). */
  drop: boolean;
}

export type CommitResult = { ok: true; revision: number } | { ok: false; handles: Map<string, KV | undefined> };

export class Plan {
  private readonly blocks = new Map<string, Touched>();
  private readonly handles = new Map<string, HandleChange>();

  get isEmpty(): boolean {
    return this.blocks.size === 0 && [...this.handles.values()].every((h) => !h.drop && h.record === undefined);
  }

  /** The copy of a block this plan changes, made on first use. */
  working(snap: BlockSnap): Block {
    let t = this.blocks.get(snap.name);
    if (!t) {
      t = { snap, after: snap.block!.clone() };
      this.blocks.set(snap.name, t);
    }
    return t.after!;
  }

  /** The block as this plan would write it. */
  planned(name: string): Block | undefined {
    return this.blocks.get(name)?.after;
  }

  touchedBlocks(): string[] {
    return [...this.blocks.keys()];
  }

  /** Registers a handle record as read (kv undefined: absent); required before counting for it. */
  useHandle(handle: string, kv: KV | undefined): void {
    if (this.handles.has(handle)) return;
    const record = kv ? decodeHandle(kv.key, kv.value) : undefined;
    this.handles.set(handle, { kv, record, drop: false });
  }

  count(handle: string, block: string, delta: number): void {
    const h = this.handles.get(handle);
    if (!h) throw new Error(`plan: handle ${handle} was not read before counting`);
    h.record = adjustHandle(h.record, handle, block, delta);
  }

  dropHandle(handle: string): void {
    const h = this.handles.get(handle);
    if (h) h.drop = true;
  }

  async commit(store: IpamStore, state: IpamState, signal?: AbortSignal): Promise<CommitResult> {
    const blocks = [...this.blocks.values()];
    const handles = [...this.handles.entries()];
    const conds: Condition[] = [
      ...blocks.map((t) => ({ key: t.snap.key, modRevision: t.snap.modRevision })),
      ...handles.map(([h, c]) => ({ key: handleKey(h), modRevision: c.kv?.modRevision ?? 0 })),
    ];
    const ops: WriteOp[] = blocks.map((t) => (t.after ? { op: 'put', key: t.snap.key, value: t.after.encode() } : { op: 'delete', key: t.snap.key }));
    for (const [h, c] of handles) {
      const key = handleKey(h);
      if (c.drop || handleTotal(c.record) === 0) {
        if (c.kv) ops.push({ op: 'delete', key });
      } else {
        ops.push({ op: 'put', key, value: JSON.stringify(c.record) });
      }
    }
    const r = await store.txn(conds, ops, signal);
    if (r.succeeded) {
      for (const t of blocks) state.wrote(t.snap.name, t.snap.key, t.after, r.revision);
      return { ok: true, revision: r.revision };
    }
    blocks.forEach((t, i) => state.noteBlock(t.snap.key, r.current[i]));
    const fresh = new Map<string, KV | undefined>();
    handles.forEach(([h], i) => fresh.set(h, r.current[blocks.length + i]));
    return { ok: false, handles: fresh };
  }
}
