import { expect } from 'chai';
import { Block } from '../../ipam/block.ts';
import { checkIpam } from '../../ipam/check.ts';
import { getIpamConfig, setIpamConfig } from '../../ipam/config.ts';
import { IpamInvalidRequestError } from '../../ipam/errors.ts';
import { IpamGc } from '../../ipam/gc.ts';
import { mustParseCidr } from '../../ipam/ip.ts';
import { MemoryIpamStore } from '../../ipam/memory-store.ts';
import { affinityKey, blockKey, handleKey } from '../../ipam/records.ts';
import { renderShow, showIpam } from '../../ipam/show.ts';
import { getKey } from '../../ipam/store.ts';
import { FakeClock, makeAllocator, POOL4, POOL6 } from './helpers.ts';

const GRACE = 60_000;

function setup() {
  const store = new MemoryIpamStore();
  const clock = new FakeClock();
  const { alloc } = makeAllocator(store, clock, { cooldownMs: 0 });
  const nodes = new Set(['n1', 'n2']);
  const inUse = new Set<string>();
  const gc = new IpamGc({ store, clock, graceMs: GRACE, cooldownMs: 0, nodeExists: (n) => nodes.has(n), isInUse: (h) => inUse.has(h) });
  const kinds = async () => (await checkIpam(store, { now: clock.now(), pendingGraceMs: GRACE, isInUse: (h) => inUse.has(h) })).problems.map((p) => p.kind);
  return { store, clock, alloc, nodes, inUse, gc, kinds };
}

describe('IPAM GC', () => {
  it('acts only on what it saw twice, a grace period apart', async () => {
    const { alloc, gc, clock, store } = setup();
    await alloc.autoAssign({ num4: 1, num6: 0, handle: 'gone', node: 'n1' });
    expect(await gc.runOnce()).to.deep.equal([]);
    clock.advance(GRACE - 1);
    expect(await gc.runOnce()).to.deep.equal([]);
    clock.advance(1);
    expect((await gc.runOnce()).map((a) => a.kind)).to.deep.equal(['release-handle']);
    expect(await getKey(store, handleKey('gone'))).to.equal(undefined);
  });

  it('never releases an address whose workload appears before the second look', async () => {
    const { alloc, gc, clock, inUse } = setup();
    await alloc.autoAssign({ num4: 1, num6: 0, handle: 'late', node: 'n1' });
    await gc.runOnce();
    clock.advance(GRACE);
    inUse.add('late');
    expect(await gc.runOnce()).to.deep.equal([]);
  });

  it('starts the grace period again when the candidate changes', async () => {
    const { alloc, gc, clock } = setup();
    await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h', node: 'n1' });
    await gc.runOnce();
    clock.advance(GRACE);
    await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h', node: 'n1' });
    expect(await gc.runOnce()).to.deep.equal([]);
  });

  it("frees a node's empty blocks but keeps its last one", async () => {
    const { alloc, gc, clock, inUse, store } = setup();
    inUse.add('big');
    await alloc.autoAssign({ num4: 40, num6: 0, handle: 'big', node: 'n1' });
    await alloc.releaseByHandle('big');
    await gc.runOnce();
    clock.advance(GRACE);
    const acts = await gc.runOnce();
    expect(acts.filter((a) => a.kind === 'delete-block').map((a) => a.key)).to.deep.equal([
      blockKey(mustParseCidr('10.10.0.16/28')),
      blockKey(mustParseCidr('10.10.0.32/28')),
    ]);
    expect(await getKey(store, blockKey(mustParseCidr('10.10.0.0/28')))).to.not.equal(undefined);
  });

  it("cleans a deleted node's affinities and leaves its in-use addresses alone", async () => {
    const { alloc, gc, clock, nodes, inUse, store, kinds } = setup();
    inUse.add('kept');
    await alloc.autoAssign({ num4: 1, num6: 1, handle: 'kept', node: 'n2' });
    nodes.delete('n2');
    await gc.runOnce();
    clock.advance(GRACE);
    const acts = await gc.runOnce();
    expect(acts.map((a) => a.kind).sort()).to.deep.equal(['release-affinity', 'release-affinity']);
    const b = Block.decode((await getKey(store, blockKey(mustParseCidr('10.10.0.0/28'))))!.value);
    expect(b.affinity).to.equal(null);
    expect(b.holderOf(0)?.handle).to.equal('kept');
    expect(await kinds()).to.deep.equal([]);
  });

  it('settles pending affinities: deletes those without a block, confirms those with one', async () => {
    const { store, gc, clock, kinds } = setup();
    const now = clock.now();
    const rec = (node: string, block: string) => JSON.stringify({ v: 1, state: 'pending', node, block, since: now });
    const orphan = mustParseCidr('10.10.0.0/28');
    const halfDone = mustParseCidr('10.10.0.16/28');
    await store.txn([], [
      { op: 'put', key: affinityKey('n1', orphan), value: rec('n1', '10.10.0.0-28') },
      { op: 'put', key: affinityKey('n1', halfDone), value: rec('n1', '10.10.0.16-28') },
      { op: 'put', key: blockKey(halfDone), value: Block.create(halfDone, { affinity: 'n1' }).encode() },
    ]);
    clock.advance(GRACE);
    expect(await kinds()).to.include('stale-pending-affinity');
    await gc.runOnce();
    clock.advance(GRACE);
    expect((await gc.runOnce()).map((a) => a.kind).sort()).to.deep.equal(['confirm-pending', 'delete-pending']);
    expect(await kinds()).to.deep.equal([]);
  });

  it('stops cleanly when started', async () => {
    const { gc } = setup();
    gc.start(10);
    await new Promise((r) => setTimeout(r, 30));
    await gc.stop();
    await gc.stop();
  });
});

