/**
 * This node's IPAM blocks, as BGP advertises them: the confirmed affinities
 * under /reef/v1/ipam/affinities/<node>/ (a pending one is a claim in
 * progress and owns nothing yet), with each block's usage for the status
 * socket. One read of the affinities and their blocks per poll; the caller
 * polls (every second by default), which costs one small etcd range read and
 * needs no watch resume logic.
 */
import { Block } from '../../ipam/block.ts';
import { formatCidr } from '../../ipam/ip.ts';
import { BLOCKS_PREFIX, cidrOfBlockName, decodeAffinity, nodeAffinitiesPrefix } from '../../ipam/records.ts';
import type { IpamStore } from '../../ipam/store.ts';

export interface NodeBlock {
  readonly cidr: string;
  /** Addresses handed out (gateway reservations included); -1 when the block record is missing or unreadable. */
  readonly inUse: number;
  readonly size: number;
}

export async function readNodeBlocks(store: IpamStore, node: string, signal?: AbortSignal): Promise<NodeBlock[]> {
  const [affs] = await store.read([{ prefix: nodeAffinitiesPrefix(node) }], signal);
  const names: string[] = [];
  for (const kv of affs!) {
    try {
      const a = decodeAffinity(kv.key, kv.value);
      if (a.state === 'confirmed' && a.node === node) names.push(a.block);
    } catch {
      // A corrupt record is `reefctl ipam check`'s to report; it is not advertised.
    }
  }
  if (names.length === 0) return [];
  const blocks = await store.read(names.map((n) => ({ key: `${BLOCKS_PREFIX}${n}` })), signal);
  return names
    .map((name, i) => {
      const cidr = formatCidr(cidrOfBlockName(name));
      const kv = blocks[i]![0];
      if (kv === undefined) return { cidr, inUse: -1, size: 0 };
      try {
        const b = Block.decode(kv.value, kv.key);
        return { cidr, inUse: b.inUse, size: b.size };
      } catch {
        return { cidr, inUse: -1, size: 0 };
      }
    })
    .sort((a, b) => a.cidr.localeCompare(b.cidr));
}
