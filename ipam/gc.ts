/**
 * IPAM housekeeping, run by the node agent: frees what nobody uses, and
 * nothing else. Every candidate must be seen twice, a grace period apart, at
 * the same revision, and its predicate is asked again just before the
 * compare-and-swap that removes it. So a workload that appears between the
 * observations, or a write to the block, cancels the action.
 *
 *  - pending affinity (a claim that never finished): confirmed when its block
 *    exists with that node's affinity, deleted otherwise;
 *  - affinity of a deleted node: an empty block is deleted with it, a block
 *    still holding addresses loses its affinity (anyone may then borrow from it);
 *  - empty block of a live node: deleted with its affinity, except that a node
 *    keeps its last block, and a block whose release cooldown has not run out
 *    stays (deleting it would forget the cooldown);
 *  - handle whose workload is gone (`isInUse` false), or a handle record with
 *    no addresses: released by handle.
 */
import type { Logger } from '../src/lib/log.ts';
import { childLogger } from '../src/lib/log.ts';
import type { WallClock } from './allocator.ts';
import { releaseByHandle } from './release.ts';
import { type AffinityRecord, blockKey, cidrOfBlockName } from './records.ts';
import { byAddress, IpamState } from './state.ts';
import { handleCountsFromBlocks, loadSnapshot } from './snapshot.ts';
import type { Condition, IpamStore, WriteOp } from './store.ts';

export interface GcOptions {
  store: IpamStore;
  clock: WallClock;
  graceMs: number;
  cooldownMs: number;
  nodeExists(node: string): boolean | Promise<boolean>;
  isInUse(handle: string): boolean | Promise<boolean>;
  log?: Logger;
}

export interface GcAction {
  kind: 'confirm-pending' | 'delete-pending' | 'release-affinity' | 'delete-block' | 'release-handle';
  key: string;
  done: boolean;
}

interface Candidate {
  id: string;
  revision: number;
  kind: GcAction['kind'];
  key: string;
  /** Asked again right before acting; false cancels. */
  stillValid(): Promise<boolean>;
  act(): Promise<boolean>;
}

export class IpamGc {
  private readonly opts: GcOptions;
  private readonly log: Logger;
  private readonly seen = new Map<string, { since: number; revision: number }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private abort: AbortController | undefined;

  constructor(opts: GcOptions) {
    this.opts = opts;
    this.log = opts.log ?? childLogger({ component: 'ipam-gc' });
  }

