/**
 * Every IPAM record read at one store revision: what check, GC and show
 * work from. Corrupt records are collected, not thrown, so one bad key does
 * not hide the rest of the report.
 */
import { Block } from './block.ts';
import { IpamCorruptRecordError } from './errors.ts';
import { AFFINITIES_PREFIX, BLOCKS_PREFIX, CONFIG_KEY, HANDLES_PREFIX, decodeAffinity, decodeHandle, type AffinityRecord, type HandleRecord } from './records.ts';
import type { IpamStore, KV } from './store.ts';

export interface SnapBlock {
  readonly key: string;
  readonly name: string;
  readonly block: Block;
  readonly modRevision: number;
}

export interface SnapAffinity {
  readonly key: string;
  readonly record: AffinityRecord;
  readonly modRevision: number;
}

export interface SnapHandle {
  readonly key: string;
  readonly record: HandleRecord;
  readonly modRevision: number;
}

export interface IpamSnapshot {
  readonly blocks: SnapBlock[];
  readonly affinities: SnapAffinity[];
  readonly handles: Map<string, SnapHandle>;
  readonly config: KV | undefined;
  readonly corrupt: { key: string; reason: string }[];
}

export async function loadSnapshot(store: IpamStore, signal?: AbortSignal): Promise<IpamSnapshot> {
  const [blocks, affs, handles, cfg] = await store.read(
    [{ prefix: BLOCKS_PREFIX }, { prefix: AFFINITIES_PREFIX }, { prefix: HANDLES_PREFIX }, { key: CONFIG_KEY }],
    signal,
  );
  const corrupt: { key: string; reason: string }[] = [];
  const guard = <T>(key: string, f: () => T): T | undefined => {
    try {
      return f();
    } catch (err) {
      if (err instanceof IpamCorruptRecordError) corrupt.push({ key, reason: String(err.details.reason) });
      else throw err;
      return undefined;
    }
  };
  const snap: IpamSnapshot = { blocks: [], affinities: [], handles: new Map(), config: cfg![0], corrupt };
  for (const kv of blocks!) {
    const block = guard(kv.key, () => Block.decode(kv.value, kv.key));
    if (block) snap.blocks.push({ key: kv.key, name: kv.key.slice(BLOCKS_PREFIX.length), block, modRevision: kv.modRevision });
  }
  for (const kv of affs!) {
    const record = guard(kv.key, () => decodeAffinity(kv.key, kv.value));
    if (record) snap.affinities.push({ key: kv.key, record, modRevision: kv.modRevision });
  }
  for (const kv of handles!) {
    const record = guard(kv.key, () => decodeHandle(kv.key, kv.value));
    if (record) snap.handles.set(record.handle, { key: kv.key, record, modRevision: kv.modRevision });
  }
  return snap;
}

/** Handle -> block name -> count, as the blocks themselves say. */
export function handleCountsFromBlocks(blocks: readonly SnapBlock[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const b of blocks) {
    for (const [h, n] of b.block.handleCounts()) {
      let m = out.get(h);
      if (!m) out.set(h, (m = new Map()));
      m.set(b.name, n);
    }
  }
  return out;
}
