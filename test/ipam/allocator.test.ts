import { expect } from 'chai';
import { checkIpam } from '../../ipam/check.ts';
import { setIpamConfig } from '../../ipam/config.ts';
import {
  IpamAddressInUseError,
  IpamAddressNotInPoolError,
  IpamMaxBlocksError,
  IpamNoPoolError,
  IpamPoolDisabledError,
  IpamPoolExhaustedError,
  IpamPoolInUseError,
} from '../../ipam/errors.ts';
import { Block } from '../../ipam/block.ts';
import { mustParseCidr } from '../../ipam/ip.ts';
import { MemoryIpamStore } from '../../ipam/memory-store.ts';
import { canDeletePool } from '../../ipam/pool-usage.ts';
import type { IpamPool } from '../../ipam/pools.ts';
import { getKey, listPrefix, type IpamStore } from '../../ipam/store.ts';
import { AFFINITIES_PREFIX, BLOCKS_PREFIX, affinityKey, blockKey, handleKey } from '../../ipam/records.ts';
import { BACKENDS, FakeClock, makeAllocator, POOL4, POOL6 } from './helpers.ts';

/** Two blocks of 8: small enough to run out of. */
const TINY: IpamPool = { name: 'tiny', cidr: '10.20.0.0/28', blockSize: 29 };