  start(intervalMs: number): void {
    if (this.abort) return;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    const tick = (): void => {
      this.running = this.runOnce(signal)
        .catch((err: unknown) => {
          if (!signal.aborted) this.log.warn('ipam gc pass failed', { error: String(err) });
        })
        .finally(() => {
          if (!signal.aborted) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, intervalMs);
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    this.abort = undefined;
  }

  /** One pass: observe, and act on what was observed unchanged a grace period ago. */
  async runOnce(signal?: AbortSignal): Promise<GcAction[]> {
    const { clock, graceMs } = this.opts;
    const now = clock.now();
    const candidates = await this.candidates(now, signal);
    const actions: GcAction[] = [];
    const current = new Set<string>();
    for (const c of candidates) {
      current.add(c.id);
      const prev = this.seen.get(c.id);
      if (!prev || prev.revision !== c.revision) {
        this.seen.set(c.id, { since: now, revision: c.revision });
        continue;
      }
      if (now - prev.since < graceMs) continue;
      if (!(await c.stillValid())) continue;
      const done = await c.act();
      this.seen.delete(c.id);
      actions.push({ kind: c.kind, key: c.key, done });
      if (done) this.log.info('ipam gc', { action: c.kind, key: c.key });
    }
    for (const id of [...this.seen.keys()]) if (!current.has(id)) this.seen.delete(id);
    return actions;
  }

  private async candidates(now: number, signal?: AbortSignal): Promise<Candidate[]> {
    const { store, nodeExists, isInUse, cooldownMs } = this.opts;
    const snap = await loadSnapshot(store, signal);
    const out: Candidate[] = [];
    const blocks = new Map(snap.blocks.map((b) => [b.name, b]));
    const txn = async (conds: Condition[], ops: WriteOp[]): Promise<boolean> => (await store.txn(conds, ops, signal)).succeeded;
    const affinityOf = new Map<string, AffinityRecord>();

    for (const a of snap.affinities) {
      const { node, block, state } = a.record;
      const b = blocks.get(block);
      const bCond: Condition = { key: blockKey(cidrOfBlockName(block)), modRevision: b?.modRevision ?? 0 };
      const aCond: Condition = { key: a.key, modRevision: a.modRevision };
      if (state === 'pending') {
        const confirm = b?.block.affinity === node;
        out.push({
          id: `pending:${a.key}`,
          revision: a.modRevision + (b?.modRevision ?? 0) * 1e-9,
          kind: confirm ? 'confirm-pending' : 'delete-pending',
          key: a.key,
          stillValid: async () => true,
          act: () =>
            confirm
              ? txn([aCond, bCond], [{ op: 'put', key: a.key, value: JSON.stringify({ ...a.record, state: 'confirmed', since: now }) }])
              : txn([aCond, bCond], [{ op: 'delete', key: a.key }]),
        });
        continue;
      }
      affinityOf.set(block, a.record);
      if (!(await nodeExists(node))) {
        const empty = b === undefined || b.block.isEmpty;
        out.push({
          id: `gone:${a.key}`,
          revision: a.modRevision + (b?.modRevision ?? 0) * 1e-9,
          kind: empty ? 'delete-block' : 'release-affinity',
          key: empty ? bCond.key : a.key,
          stillValid: async () => !(await nodeExists(node)),
          act: async () => {
            if (empty) return txn([aCond, bCond], [{ op: 'delete', key: a.key }, ...(b ? [{ op: 'delete' as const, key: b.key }] : [])]);
            const freed = b!.block.clone();
            freed.affinity = null;
            return txn([aCond, bCond], [{ op: 'delete', key: a.key }, { op: 'put', key: b!.key, value: freed.encode() }]);
          },
        });
      }
    }

    // Empty blocks of live nodes: all but the node's last one.
    const byNode = new Map<string, string[]>();
    for (const [block, rec] of affinityOf) byNode.set(rec.node, [...(byNode.get(rec.node) ?? []), block]);
    for (const [node, names] of byNode) {
      if (!(await nodeExists(node))) continue;
      const owned = names.filter((n) => blocks.get(n)?.block.affinity === node).sort(byAddress);
      const empty = owned.filter((n) => blocks.get(n)!.block.isEmpty && blocks.get(n)!.block.lastReleaseAt() + cooldownMs <= now);
      const keep = empty.length === owned.length ? empty[0] : undefined;
      for (const name of empty) {
        if (name === keep) continue;
        const b = blocks.get(name)!;
        const aKey = snap.affinities.find((a) => a.record.block === name && a.record.node === node)!;
        out.push({
          id: `empty:${b.key}`,
          revision: b.modRevision + aKey.modRevision * 1e-9,
          kind: 'delete-block',
          key: b.key,
          stillValid: async () => true,
          act: () =>
            txn(
              [
                { key: b.key, modRevision: b.modRevision },
                { key: aKey.key, modRevision: aKey.modRevision },
              ],
              [{ op: 'delete', key: b.key }, { op: 'delete', key: aKey.key }],
            ),
        });
      }
    }

    // Handles whose workload is gone, and records that hold nothing.
    const fromBlocks = handleCountsFromBlocks(snap.blocks);
    const names = new Set([...snap.handles.keys(), ...fromBlocks.keys()]);
    for (const handle of names) {
      const rec = snap.handles.get(handle);
      const holdsNothing = !fromBlocks.has(handle);
      if (!holdsNothing && (await isInUse(handle))) continue;
      const revs = [...(fromBlocks.get(handle)?.keys() ?? [])].map((n) => blocks.get(n)!.modRevision);
      out.push({
        id: `handle:${handle}`,
        // A new allocation for the handle changes its record (and a block), so the observation restarts.
        revision: rec?.modRevision ?? Math.max(0, ...revs),
        kind: 'release-handle',
        key: handle,
        stillValid: async () => holdsNothing || !(await isInUse(handle)),
        act: async () => {
          const r = await releaseByHandle(
            { store, state: new IpamState(), now: () => this.opts.clock.now(), pools: async () => [] },
            handle,
            { signal, scanBlocks: rec === undefined },
          );
          return r.released.length > 0 || rec !== undefined;
        },
      });
    }
    return out;
  }
}
