/**
 * `reefctl delete` of an IPPool that still has addresses in use would strand
 * them (pods keep addresses no pool covers, and the blocks can never be
 * freed), so it is refused with canDeletePool's message, which tells how to
 * drain the pool: disable it, release its addresses, delete again.
 *
 * The check and the delete are two steps, as in calicoctl: an allocation
 * between them is possible, and disabling the pool first (the drain recipe)
 * is what closes that window.
 */
import type { Resource } from '../../model/resource.ts';
import { canDeletePool } from '../../../ipam/pool-usage.ts';
import { IpamPoolInUseError } from '../../../ipam/errors.ts';
import { ipamPoolOf } from '../../cni/ipam-wiring.ts';
import type { Context } from '../context.ts';
import { CliError } from '../errors.ts';
import { hasIpam, withIpam } from './ipam-support.ts';

export async function guardPoolDeletes(ctx: Context, pools: readonly Resource[]): Promise<void> {
  if (pools.length === 0 || !(await hasIpam(ctx))) return;
  const refusals = await withIpam(ctx, async (s) => {
    const out: string[] = [];
    for (const p of pools) {
      try {
        await canDeletePool(s.store, ipamPoolOf(p), s.signal);
      } catch (err) {
        if (!(err instanceof IpamPoolInUseError)) throw err;
        out.push(`${err.message}; nothing was deleted`);
      }
    }
    return out;
  });
  if (refusals.length > 0) throw new CliError(refusals);
}
