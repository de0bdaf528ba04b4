/**
 * What deleting a pool would strand. The resource layer asks canDeletePool
 * before it deletes an IPPool, and refuses with the error's message, which
 * says how to drain the pool.
 */
import { IpamPoolInUseError } from './errors.ts';
import { cidrContainsCidr } from './ip.ts';
import { parsePool, type IpamPool } from './pools.ts';
import { loadSnapshot } from './snapshot.ts';
import type { IpamStore } from './store.ts';

export interface PoolUsage {
  pool: string;
  cidr: string;
  blocks: number;
  inUse: number;
}

export async function poolInUse(store: IpamStore, pool: IpamPool, signal?: AbortSignal): Promise<PoolUsage> {
  const p = parsePool(pool);
  const snap = await loadSnapshot(store, signal);
  let blocks = 0;
  let inUse = 0;
  for (const b of snap.blocks) {
    if (!cidrContainsCidr(p.cidr, b.block.cidr)) continue;
    blocks++;
    inUse += b.block.inUse;
  }
  return { pool: pool.name, cidr: pool.cidr, blocks, inUse };
}

/** Resolves when the pool holds no address; throws IpamPoolInUseError (with the drain recipe) otherwise. */
export async function canDeletePool(store: IpamStore, pool: IpamPool, signal?: AbortSignal): Promise<PoolUsage> {
  const u = await poolInUse(store, pool, signal);
  if (u.inUse > 0) throw new IpamPoolInUseError({ pool: pool.name, cidr: pool.cidr, inUse: u.inUse });
  return u;
}
