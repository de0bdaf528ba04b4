import { expect } from 'chai';
import fc from 'fast-check';
import { Block } from '../../ipam/block.ts';
import { IpamCorruptRecordError } from '../../ipam/errors.ts';
import { mustParseCidr, parseIp } from '../../ipam/ip.ts';

const v4 = (): Block => Block.create(mustParseCidr('10.0.0.0/29'), { affinity: 'n1' });
const A = { handle: 'h1', namespace: 'ns', pod: 'p1', node: 'n1' };
const B = { handle: 'h2', namespace: 'ns', pod: 'p2', node: 'n1' };

describe('Block', () => {
  describe('allocation order', () => {
    it('hands out never-used ordinals in ascending order', () => {
      const b = v4();
      expect(b.allocate(3, A, 1000, 0)).to.deep.equal([0, 1, 2]);
      expect(b.allocate(2, B, 1000, 0)).to.deep.equal([3, 4]);
      expect(b.inUse).to.equal(5);
      expect(b.addressOf(4)).to.equal('10.0.0.4');
    });

    it('returns fewer than asked when the block runs out', () => {
      const b = v4();
      expect(b.allocate(20, A, 0, 0)).to.have.length(8);
      expect(b.allocate(1, B, 0, 0)).to.deep.equal([]);
    });

    it('shares one attribute entry between the ordinals of one pod', () => {
      const b = v4();
      b.allocate(2, A, 0, 0);
      b.allocate(1, A, 0, 0);
      const doc = JSON.parse(b.encode()) as { attrs: unknown[] };
      expect(doc.attrs).to.have.length(1);
    });
  });

  describe('cooldown', () => {
    it('does not hand out a released address before the cooldown has passed', () => {
      const b = v4();
      b.allocate(8, A, 0, 0);
      expect(b.release(3, 10_000)).to.equal('h1');
      expect(b.allocate(1, B, 10_000 + 4_999, 5_000)).to.deep.equal([]);
      expect(b.available(10_000 + 4_999, 5_000)).to.equal(0);
      expect(b.allocate(1, B, 15_000, 5_000)).to.deep.equal([3]);
    });

    it('reuses the address free longest first, after the never-used ones', () => {
      const b = v4();
      b.allocate(6, A, 0, 0);
      b.release(4, 100);
      b.release(1, 200);
      b.release(2, 300);
      // ordinals 6 and 7 were never used: they come first, then 4, 1, 2 by release time.
      expect(b.allocate(5, B, 10_000, 1_000)).to.deep.equal([6, 7, 4, 1, 2]);
    });

    it('lets a specific request take an address in its cooldown', () => {
      const b = v4();
      b.allocate(1, A, 0, 0);
      b.release(0, 100);
      expect(b.assign(0, B)).to.deep.equal({ ok: true });
      expect(b.holderOf(0)?.handle).to.equal('h2');
      expect(b.problems()).to.deep.equal([]);
    });
  });

  describe('reserved ranges', () => {
    it('never hands out a reserved ordinal, not even on request', () => {
      const b = Block.create(mustParseCidr('10.0.0.0/29'), { reserved: [[0, 0], [6, 7]] });
      expect(b.allocate(8, A, 0, 0)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(b.assign(7, B)).to.deep.equal({ ok: false, reason: 'reserved' });
      expect(b.problems()).to.deep.equal([]);
    });

    it('refuses a range outside the block', () => {
      expect(() => Block.create(mustParseCidr('10.0.0.0/29'), { reserved: [[4, 8]] })).to.throw(RangeError);
    });
  });

  describe('assign and release', () => {
    it('names the holder when the ordinal is taken', () => {
      const b = v4();
      b.allocate(1, A, 0, 0);
      expect(b.assign(0, B)).to.deep.equal({ ok: false, reason: 'in-use', handle: 'h1' });
      expect(b.assign(8, B)).to.deep.equal({ ok: false, reason: 'outside' });
    });

    it('releases idempotently and drops unreferenced attributes', () => {
      const b = v4();
      b.allocate(2, A, 0, 0);
      b.allocate(1, B, 0, 0);
      expect(b.releaseHandle('h1', 5)).to.deep.equal([0, 1]);
      expect(b.releaseHandle('h1', 6)).to.deep.equal([]);
      expect(b.release(0, 7)).to.equal(undefined);
      expect([...b.handleCounts()]).to.deep.equal([['h2', 1]]);
      expect(b.holderOf(2)).to.deep.equal(B);
      expect(b.problems()).to.deep.equal([]);
    });
  });

  describe('IPv6', () => {
    it('allocates from a /122 and maps addresses to ordinals both ways', () => {
      const b = Block.create(mustParseCidr('fd00:10::/122'));
      expect(b.size).to.equal(64);
      b.allocate(1, A, 0, 0);
      const [o] = b.allocate(1, B, 0, 0);
      expect(b.addressOf(o!)).to.equal('fd00:10::1');
      expect(b.ordinalOf(parseIp('fd00:10::3f')!.value)).to.equal(63);
      expect(b.ordinalOf(parseIp('fd00:10::40')!.value)).to.equal(undefined);
    });
  });

  describe('serialisation', () => {
    it('encodes a fresh block compactly (ranges, not one entry per free address)', () => {
      const b = Block.create(mustParseCidr('10.0.0.0/22'));
      const doc = JSON.parse(b.encode()) as { unused: unknown[] };
      expect(doc.unused).to.deep.equal([[0, 1023]]);
    });

    it('round-trips any sequence of operations exactly', () => {
      const op = fc.oneof(
        fc.record({ k: fc.constant('alloc' as const), n: fc.integer({ min: 1, max: 5 }), h: fc.integer({ min: 0, max: 4 }) }),
        fc.record({ k: fc.constant('release' as const), o: fc.integer({ min: 0, max: 63 }) }),
        fc.record({ k: fc.constant('assign' as const), o: fc.integer({ min: 0, max: 63 }), h: fc.integer({ min: 0, max: 4 }) }),
      );
      fc.assert(
        fc.property(fc.boolean(), fc.array(op, { maxLength: 60 }), (six, ops) => {
          const b = Block.create(mustParseCidr(six ? 'fd00::/122' : '10.1.0.0/26'), { affinity: 'n', reserved: [[10, 12]] });
          let t = 1;
          for (const o of ops) {
            t += 10;
            if (o.k === 'alloc') b.allocate(o.n, { handle: `h${o.h}`, pod: `p${o.h}` }, t, 25);
            else if (o.k === 'release') b.release(o.o, t);
            else b.assign(o.o, { handle: `h${o.h}`, pod: `p${o.h}` });
          }
          const copy = Block.decode(b.encode());
          expect(copy.encode()).to.equal(b.encode());
          expect(copy.freeList()).to.deep.equal(b.freeList());
          expect(copy.problems()).to.deep.equal([]);
          expect(b.problems()).to.deep.equal([]);
        }),
        { numRuns: 300 },
      );
    });

    const corrupt = [
      { name: 'not JSON', text: '{' },
      { name: 'wrong version', text: '{"v":2}' },
      { name: 'host bits in the cidr', text: '{"v":1,"cidr":"10.0.0.1/30","affinity":null,"alloc":[null,null,null,null],"attrs":[],"unused":[],"released":[],"reserved":[]}' },
      { name: 'alloc of the wrong length', text: '{"v":1,"cidr":"10.0.0.0/30","affinity":null,"alloc":[null],"attrs":[],"unused":[],"released":[],"reserved":[]}' },
      { name: 'alloc pointing past attrs', text: '{"v":1,"cidr":"10.0.0.0/30","affinity":null,"alloc":[3,null,null,null],"attrs":[],"unused":[],"released":[],"reserved":[]}' },
    ];
    for (const c of corrupt) {
      it(`rejects a record with ${c.name}`, () => {
        expect(() => Block.decode(c.text, 'k')).to.throw(IpamCorruptRecordError);
      });
    }

    it('reports a block whose free list and allocations disagree', () => {
      const text = '{"v":1,"cidr":"10.0.0.0/30","affinity":null,"alloc":[0,null,null,null],"attrs":[{"handle":"h"}],"unused":[[0,2]],"released":[],"reserved":[]}';
      const problems = Block.decode(text).problems();
      expect(problems).to.include('10.0.0.0 is allocated and also in the free list');
      expect(problems).to.include('10.0.0.3 is neither allocated, free nor reserved');
    });
  });
});