for (const backend of BACKENDS) {
  describe(`IpamAllocator on ${backend.name}`, () => {
    const be = backend.setup();
    after(() => be.done());
    let store: IpamStore;
    let clock: FakeClock;
    beforeEach(async () => {
      store = await be.fresh();
      clock = new FakeClock();
    });

    async function clean(): Promise<void> {
      const r = await checkIpam(store, { now: clock.now(), pendingGraceMs: 60_000 });
      expect(r.problems).to.deep.equal([]);
    }

    describe('claiming', () => {
      it('claims a block on the first allocation and keeps using it', async () => {
        const { alloc } = makeAllocator(store, clock);
        const a = await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h1', node: 'n1' });
        const b = await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h2', node: 'n1' });
        expect(a.ipv4).to.deep.equal(['10.10.0.0']);
        expect(b.ipv4).to.deep.equal(['10.10.0.1']);
        const affs = await listPrefix(store, AFFINITIES_PREFIX);
        expect(affs.map((kv) => JSON.parse(kv.value).state)).to.deep.equal(['confirmed']);
        await clean();
      });

      it('gives each node its own block', async () => {
        const { alloc } = makeAllocator(store, clock);
        const a = await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h1', node: 'n1' });
        const b = await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h2', node: 'n2' });
        expect(a.ipv4).to.deep.equal(['10.10.0.0']);
        expect(b.ipv4).to.deep.equal(['10.10.0.16']);
        await clean();
      });

      it('allocates one IPv4 and one IPv6 address for a dual-stack handle, recorded in one handle', async () => {
        const { alloc } = makeAllocator(store, clock);
        const r = await alloc.autoAssign({ num4: 1, num6: 1, handle: 'h1', node: 'n1', attrs: { namespace: 'ns', pod: 'p' } });
        expect(r).to.deep.equal({ ipv4: ['10.10.0.0'], ipv6: ['fd00:10::'] });
        const h = JSON.parse((await getKey(store, handleKey('h1')))!.value);
        expect(h.blocks).to.deep.equal({ '10.10.0.0-28': 1, 'fd00:10::-124': 1 });
        await clean();
      });

      it('skips disabled pools and pools whose selector does not match the node', async () => {
        const pools: IpamPool[] = [{ ...POOL4, disabled: true }, { name: 'b', cidr: '10.30.0.0/24', blockSize: 28 }, { name: 'c', cidr: '10.40.0.0/24', blockSize: 28, nodeSelector: 'rack == "r2"' }];
        const { alloc } = makeAllocator(store, clock, { nodeMatches: (p, node) => p.nodeSelector === undefined || node === 'r2-node' }, pools);
        expect((await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h1', node: 'n1' })).ipv4).to.deep.equal(['10.30.0.0']);
        expect((await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h2', node: 'r2-node', pools: ['c'] })).ipv4).to.deep.equal(['10.40.0.0']);
        const err = await alloc.autoAssign({ num4: 0, num6: 1, handle: 'h3', node: 'n1' }).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(IpamNoPoolError);
      });
    });

    describe('when the pools run out of free blocks', () => {
      async function fillTwoNodes(strict: boolean, max = 0) {
        await setIpamConfig(store, { strictAffinity: strict, maxBlocksPerHost: max });
        const { alloc } = makeAllocator(store, clock, {}, [TINY]);
        await alloc.autoAssign({ num4: 8, num6: 0, handle: 'fill-n1', node: 'n1' });
        await alloc.autoAssign({ num4: 1, num6: 0, handle: 'one-n2', node: 'n2' });
        return alloc;
      }

      it("borrows from another node's block", async () => {
        const alloc = await fillTwoNodes(false);
        const r = await alloc.autoAssign({ num4: 2, num6: 0, handle: 'more', node: 'n1' });
        expect(r.ipv4).to.deep.equal(['10.20.0.9', '10.20.0.10']);
        await clean();
      });

      it('refuses to borrow under strictAffinity, naming pool and node', async () => {
        const alloc = await fillTwoNodes(true);
        const err = (await alloc.autoAssign({ num4: 1, num6: 0, handle: 'more', node: 'n1' }).catch((e: unknown) => e)) as IpamPoolExhaustedError;
        expect(err).to.be.instanceOf(IpamPoolExhaustedError);
        expect(err.code).to.equal('IPAM_POOL_EXHAUSTED');
        expect(err.details).to.include({ node: 'n1', family: 4 });
        expect(err.details.pools).to.deep.equal(['tiny']);
      });

      it('is exhausted when every address is taken', async () => {
        const alloc = await fillTwoNodes(false);
        await alloc.autoAssign({ num4: 7, num6: 0, handle: 'rest', node: 'n3' });
        const err = await alloc.autoAssign({ num4: 1, num6: 0, handle: 'none', node: 'n3' }).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(IpamPoolExhaustedError);
        await clean();
      });
    });

    describe('concurrent first allocations racing for the last free block', () => {
      /** One block of 16. */
      const ONE: IpamPool = { name: 'one', cidr: '10.50.0.0/28', blockSize: 28 };

      it('lets every allocator of the same node use the block its competitor claimed', async () => {
        const n = 8;
        const allocs = Array.from({ length: n }, () => makeAllocator(store, clock, {}, [ONE]).alloc);
        const got = await Promise.allSettled(allocs.map((a, i) => a.autoAssign({ num4: 1, num6: 0, handle: `h${i}`, node: 'n1' })));
        const failed = got.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
        expect(failed).to.deep.equal([]);
        const ips = got.map((r) => (r as PromiseFulfilledResult<{ ipv4: string[] }>).value.ipv4[0]!);
        expect(new Set(ips).size).to.equal(n);
        for (const ip of ips) expect(ip).to.match(/^10\.50\.0\.\d+$/);
        const affs = await listPrefix(store, AFFINITIES_PREFIX);
        expect(affs.map((kv) => [kv.key.slice(AFFINITIES_PREFIX.length), JSON.parse(kv.value).state])).to.deep.equal([['n1/10.50.0.0-28', 'confirmed']]);
        await clean();
      });

      it('fills the block from separate allocators of the same node, then reports exhaustion', async () => {
        const allocs = Array.from({ length: 5 }, () => makeAllocator(store, clock, {}, [ONE]).alloc);
        const got = await Promise.allSettled(
          allocs.flatMap((a, i) => [0, 1, 2, 3].map((j) => a.autoAssign({ num4: 1, num6: 0, handle: `h${i}-${j}`, node: 'n1' }))),
        );
        const ok = got.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ ipv4: string[] }>).value.ipv4[0]!);
        const failed = got.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as Error);
        expect(ok.length).to.equal(16);
        expect(new Set(ok).size).to.equal(16);
        expect(failed.length).to.equal(4);
        for (const e of failed) expect(e).to.be.instanceOf(IpamPoolExhaustedError);
        await clean();
      });

      /** A claim of n1's by another allocator, done by hand: steps 1 (pending affinity) and 2 (block), then 3 (confirm). */
      const ONE_CIDR = mustParseCidr(ONE.cidr);
      const affinity = (state: string, since: number) => JSON.stringify({ v: 1, state, node: 'n1', block: '10.50.0.0-28', since });
      async function claimUnconfirmed(since: number): Promise<number> {
        const aKey = affinityKey('n1', ONE_CIDR);
        const p = await store.txn([{ key: aKey, modRevision: 0 }], [{ op: 'put', key: aKey, value: affinity('pending', since) }]);
        const b = await store.txn([{ key: blockKey(ONE_CIDR), modRevision: 0 }], [{ op: 'put', key: blockKey(ONE_CIDR), value: Block.create(ONE_CIDR, { affinity: 'n1' }).encode() }]);
        expect([p.succeeded, b.succeeded]).to.deep.equal([true, true]);
        return p.revision;
      }

      for (const strictAffinity of [false, true]) {
        it(`uses the block its own node claimed whole after it read the node's view (strictAffinity ${strictAffinity})`, async () => {
          await setIpamConfig(store, { strictAffinity });
          // Between the allocator's view of n1 and its look for a free block, another allocator of n1 claims the only block, all three writes.
          let raced = false;
          const racing: IpamStore = Object.create(store, {
            read: {
              value: async (reqs: Parameters<IpamStore['read']>[0], signal?: AbortSignal) => {
                if (!raced && reqs.some((r) => 'prefix' in r && r.prefix === BLOCKS_PREFIX && r.keysOnly)) {
                  raced = true;
                  const rev = await claimUnconfirmed(clock.now());
                  const aKey = affinityKey('n1', ONE_CIDR);
                  expect((await store.txn([{ key: aKey, modRevision: rev }], [{ op: 'put', key: aKey, value: affinity('confirmed', clock.now()) }])).succeeded).to.equal(true);
                }
                return store.read(reqs, signal);
              },
            },
          });
          const { alloc } = makeAllocator(racing, clock, {}, [ONE]);
          expect((await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h', node: 'n1' })).ipv4).to.deep.equal(['10.50.0.0']);
          expect(raced).to.equal(true);
          await clean();
        });
      }

      it("waits for its own node's claim in flight instead of reporting exhaustion, then allocates from that block", async () => {
        await setIpamConfig(store, { strictAffinity: true });
        const { alloc } = makeAllocator(store, clock, {}, [ONE]);
        const pendingRev = await claimUnconfirmed(clock.now());
        const done = alloc.autoAssign({ num4: 1, num6: 0, handle: 'h', node: 'n1' });
        await new Promise((r) => setTimeout(r, 20));
        const aKey = affinityKey('n1', ONE_CIDR);
        expect((await store.txn([{ key: aKey, modRevision: pendingRev }], [{ op: 'put', key: aKey, value: affinity('confirmed', clock.now()) }])).succeeded).to.equal(true);
        expect((await done).ipv4).to.deep.equal(['10.50.0.0']);
        await clean();
      });

      it('never allocates from a pending claim of its own node, and waits on it only briefly', async () => {
        await setIpamConfig(store, { strictAffinity: true });
        const { alloc } = makeAllocator(store, clock, {}, [ONE]);
        // Never confirmed: a claimer that died after creating the block (GC confirms it after its grace period).
        await claimUnconfirmed(clock.now());
        const t0 = Date.now();
        const err = await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h', node: 'n1' }).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(IpamPoolExhaustedError);
        expect(Date.now() - t0).to.be.below(5_000);
        expect(await getKey(store, handleKey('h'))).to.equal(undefined);
        // An old pending affinity is not waited on at all.
        clock.advance(60_000);
        const { alloc: fresh, counter } = makeAllocator(store, clock, {}, [ONE]);
        expect(await fresh.autoAssign({ num4: 1, num6: 0, handle: 'h', node: 'n1' }).catch((e: unknown) => e)).to.be.instanceOf(IpamPoolExhaustedError);
        expect(counter.total).to.be.at.most(3);
      });

      for (const strict of [false, true]) {
        it(`between two nodes: the loser ${strict ? 'fails as exhausted under strictAffinity' : 'borrows from the winner'}`, async () => {
          /** Two blocks of 8; n0 fills the first, n1 and n2 race for the second. */
          await setIpamConfig(store, { strictAffinity: strict });
          const { alloc: filler } = makeAllocator(store, clock, {}, [TINY]);
          await filler.autoAssign({ num4: 8, num6: 0, handle: 'fill', node: 'n0' });
          const racers = ['n1', 'n2', 'n1', 'n2'].map((node, i) => ({ node, handle: `r${i}`, alloc: makeAllocator(store, clock, {}, [TINY]).alloc }));
          const got = await Promise.allSettled(racers.map((r) => r.alloc.autoAssign({ num4: 1, num6: 0, handle: r.handle, node: r.node })));
          const blocks = await listPrefix(store, AFFINITIES_PREFIX);
          const confirmed = blocks.filter((kv) => JSON.parse(kv.value).state === 'confirmed').map((kv) => kv.key.slice(AFFINITIES_PREFIX.length));
          expect(confirmed).to.have.length(2);
          expect(confirmed).to.include('n0/10.20.0.0-29');
          const winner = confirmed.find((k) => !k.startsWith('n0/'))!.split('/')[0]!;
          racers.forEach((r, i) => {
            const res = got[i]!;
            if (r.node === winner || !strict) {
              expect(res.status, `${r.node} ${r.handle}: ${String((res as PromiseRejectedResult).reason)}`).to.equal('fulfilled');
              expect((res as PromiseFulfilledResult<{ ipv4: string[] }>).value.ipv4[0]).to.match(/^10\.20\.0\.(8|9|1[0-5])$/);
            } else {
              expect(res.status).to.equal('rejected');
              const err = (res as PromiseRejectedResult).reason as IpamPoolExhaustedError;
              expect(err).to.be.instanceOf(IpamPoolExhaustedError);
              expect(err.details).to.include({ node: r.node, family: 4 });
            }
          });
          const ips = got.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ ipv4: string[] }>).value.ipv4[0]!);
          expect(new Set(ips).size).to.equal(ips.length);
          await clean();
        });
      }
    });

    describe('maxBlocksPerHost', () => {
      it('stops claiming at the limit and says so under strictAffinity', async () => {
        await setIpamConfig(store, { strictAffinity: true, maxBlocksPerHost: 1 });
        const { alloc } = makeAllocator(store, clock);
        await alloc.autoAssign({ num4: 16, num6: 0, handle: 'h1', node: 'n1' });
        const err = (await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h2', node: 'n1' }).catch((e: unknown) => e)) as IpamMaxBlocksError;
        expect(err).to.be.instanceOf(IpamMaxBlocksError);
        expect(err.message).to.equal('node n1 already holds 1 blocks, the maximum set by maxBlocksPerHost');
      });

      it('borrows at the limit when affinity is not strict', async () => {
        await setIpamConfig(store, { maxBlocksPerHost: 1 });
        const { alloc } = makeAllocator(store, clock);
        await alloc.autoAssign({ num4: 1, num6: 0, handle: 'other', node: 'n2' });
        await alloc.autoAssign({ num4: 16, num6: 0, handle: 'h1', node: 'n1' });
        expect((await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h2', node: 'n1' })).ipv4).to.deep.equal(['10.10.0.1']);
      });
    });

    describe('a specific address', () => {
      it('is assigned, claiming its block, and re-assigning it to the same handle is a no-op', async () => {
        const { alloc } = makeAllocator(store, clock);
        expect(await alloc.assignIP('10.10.0.77', 'h1', 'n1')).to.equal('10.10.0.77');
        expect(await alloc.assignIP('10.10.0.77', 'h1', 'n1')).to.equal('10.10.0.77');
        expect((await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h2', node: 'n1' })).ipv4).to.deep.equal(['10.10.0.64']);
        await clean();
      });

      it('is refused when another handle holds it, naming the holder', async () => {
        const { alloc } = makeAllocator(store, clock);
        await alloc.assignIP('fd00:10::5', 'h1', 'n1');
        const err = (await alloc.assignIP('fd00:10::0005', 'h2', 'n1').catch((e: unknown) => e)) as IpamAddressInUseError;
        expect(err).to.be.instanceOf(IpamAddressInUseError);
        expect(err.handle).to.equal('h1');
      });

      const refused = [
        { name: 'outside every pool', ip: '192.168.1.1', pools: [POOL4], cls: IpamAddressNotInPoolError },
        { name: 'in a disabled pool', ip: '10.10.0.3', pools: [{ ...POOL4, disabled: true }], cls: IpamPoolDisabledError },
      ];
      for (const c of refused) {
        it(`is refused when ${c.name}`, async () => {
          const { alloc } = makeAllocator(store, clock, {}, c.pools);
          const err = await alloc.assignIP(c.ip, 'h', 'n1').catch((e: unknown) => e);
          expect(err).to.be.instanceOf(c.cls);
        });
      }
    });

    describe('release', () => {
      it('by handle is idempotent and frees every address of the handle', async () => {
        const { alloc } = makeAllocator(store, clock);
        await alloc.autoAssign({ num4: 2, num6: 1, handle: 'h1', node: 'n1' });
        const r1 = await alloc.releaseByHandle('h1');
        const r2 = await alloc.releaseByHandle('h1');
        expect(r1.released.map((x) => x.address)).to.have.members(['10.10.0.0', '10.10.0.1', 'fd00:10::']);
        expect(r2.released).to.deep.equal([]);
        expect(await getKey(store, handleKey('h1'))).to.equal(undefined);
        await clean();
      });

      it('by address updates the handle and reports what was already free', async () => {
        const { alloc } = makeAllocator(store, clock);
        await alloc.autoAssign({ num4: 2, num6: 0, handle: 'h1', node: 'n1' });
        const r = await alloc.releaseIPs(['10.10.0.1', '10.10.0.9']);
        expect(r).to.deep.equal({ released: [{ address: '10.10.0.1', handle: 'h1' }], notAllocated: ['10.10.0.9'] });
        expect(JSON.parse((await getKey(store, handleKey('h1')))!.value).blocks).to.deep.equal({ '10.10.0.0-28': 1 });
        await clean();
      });

      it('keeps a released address out of use for the cooldown, then reuses the one free longest', async () => {
        const { alloc } = makeAllocator(store, clock, { cooldownMs: 10_000 }, [TINY]);
        await alloc.autoAssign({ num4: 8, num6: 0, handle: 'a', node: 'n1' });
        await alloc.releaseIPs(['10.20.0.5']);
        clock.advance(1_000);
        await alloc.releaseIPs(['10.20.0.2']);
        // Block 1 has nothing past its cooldown: the node claims the second block.
        expect((await alloc.autoAssign({ num4: 1, num6: 0, handle: 'b', node: 'n1' })).ipv4).to.deep.equal(['10.20.0.8']);
        clock.advance(10_000);
        expect((await alloc.autoAssign({ num4: 2, num6: 0, handle: 'c', node: 'n1' })).ipv4).to.deep.equal(['10.20.0.5', '10.20.0.2']);
      });
    });

    describe('round trips', () => {
      it('allocates from a block the node holds in one transaction, two when another writer moved it', async () => {
        const { alloc, counter } = makeAllocator(store, clock);
        const { alloc: other } = makeAllocator(store, clock);
        await alloc.autoAssign({ num4: 1, num6: 0, handle: 'warm', node: 'n1' });
        counter.reset();
        await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h1', node: 'n1' });
        expect(counter.total).to.equal(1);
        await other.autoAssign({ num4: 1, num6: 0, handle: 'h2', node: 'n1' });
        counter.reset();
        const r = await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h3', node: 'n1' });
        expect(counter.total).to.be.at.most(2);
        expect(r.ipv4).to.deep.equal(['10.10.0.3']);
      });
    });

    describe('pools', () => {
      it('refuses to delete a pool with addresses in use, saying how to drain it', async () => {
        const { alloc } = makeAllocator(store, clock);
        await alloc.autoAssign({ num4: 2, num6: 0, handle: 'h1', node: 'n1' });
        const err = (await canDeletePool(store, POOL4).catch((e: unknown) => e)) as IpamPoolInUseError;
        expect(err).to.be.instanceOf(IpamPoolInUseError);
        expect(err.message).to.match(/2 addresses in use/).and.match(/spec\.disabled: true/).and.match(/release/);
        expect((await canDeletePool(store, POOL6)).inUse).to.equal(0);
      });
    });
  });
}

describe('IpamAllocator with an unreliable store', () => {
  it('retries through a short outage', async () => {
    const store = new MemoryIpamStore();
    const clock = new FakeClock();
    const { alloc } = makeAllocator(store, clock);
    store.failNext(3);
    expect((await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h', node: 'n1' })).ipv4).to.deep.equal(['10.10.0.0']);
  });
});
