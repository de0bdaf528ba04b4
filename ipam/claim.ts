/**
 * Claiming a block for a node, in two phases, so that an affinity is never
 * ownership until the block exists:
 *
 *   1. write a pending affinity (only if the block does not exist yet);
 *   2. create the block, affinity = node, with create-if-absent;
 *   3. confirm the affinity.
 *
 * The loser of a race for the same block fails step 2 and deletes its
 * pending affinity. A crash after 1 leaves a pending affinity to a block
 * that does not exist; after 2, a block whose affinity key is still pending.
 * Allocation ignores pending affinities, `check` reports them and GC resolves
 * them after a grace period (deleting the first kind, confirming the second).
 */
import { Block } from './block.ts';
import type { Cidr } from './ip.ts';
import { affinityKey, blockKey, blockName, decodeAffinity, type AffinityRecord } from './records.ts';
import type { IpamStore } from './store.ts';

export type ClaimOutcome = { claimed: true; block: Block; modRevision: number } | { claimed: false };

export async function claimBlock(store: IpamStore, node: string, cidr: Cidr, now: number, signal?: AbortSignal): Promise<ClaimOutcome> {
  const aKey = affinityKey(node, cidr);
  const bKey = blockKey(cidr);
  const name = blockName(cidr);
  const record = (state: AffinityRecord['state']): string => JSON.stringify({ v: 1, state, node, block: name, since: now } satisfies AffinityRecord);

  const pending = await store.txn(
    [
      { key: bKey, modRevision: 0 },
      { key: aKey, modRevision: 0 },
    ],
    [{ op: 'put', key: aKey, value: record('pending') }],
    signal,
  );
  if (!pending.succeeded) return { claimed: false };
  const pendingRev = pending.revision;

  const block = Block.create(cidr, { affinity: node });
  const created = await store.txn([{ key: bKey, modRevision: 0 }], [{ op: 'put', key: bKey, value: block.encode() }], signal);
  if (!created.succeeded) {
    // Lost the race: take back our pending affinity, unless someone already did.
    await store.txn([{ key: aKey, modRevision: pendingRev }], [{ op: 'delete', key: aKey }], signal);
    return { claimed: false };
  }

  const confirmed = await store.txn([{ key: aKey, modRevision: pendingRev }], [{ op: 'put', key: aKey, value: record('confirmed') }], signal);
  if (!confirmed.succeeded) {
    // Only GC touches a pending affinity it did not write, and for a block
    // that exists with our affinity it confirms it; any other state is
    // repaired by writing the confirmed record over what is there.
    const cur = confirmed.current[0];
    const done = cur !== undefined && decodeAffinity(aKey, cur.value).state === 'confirmed';
    if (!done) await store.txn([{ key: aKey, modRevision: cur?.modRevision ?? 0 }], [{ op: 'put', key: aKey, value: record('confirmed') }], signal);
  }
  return { claimed: true, block, modRevision: created.revision };
}
