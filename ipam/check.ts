/**
 * `reefctl ipam check`: everything that is inconsistent or leaked, from one
 * snapshot. It changes nothing; each problem says what `reefctl ipam release`
 * (or GC) would fix it, through its `handle` or `address`.
 *
 * Findings are not problems: states that are legitimate but worth a look,
 * such as an address allocated before an IPReservation covering it was made
 * (the pod keeps it; the address is not handed out again once released).
 */
import type { AllocationAttrs } from './block.ts';
import { describeReservation, reservationHolding, type ParsedReservation } from './reservations.ts';
import { handleCountsFromBlocks, loadSnapshot } from './snapshot.ts';
import type { IpamStore } from './store.ts';

export type CheckProblemKind =
  | 'corrupt-record'
  | 'block-inconsistent'
  | 'duplicate-address'
  | 'handle-without-allocations'
  | 'handle-count-mismatch'
  | 'allocation-without-handle'
  | 'workload-gone'
  | 'affinity-mismatch'
  | 'stale-pending-affinity';

export interface CheckProblem {
  kind: CheckProblemKind;
  message: string;
  handle?: string;
  address?: string;
  block?: string;
  node?: string;
  key?: string;
}

export type CheckFindingKind = 'allocated-in-reservation';

export interface CheckFinding {
  kind: CheckFindingKind;
  message: string;
  handle: string;
  address: string;
  block: string;
  reservation?: string;
}

export interface CheckOptions {
  now: number;
  /** A pending affinity older than this is a crashed claim. */
  pendingGraceMs: number;
  /** Whether the workload behind a handle still exists; without it, workloads are not judged. */
  isInUse?: (handle: string, attrs: AllocationAttrs) => boolean | Promise<boolean>;
  /** IPReservations: allocations inside them become findings. */
  reservations?: readonly ParsedReservation[];
  signal?: AbortSignal;
}

export interface CheckReport {
  blocks: number;
  allocations: number;
  handles: number;
  affinities: number;
  problems: CheckProblem[];
  /** Worth knowing, not wrong: they do not fail the check. */
  findings: CheckFinding[];
  /** Handles whose release (`reefctl ipam release --handle`) clears a leak. */
  leakedHandles: string[];
}

export async function checkIpam(store: IpamStore, opts: CheckOptions): Promise<CheckReport> {
  const snap = await loadSnapshot(store, opts.signal);
  const problems: CheckProblem[] = [];
  const findings: CheckFinding[] = [];
  const leaked = new Set<string>();
  for (const c of snap.corrupt) problems.push({ kind: 'corrupt-record', key: c.key, message: `${c.key}: ${c.reason}` });

  const holders = new Map<string, string[]>();
  const firstAttrs = new Map<string, AllocationAttrs>();
  let allocations = 0;
  for (const b of snap.blocks) {
    for (const p of b.block.problems()) problems.push({ kind: 'block-inconsistent', block: b.name, message: `block ${b.block.cidrText}: ${p}` });
    for (const a of b.block.allocations()) {
      allocations++;
      holders.set(a.address, [...(holders.get(a.address) ?? []), `${a.attrs.handle} in ${b.block.cidrText}`]);
      if (!firstAttrs.has(a.attrs.handle)) firstAttrs.set(a.attrs.handle, a.attrs);
      const r = opts.reservations && reservationHolding(opts.reservations, b.block.cidr.family, b.block.cidr.base + BigInt(a.ordinal));
      if (r) {
        findings.push({
          kind: 'allocated-in-reservation',
          handle: a.attrs.handle,
          address: a.address,
          block: b.name,
          ...(r.name ? { reservation: r.name } : {}),
          message: `${a.address} (handle ${a.attrs.handle}) is inside ${describeReservation(r)}; it was allocated before the reservation and is kept until released`,
        });
      }
    }
  }
  for (const [address, hs] of holders) {
    if (hs.length > 1) problems.push({ kind: 'duplicate-address', address, message: `${address} is allocated ${hs.length} times: ${hs.join(', ')}` });
  }

  const fromBlocks = handleCountsFromBlocks(snap.blocks);
  for (const [handle, h] of snap.handles) {
    const actual = fromBlocks.get(handle);
    if (!actual) {
      leaked.add(handle);
      problems.push({ kind: 'handle-without-allocations', handle, message: `handle ${handle} is recorded but holds no address` });
      continue;
    }
    const recorded = Object.entries(h.record.blocks).sort().map(([b, n]) => `${b}:${n}`).join(',');
    const real = [...actual].sort().map(([b, n]) => `${b}:${n}`).join(',');
    if (recorded !== real) {
      leaked.add(handle);
      problems.push({ kind: 'handle-count-mismatch', handle, message: `handle ${handle} records ${recorded || 'nothing'} but the blocks hold ${real}` });
    }
  }
  for (const [handle, blocks] of fromBlocks) {
    if (!snap.handles.has(handle)) {
      leaked.add(handle);
      problems.push({ kind: 'allocation-without-handle', handle, message: `addresses in ${[...blocks.keys()].join(', ')} belong to handle ${handle}, which has no record` });
    }
    if (opts.isInUse && !(await opts.isInUse(handle, firstAttrs.get(handle)!))) {
      leaked.add(handle);
      const a = firstAttrs.get(handle)!;
      problems.push({
        kind: 'workload-gone',
        handle,
        node: a.node,
        message: `handle ${handle} (${a.namespace ?? '-'}/${a.pod ?? '-'} on ${a.node ?? '?'}) holds addresses but its workload is gone`,
      });
    }
  }

  const blocksByName = new Map(snap.blocks.map((b) => [b.name, b]));
  const confirmedFor = new Set<string>();
  for (const a of snap.affinities) {
    const { node, block, state, since } = a.record;
    const b = blocksByName.get(block);
    if (state === 'pending') {
      if (opts.now - since >= opts.pendingGraceMs) {
        problems.push({ kind: 'stale-pending-affinity', node, block, key: a.key, message: `pending affinity of node ${node} for block ${block} is ${Math.round((opts.now - since) / 1000)} s old: a claim that never finished` });
      } else if (b?.block.affinity === node) {
        confirmedFor.add(`${node}/${block}`);
      }
      continue;
    }
    confirmedFor.add(`${node}/${block}`);
    if (!b) problems.push({ kind: 'affinity-mismatch', node, block, key: a.key, message: `node ${node} has an affinity for block ${block}, which does not exist` });
    else if (b.block.affinity !== node) {
      problems.push({ kind: 'affinity-mismatch', node, block, key: a.key, message: `node ${node} has an affinity for block ${block}, whose affinity is ${b.block.affinity ?? 'none'}` });
    }
  }
  for (const b of snap.blocks) {
    const node = b.block.affinity;
    if (node !== null && !confirmedFor.has(`${node}/${b.name}`)) {
      problems.push({ kind: 'affinity-mismatch', node, block: b.name, message: `block ${b.block.cidrText} names node ${node}, which has no confirmed affinity for it` });
    }
  }

  return { blocks: snap.blocks.length, allocations, handles: snap.handles.size, affinities: snap.affinities.length, problems, findings, leakedHandles: [...leaked].sort() };
}