describe('IPAM check', () => {
  it('finds a handle without allocations, allocations without a handle, and a count mismatch', async () => {
    const { store, alloc, kinds } = setup();
    await alloc.autoAssign({ num4: 2, num6: 0, handle: 'a', node: 'n1' });
    await alloc.autoAssign({ num4: 1, num6: 0, handle: 'b', node: 'n1' });
    const cur = await getKey(store, handleKey('a'));
    await store.txn([], [
      { op: 'put', key: handleKey('ghost'), value: JSON.stringify({ v: 1, handle: 'ghost', blocks: { '10.10.0.0-28': 1 } }) },
      { op: 'delete', key: handleKey('b') },
      { op: 'put', key: handleKey('a'), value: cur!.value.replace(':2', ':3') },
    ]);
    expect((await kinds()).sort()).to.deep.equal(['allocation-without-handle', 'handle-count-mismatch', 'handle-without-allocations', 'workload-gone', 'workload-gone']);
    const r = await checkIpam(store, { now: 0, pendingGraceMs: GRACE });
    expect(r.leakedHandles).to.deep.equal(['a', 'b', 'ghost']);
  });

  it('finds an affinity that points at a block owned by another node', async () => {
    const { store, alloc, kinds, inUse } = setup();
    inUse.add('x');
    await alloc.autoAssign({ num4: 1, num6: 0, handle: 'x', node: 'n1' });
    await store.txn([], [{ op: 'put', key: affinityKey('n2', mustParseCidr('10.10.0.0/28')), value: JSON.stringify({ v: 1, state: 'confirmed', node: 'n2', block: '10.10.0.0-28', since: 0 }) }]);
    expect(await kinds()).to.deep.equal(['affinity-mismatch']);
  });
});

describe('IPAM configuration', () => {
  it('defaults, then keeps the fields not changed', async () => {
    const store = new MemoryIpamStore();
    expect(await getIpamConfig(store)).to.deep.equal({ strictAffinity: false, maxBlocksPerHost: 0, autoAllocateBlocks: true });
    await setIpamConfig(store, { maxBlocksPerHost: 20 });
    await setIpamConfig(store, { strictAffinity: true });
    expect(await getIpamConfig(store)).to.deep.equal({ strictAffinity: true, maxBlocksPerHost: 20, autoAllocateBlocks: true });
  });

  it('refuses a negative limit, saying what is allowed', async () => {
    const err = await setIpamConfig(new MemoryIpamStore(), { maxBlocksPerHost: -1 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(IpamInvalidRequestError);
    expect((err as Error).message).to.equal('maxBlocksPerHost must be a whole number >= 0 (0: no limit), not -1');
  });
});

describe('IPAM show', () => {
  it('summarises pools, blocks, one address and the configuration', async () => {
    const { store, alloc } = setup();
    await alloc.autoAssign({ num4: 3, num6: 1, handle: 'h', node: 'n1', attrs: { namespace: 'ns', pod: 'web' } });
    const s = await showIpam(store, [POOL4, POOL6], { showBlocks: true, ip: '10.10.0.1', showConfiguration: true });
    expect(s.pools.map((p) => [p.name, p.inUse, p.blocks])).to.deep.equal([['pool4', 3, 1], ['pool6', 1, 1]]);
    expect(s.blocks!.map((b) => [b.cidr, b.affinity, b.inUse])).to.deep.equal([['10.10.0.0/28', 'n1', 3], ['fd00:10::/124', 'n1', 1]]);
    expect(s.ip).to.deep.include({ allocated: true, block: '10.10.0.0/28', pool: 'pool4' });
    const text = renderShow(s);
    expect(text).to.contain('10.10.0.1 is allocated to handle h in block 10.10.0.0/28 (pool pool4)');
    expect(text).to.contain('pod: web');
  });
});
