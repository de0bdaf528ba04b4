import { expect } from 'chai';
import { Block } from '../../ipam/block.ts';
import { checkIpam } from '../../ipam/check.ts';
import { IpamAddressInReservationError, IpamInvalidRequestError, IpamPoolExhaustedError } from '../../ipam/errors.ts';
import { mustParseCidr, parseIp } from '../../ipam/ip.ts';
import type { IpamPool } from '../../ipam/pools.ts';
import { BLOCKS_PREFIX } from '../../ipam/records.ts';
import { fullyReserved, parseReservations, reservedCount, reservedOrdinals, type ReservationInput } from '../../ipam/reservations.ts';
import { renderShow, showIpam } from '../../ipam/show.ts';
import { listPrefix, type IpamStore } from '../../ipam/store.ts';
import { BACKENDS, FakeClock, makeAllocator } from './helpers.ts';

/** One /26 block: 64 addresses, 16 of them reserved below. */
const P26: IpamPool = { name: 'p26', cidr: '10.30.0.0/26', blockSize: 26 };
const R28 = { name: 'ops', cidr: '10.30.0.16/28' };
const P6: IpamPool = { name: 'p6', cidr: 'fd00:30::/122', blockSize: 122 };

const inR28 = (a: string): boolean => {
  const v = parseIp(a)!.value & 0xffn;
  return v >= 16n && v <= 31n;
};

describe('reserved ranges, pure', () => {
  const rs = parseReservations(['10.0.0.8/29', { name: 'x', cidr: '10.0.0.12/30' }, '10.0.1.0/24', 'fd00::5', '10.0.0.3']);

  it('clips and merges the ranges that fall in a block, per family', () => {
    expect(reservedOrdinals(rs, mustParseCidr('10.0.0.0/28'))).to.deep.equal([[3, 3], [8, 15]]);
    expect(reservedOrdinals(rs, mustParseCidr('10.0.0.16/28'))).to.deep.equal([]);
    expect(reservedOrdinals(rs, mustParseCidr('fd00::/124'))).to.deep.equal([[5, 5]]);
  });

  it('counts covered addresses once where reservations overlap', () => {
    expect(reservedCount(rs, mustParseCidr('10.0.0.0/23'))).to.equal(1n + 8n + 256n);
    expect(reservedCount(rs, mustParseCidr('10.0.0.0/28'))).to.equal(9n);
  });

  it('knows a block inside a reservation is wholly reserved', () => {
    expect(fullyReserved(rs, mustParseCidr('10.0.1.64/26'))).to.equal(true);
    expect(fullyReserved(rs, mustParseCidr('10.0.0.8/29'))).to.equal(true);
    expect(fullyReserved(rs, mustParseCidr('10.0.0.0/28'))).to.equal(false);
  });

  it('refuses a malformed reservation, naming it', () => {
    expect(() => parseReservations([{ name: 'bad', cidr: '10.0.0.1/24' }])).to.throw(IpamInvalidRequestError, 'reservation bad: 10.0.0.1/24');
  });

  it('lets Block.allocate skip ordinals without moving them out of the free list', () => {
    const b = Block.create(mustParseCidr('10.0.0.0/29'));
    const skip = (o: number) => o < 4;
    expect(b.available(0, 0, skip)).to.equal(4);
    expect(b.allocate(8, { handle: 'h' }, 0, 0, skip)).to.deep.equal([4, 5, 6, 7]);
    expect(b.available(0, 0, skip)).to.equal(0);
    expect(b.freeList().map((f) => f.ordinal)).to.deep.equal([0, 1, 2, 3]);
    expect(b.problems()).to.deep.equal([]);
  });
});

