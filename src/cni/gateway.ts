/**
 * In `subnet: block` mode a pod's interface gets its block's prefix length
 * and the block's first usable address as gateway, which the bridge plugin
 * puts on the node's bridge. The allocator knows nothing of gateways, so
 * reef-ipam keeps a block's special addresses (network, gateway and, for
 * IPv4, broadcast) away from pods by holding them under one handle per
 * block, `reef-gateway.<block name>`:
 *
 * - after every allocation, the plugin reserves the specials of the blocks
 *   it took from; an address it got that turns out to be special is moved to
 *   the reservation and replaced. Each ADD checks its own addresses after
 *   they were committed, so no pod keeps a special address however ADDs
 *   interleave.
 * - on DEL, a block left holding nothing but its reservation gives it back
 *   in one compare-and-swap, so housekeeping can free the empty block.
 *   Losing that swap means someone else is using the block: it is left as is.
 *
 * `reefctl ipam check` counts a reservation as in use while its block holds
 * other addresses.
 */
import { Block } from '../../ipam/block.ts';
import { IpamAddressInReservationError, IpamAddressInUseError } from '../../ipam/errors.ts';
import type { IpamAllocator } from '../../ipam/allocator.ts';
import { BLOCKS_PREFIX, blockKey, cidrOfBlockName, handleKey } from '../../ipam/records.ts';
import type { IpamStore } from '../../ipam/store.ts';

export const GATEWAY_HANDLE_PREFIX = 'reef-gateway.';

export const gatewayHandle = (blockName: string): string => `${GATEWAY_HANDLE_PREFIX}${blockName}`;

export function isGatewayHandle(handle: string): boolean {
  return handle.startsWith(GATEWAY_HANDLE_PREFIX);
}

/** Network and gateway (and broadcast for IPv4): never a pod's. */
export function specialOrdinals(block: Block): number[] {
  return block.cidr.family === 4 ? [0, 1, block.size - 1] : [0, 1];
}

export function gatewayOf(block: Block): string {
  return block.addressOf(1);
}

export async function readBlock(store: IpamStore, name: string, signal?: AbortSignal): Promise<{ block: Block; modRevision: number } | undefined> {
  const key = `${BLOCKS_PREFIX}${name}`;
  const [r] = await store.read([{ key }], signal);
  const kv = r![0];
  return kv ? { block: Block.decode(kv.value, key), modRevision: kv.modRevision } : undefined;
}

/**
 * Reserves the block's specials for its gateway handle; returns the
 * addresses `own` held among them, now moved to the reservation, which the
 * caller must replace.
 */
export async function reserveSpecials(
  allocator: IpamAllocator,
  store: IpamStore,
  blockName: string,
  own: string,
  node: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const got = await readBlock(store, blockName, signal);
  if (!got) return [];
  const { block } = got;
  const gw = gatewayHandle(blockName);
  const moved: string[] = [];
  for (const o of specialOrdinals(block)) {
    const holder = block.holderOf(o)?.handle;
    const address = block.addressOf(o);
    if (holder === gw) continue;
    // Another pod's address: that pod's own ADD moves it.
    if (holder !== undefined && holder !== own) continue;
    if (holder === own) {
      await allocator.releaseIPs([address], signal);
      moved.push(address);
    }
    try {
      await allocator.assignIP(address, gw, node, { reservedFor: 'bridge-gateway' }, signal);
    } catch (err) {
      // Taken between our read and our write by another pod; its ADD moves it.
      // Inside an IPReservation: no pod is handed it anyway.
      if (!(err instanceof IpamAddressInUseError) && !(err instanceof IpamAddressInReservationError)) throw err;
    }
  }
  return moved;
}

/** Gives back a block's reservation when nothing else is left in it; false when the block is still in use or changed meanwhile. */
export async function releaseLoneReservation(store: IpamStore, blockName: string, now: number, signal?: AbortSignal): Promise<boolean> {
  const gw = gatewayHandle(blockName);
  const bKey = blockKey(cidrOfBlockName(blockName));
  const hKey = handleKey(gw);
  const [b, h] = await store.read([{ key: bKey }, { key: hKey }], signal);
  const bkv = b![0];
  if (!bkv) return false;
  const block = Block.decode(bkv.value, bKey);
  const counts = block.handleCounts();
  if (!counts.has(gw) || counts.size !== 1) return false;
  block.releaseHandle(gw, now);
  const r = await store.txn(
    [
      { key: bKey, modRevision: bkv.modRevision },
      { key: hKey, modRevision: h![0]?.modRevision ?? 0 },
    ],
    [{ op: 'put', key: bKey, value: block.encode() }, ...(h![0] ? [{ op: 'delete' as const, key: hKey }] : [])],
    signal,
  );
  return r.succeeded;
}
