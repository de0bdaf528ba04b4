import { expect } from 'chai';
import type { Etcd3 } from 'etcd3';
import { createEtcdClient } from '../../src/datastore/etcd-client.ts';
import { EtcdIpamStore } from '../../src/datastore/etcd-ipam-store.ts';
import { IpamAllocator } from '../../ipam/allocator.ts';
import { checkIpam } from '../../ipam/check.ts';
import { IpamGc } from '../../ipam/gc.ts';
import type { IpamPool } from '../../ipam/pools.ts';
import { IPAM_PREFIX } from '../../ipam/records.ts';
import { loadSnapshot } from '../../ipam/snapshot.ts';
import { useEtcd } from '../harness/etcd.ts';
import { FakeClock } from './helpers.ts';
import { heldByJournal, startWorker, type Journal, type RunningWorker } from './spawn-worker.ts';

const POOLS: IpamPool[] = [
  { name: 'stress4', cidr: '10.64.0.0/16', blockSize: 26 },
  { name: 'stress6', cidr: 'fd00:64::/112', blockSize: 122 },
];

/** Address -> handle, from the blocks themselves. */
async function allocationsInStore(store: EtcdIpamStore): Promise<Map<string, string>> {
  const snap = await loadSnapshot(store);
  const out = new Map<string, string>();
  for (const b of snap.blocks) for (const a of b.block.allocations()) out.set(a.address, a.attrs.handle);
  return out;
}

function expectDistinct(held: Map<string, string[]>): void {
  const all = [...held.values()].flat();
  expect(new Set(all).size, 'an address is held by two handles').to.equal(all.length);
}

async function finish(w: RunningWorker): Promise<void> {
  const r = await w.exited;
  expect(r.code, `worker failed: ${r.stderr}`).to.equal(0);
  expect(w.journal.done).to.equal(true);
}

describe('IPAM under concurrent and crashing allocators @integration', function () {
  this.timeout(120_000);
  const etcd = useEtcd();
  let client: Etcd3;
  let store: EtcdIpamStore;
  before(() => {
    client = createEtcdClient({ endpoints: [etcd().endpoint] });
    store = new EtcdIpamStore(client);
  });
  beforeEach(async () => {
    await client.delete().prefix(IPAM_PREFIX);
  });
  after(() => client.close());

  it('gives 8 allocators on 4 nodes more than 4,000 distinct addresses, consistent with their handles', async () => {
    const workers = Array.from({ length: 8 }, (_, i) =>
      startWorker({ endpoint: etcd().endpoint, node: `n${i % 4}`, id: `w${i}`, count: 560, releaseEvery: 5, pools: POOLS, cooldownMs: 0 }),
    );
    for (const w of workers) await finish(w);
    const journals = workers.map((w) => w.journal);
    const allocated = journals.reduce((n, j) => n + j.allocs.size, 0);
    expect(allocated).to.be.at.least(4_000);
    const held = heldByJournal(journals);
    expectDistinct(held);
    const inStore = await allocationsInStore(store);
    const expected = new Map([...held].flatMap(([h, ips]) => ips.map((ip) => [ip, h] as [string, string])));
    expect(inStore).to.deep.equal(expected);
    const report = await checkIpam(store, { now: Date.now(), pendingGraceMs: 60_000, isInUse: (h) => held.has(h) });
    expect(report.problems).to.deep.equal([]);
    expect(report.allocations).to.equal(held.size);
  });

  it('survives 52 allocators killed with SIGKILL: no duplicate, check finds every leak, release recovers it', async () => {
    // One survivor whose addresses are in use throughout.
    const survivor = startWorker({ endpoint: etcd().endpoint, node: 'c0', id: 'live', count: 100, releaseEvery: 0, pools: POOLS, cooldownMs: 0, dualStack: true });
    const killed: Journal[] = [];
    for (let round = 0; round < 13; round++) {
      const ws = Array.from({ length: 4 }, (_, i) =>
        startWorker({ endpoint: etcd().endpoint, node: `c${i}`, id: `k${round}-${i}`, count: 100_000, releaseEvery: 3, pools: POOLS, cooldownMs: 0, dualStack: i % 2 === 0 }),
      );
      await Promise.all(
        ws.map(async (w) => {
          await w.firstAlloc;
          // A random point in the allocation loop: mid-claim, mid-commit, mid-release.
          await new Promise((r) => setTimeout(r, Math.random() * 120));
          w.proc.kill('SIGKILL');
          const r = await w.exited;
          expect(r.signal, `worker ended on its own: ${r.stderr}`).to.equal('SIGKILL');
          killed.push(w.journal);
        }),
      );
    }
    await finish(survivor);
    expect(killed).to.have.length(52);
    const live = heldByJournal([survivor.journal]);

    const inStore = await allocationsInStore(store);
    const handlesInStore = new Set(inStore.values());
    // Never a duplicate, and nothing allocated that no worker meant to allocate.
    const report = await checkIpam(store, { now: Date.now(), pendingGraceMs: 60_000, isInUse: (h) => live.has(h) });
    expect(report.problems.filter((p) => p.kind === 'duplicate-address' || p.kind === 'block-inconsistent')).to.deep.equal([]);
    const intents = new Set(killed.flatMap((j) => [...j.intents]));
    for (const h of handlesInStore) expect(live.has(h) || intents.has(h), `unexpected handle ${h}`).to.equal(true);
    // Every leak found: each handle of a dead worker that still holds addresses.
    const leaks = new Set(report.leakedHandles);
    for (const h of handlesInStore) if (!live.has(h)) expect(leaks.has(h), `leak of ${h} not reported`).to.equal(true);
    for (const h of live.keys()) expect(leaks.has(h), `live ${h} reported as a leak`).to.equal(false);

    const alloc = new IpamAllocator({ store, pools: () => POOLS });
    for (const h of report.leakedHandles) await alloc.releaseByHandle(h, { scanBlocks: true });
    const after = await allocationsInStore(store);
    expect(new Set(after.values())).to.deep.equal(new Set(live.keys()));

    // Claims cut short leave pending affinities; GC settles them after its grace period.
    const clock = new FakeClock();
    clock.t = Date.now();
    const gc = new IpamGc({ store, clock, graceMs: 60_000, cooldownMs: 0, nodeExists: () => true, isInUse: (h) => live.has(h) });
    await gc.runOnce();
    clock.advance(61_000);
    await gc.runOnce();
    const final = await checkIpam(store, { now: clock.now(), pendingGraceMs: 60_000, isInUse: (h) => live.has(h) });
    expect(final.problems).to.deep.equal([]);
    expect(final.allocations).to.equal(200);
  });

  it('carries on through an etcd restart mid-run', async () => {
    const workers = Array.from({ length: 4 }, (_, i) =>
      startWorker({ endpoint: etcd().endpoint, node: `r${i % 2}`, id: `r${i}`, count: 300, releaseEvery: 4, pools: POOLS, cooldownMs: 0 }),
    );
    await Promise.all(workers.map((w) => w.firstAlloc));
    await new Promise((r) => setTimeout(r, 150));
    await etcd().restart({ hard: true });
    for (const w of workers) await finish(w);
    const held = heldByJournal(workers.map((w) => w.journal));
    expectDistinct(held);
    const inStore = await allocationsInStore(store);
    expect(new Set(inStore.values())).to.deep.equal(new Set(held.keys()));
    const report = await checkIpam(store, { now: Date.now(), pendingGraceMs: 60_000, isInUse: (h) => held.has(h) });
    expect(report.problems).to.deep.equal([]);
  });
});