for (const backend of BACKENDS) {
  describe(`IpamAllocator with IPReservations on ${backend.name}`, function () {
    this.timeout(60_000);
    const be = backend.setup();
    after(() => be.done());
    let store: IpamStore;
    let clock: FakeClock;
    let reserved: ReservationInput[];
    beforeEach(async () => {
      store = await be.fresh();
      clock = new FakeClock();
      reserved = [];
    });
    const allocator = (pools: IpamPool[] = [P26, P6]) => makeAllocator(store, clock, { reservations: async () => reserved }, pools).alloc;

    describe('a /26 block with a /28 reserved inside it', () => {
      it('never hands out the 16 reserved addresses across 48 allocations, then is exhausted', async () => {
        reserved = [R28];
        const alloc = allocator();
        const got: string[] = [];
        for (let i = 0; i < 46; i++) got.push(...(await alloc.autoAssign({ num4: 1, num6: 0, handle: `h${i}`, node: 'n1' })).ipv4);
        got.push(...(await alloc.autoAssign({ num4: 2, num6: 0, handle: 'pair', node: 'n1' })).ipv4);
        expect(got).to.have.length(48);
        expect(new Set(got).size).to.equal(48);
        expect(got.filter(inR28)).to.deep.equal([]);
        const err = await alloc.autoAssign({ num4: 1, num6: 0, handle: 'one-more', node: 'n1' }).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(IpamPoolExhaustedError);
        const report = await checkIpam(store, { now: clock.now(), pendingGraceMs: 60_000, reservations: parseReservations(reserved) });
        expect(report.problems).to.deep.equal([]);
        expect(report.findings).to.deep.equal([]);
      });

      it('keeps them out after releases and cooldowns too', async () => {
        reserved = [R28];
        const alloc = allocator();
        for (let round = 0; round < 3; round++) {
          const r = await alloc.autoAssign({ num4: 48, num6: 0, handle: `bulk${round}`, node: 'n1' });
          expect(r.ipv4.filter(inR28)).to.deep.equal([]);
          await alloc.releaseByHandle(`bulk${round}`);
          clock.advance(2_000);
        }
      });
    });

    it('respects a reservation added after the block was claimed, leaving earlier allocations alone', async () => {
      const alloc = allocator();
      const early = (await alloc.autoAssign({ num4: 20, num6: 0, handle: 'early', node: 'n1' })).ipv4;
      expect(early.filter(inR28)).to.have.length(4);
      reserved = [R28];
      const later = (await alloc.autoAssign({ num4: 32, num6: 0, handle: 'later', node: 'n1' })).ipv4;
      expect(later.filter(inR28)).to.deep.equal([]);
      expect(later[0]).to.equal('10.30.0.32');
      const err = await alloc.autoAssign({ num4: 1, num6: 0, handle: 'more', node: 'n1' }).catch((e: unknown) => e);
      expect(err, 'the 12 free reserved addresses must not be used').to.be.instanceOf(IpamPoolExhaustedError);

      const report = await checkIpam(store, { now: clock.now(), pendingGraceMs: 60_000, reservations: parseReservations(reserved) });
      expect(report.problems, 'a finding, not a problem').to.deep.equal([]);
      expect(report.findings.map((f) => [f.kind, f.address, f.handle, f.reservation])).to.deep.equal(
        ['10.30.0.16', '10.30.0.17', '10.30.0.18', '10.30.0.19'].map((a) => ['allocated-in-reservation', a, 'early', 'ops']),
      );
      expect(report.findings[0]!.message).to.contain('IPReservation "ops" (10.30.0.16/28)');

      // Released, an address inside the reservation is not handed out again.
      await alloc.releaseIPs(['10.30.0.17']);
      clock.advance(2_000);
      expect(await alloc.autoAssign({ num4: 1, num6: 0, handle: 'again', node: 'n1' }).catch((e: unknown) => e)).to.be.instanceOf(IpamPoolExhaustedError);
    });

    it('does not claim a block that lies wholly in a reservation', async () => {
      reserved = [{ name: 'first-block', cidr: '10.40.0.0/28' }];
      const alloc = allocator([{ name: 'two', cidr: '10.40.0.0/27', blockSize: 28 }]);
      expect((await alloc.autoAssign({ num4: 1, num6: 0, handle: 'h', node: 'n1' })).ipv4).to.deep.equal(['10.40.0.16']);
      expect((await listPrefix(store, BLOCKS_PREFIX)).map((kv) => kv.key.slice(BLOCKS_PREFIX.length))).to.deep.equal(['10.40.0.16-28']);
    });

    it('skips a reserved IPv6 range', async () => {
      reserved = ['fd00:30::/124'];
      const r = await allocator().autoAssign({ num4: 0, num6: 3, handle: 'h6', node: 'n1' });
      expect(r.ipv6).to.deep.equal(['fd00:30::10', 'fd00:30::11', 'fd00:30::12']);
    });

    describe('assignIP of a reserved address', () => {
      it('is refused with a typed error naming the reservation, and writes nothing', async () => {
        reserved = [R28];
        const err = await allocator().assignIP('10.30.0.20', 'h', 'n1').catch((e: unknown) => e);
        expect(err).to.be.instanceOf(IpamAddressInReservationError);
        const e = err as IpamAddressInReservationError;
        expect(e.code).to.equal('IPAM_ADDRESS_IN_RESERVATION');
        expect(e.reservation).to.equal('ops');
        expect(e.cidr).to.equal('10.30.0.16/28');
        expect(e.message).to.equal('address 10.30.0.20 is inside IPReservation "ops" (10.30.0.16/28) and is never handed out');
        expect(await listPrefix(store, BLOCKS_PREFIX)).to.deep.equal([]);
      });

      it('is refused when the reservation is a bare CIDR, naming the range', async () => {
        reserved = ['fd00:30::8/125'];
        const err = (await allocator().assignIP('fd00:30::000f', 'h', 'n1').catch((e: unknown) => e)) as IpamAddressInReservationError;
        expect(err).to.be.instanceOf(IpamAddressInReservationError);
        expect(err.message).to.equal('address fd00:30::f is inside reserved range fd00:30::8/125 and is never handed out');
      });

      it('is allowed just outside the reservation', async () => {
        reserved = [R28];
        const alloc = allocator();
        expect(await alloc.assignIP('10.30.0.15', 'h1', 'n1')).to.equal('10.30.0.15');
        expect(await alloc.assignIP('10.30.0.32', 'h2', 'n1')).to.equal('10.30.0.32');
      });
    });

    it('show counts reserved addresses per pool and per block, and names the reservation of an address', async () => {
      reserved = [R28, { name: 'inside', cidr: '10.30.0.20/30' }, 'fd00:30::/126'];
      await allocator().autoAssign({ num4: 2, num6: 1, handle: 'h', node: 'n1' });
      const s = await showIpam(store, [P26, P6], { showBlocks: true, ip: '10.30.0.25', reservations: parseReservations(reserved) });
      expect(s.pools.map((p) => [p.name, p.reserved, p.inUse])).to.deep.equal([['p26', '16', 2], ['p6', '4', 1]]);
      expect(s.blocks!.map((b) => [b.cidr, b.reserved, b.inUse])).to.deep.equal([['10.30.0.0/26', 16, 2], ['fd00:30::/122', 4, 1]]);
      expect(s.ip).to.deep.include({ allocated: false, reservedBy: 'IPReservation ops (10.30.0.16/28)' });
      const text = renderShow(s);
      expect(text).to.match(/^p26\s+10\.30\.0\.0\/26\s+64\s+16\s+2\s+1\s+false$/m);
      expect(text).to.contain('10.30.0.25 is reserved by IPReservation ops (10.30.0.16/28): never handed out');
    });
  });
}
