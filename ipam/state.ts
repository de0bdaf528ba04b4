/**
 * What an allocator remembers between calls: the last block contents it saw
 * (with their revisions) and, per node, the blocks affine to it. Every write
 * is a compare-and-swap against these revisions, so a stale entry costs one
 * refused swap (whose reply carries the fresh data), never a wrong answer.
 * This is what keeps an allocation from a block the node already holds at
 * one round trip, two when another writer got there first.
 */
import { Block } from './block.ts';
import { type IpamConfig } from './config.ts';
import { BLOCKS_PREFIX, cidrOfBlockName, decodeAffinity, type AffinityRecord } from './records.ts';
import type { KV } from './store.ts';

export interface BlockSnap {
  readonly name: string;
  readonly key: string;
  /** undefined: the block does not exist (at modRevision 0). */
  readonly block: Block | undefined;
  readonly modRevision: number;
}

export interface NodeView {
  /** Confirmed affinities: the blocks this node allocates from first. */
  readonly confirmed: string[];
  /**
   * Pending affinities: a claim in flight (by another allocator of this node)
   * or left by a crash. Never allocated from; a fresh one is waited on.
   */
  readonly pending: readonly PendingAffinity[];
  /** Every affinity key, pending ones too: what counts against maxBlocksPerHost. */
  readonly held: number;
  readonly config: IpamConfig;
}

export interface PendingAffinity {
  readonly block: string;
  /** When the claimer wrote it (its wall clock, ms). */
  readonly since: number;
}

export class IpamState {
  private readonly blocks = new Map<string, BlockSnap>();
  private readonly views = new Map<string, NodeView>();

  block(name: string): BlockSnap | undefined {
    return this.blocks.get(name);
  }

  /** Records what the store returned for a block key (kv undefined: absent). */
  noteBlock(key: string, kv: KV | undefined): BlockSnap {
    const name = key.slice(BLOCKS_PREFIX.length);
    const snap: BlockSnap = kv
      ? { name, key, block: Block.decode(kv.value, key), modRevision: kv.modRevision }
      : { name, key, block: undefined, modRevision: 0 };
    this.blocks.set(name, snap);
    return snap;
  }

  /** After our own successful write: the block as we wrote it, at the new revision. */
  wrote(name: string, key: string, block: Block | undefined, revision: number): void {
    this.blocks.set(name, block ? { name, key, block, modRevision: revision } : { name, key, block: undefined, modRevision: 0 });
  }

  view(node: string): NodeView | undefined {
    return this.views.get(node);
  }

  setView(node: string, affinities: readonly KV[], config: IpamConfig): NodeView {
    const confirmed: string[] = [];
    const pending: PendingAffinity[] = [];
    for (const kv of affinities) {
      const a: AffinityRecord = decodeAffinity(kv.key, kv.value);
      if (a.state === 'confirmed') confirmed.push(a.block);
      else pending.push({ block: a.block, since: a.since });
    }
    confirmed.sort(byAddress);
    const v: NodeView = { confirmed, pending, held: affinities.length, config };
    this.views.set(node, v);
    return v;
  }

  /**
   * After this allocator claimed `name` for `node`: the node's view with it.
   * Starts from `base` (the caller's view) when a concurrent call of the same
   * allocator forgot the node's view meanwhile.
   */
  addConfirmed(node: string, name: string, base: NodeView): NodeView {
    const v = this.views.get(node) ?? base;
    if (v.confirmed.includes(name)) return v;
    const wasPending = v.pending.some((a) => a.block === name);
    const next: NodeView = {
      ...v,
      confirmed: [...v.confirmed, name].sort(byAddress),
      pending: v.pending.filter((a) => a.block !== name),
      held: wasPending ? v.held : v.held + 1,
    };
    this.views.set(node, next);
    return next;
  }

  forgetView(node: string): void {
    this.views.delete(node);
  }
}

/** Blocks in address order, so a node fills its lowest block first and its last block is a stable choice. */
export function byAddress(a: string, b: string): number {
  const ca = cidrOfBlockName(a);
  const cb = cidrOfBlockName(b);
  if (ca.family !== cb.family) return ca.family - cb.family;
  return ca.base < cb.base ? -1 : ca.base > cb.base ? 1 : 0;
}
