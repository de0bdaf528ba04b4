import { expect } from 'chai';
import fc from 'fast-check';
import { PrefixTable } from '../../../bgp/rib/prefix-table.ts';
import { formatKey, keyToPrefix, parsePrefix, prefixKey, v4Key } from '../../../bgp/rib/prefix-key.ts';

/** The table holds exactly what the model Map holds: size, lookups and iteration. */
function expectSameAsMap(t: PrefixTable<number>, m: Map<number | string, number>): void {
  expect(t.size).to.equal(m.size);
  for (const [k, v] of m) expect(t.get(k)).to.equal(v);
  const seen = new Map<number | string, number>();
  t.forEach((v, k) => seen.set(k, v));
  expect(seen).to.deep.equal(m);
}

describe('the prefix table', () => {
  it('behaves like a Map under any mix of set and delete, through growth and collisions', () => {
    // Few distinct keys, tiny initial capacity: long probe runs, wrap-around and many backward shifts.
    const key = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 32 })).map(([a, l]) => v4Key(a * 0x01000000, l) as number | string),
      fc.constantFrom('20010db8/32', '2001/16'),
    );
    const op = fc.tuple(fc.boolean(), key, fc.integer());
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const t = new PrefixTable<number>(16);
        const m = new Map<number | string, number>();
        for (const [isSet, k, v] of ops) {
          if (isSet) {
            t.set(k, v);
            m.set(k, v);
          } else expect(t.delete(k)).to.equal(m.delete(k));
          expect(t.size).to.equal(m.size);
        }
        expectSameAsMap(t, m);
      }),
      { numRuns: 300 },
    );
  });

  it('behaves like a Map for dense neighbouring prefixes inside a few /16s (blocks grow, shift back, empty out)', () => {
    // Two /16s, every length from /14 to /26 with random bits below the /16: blocks fill up to
    // hundreds of entries, collide inside, and go back to empty.
    const key = fc
      .tuple(fc.constantFrom(0x0a000000, 0x0a010000, 0xc0a80000), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 14, max: 26 }))
      .map(([hi, lo, len]) => {
        const addr = (hi | lo) >>> 0;
        const mask = (0xffffffff << (32 - len)) >>> 0;
        return v4Key((addr & mask) >>> 0, len) as number | string;
      });
    const op = fc.tuple(fc.boolean(), key, fc.integer());
    fc.assert(
      fc.property(fc.array(op, { maxLength: 1500 }), (ops) => {
        const t = new PrefixTable<number>();
        const m = new Map<number | string, number>();
        for (const [isSet, k, v] of ops) {
          if (isSet) {
            t.set(k, v);
            m.set(k, v);
          } else expect(t.delete(k)).to.equal(m.delete(k));
        }
        expectSameAsMap(t, m);
        for (const k of [...m.keys()]) t.delete(k);
        expect(t.size).to.equal(0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the prefix table sized after another', () => {
  it('starts a /16 block at the size the hint gives and stays a correct map', () => {
    const rib = new PrefixTable<number>();
    for (let i = 0; i < 256; i++) rib.set(v4Key(((100 << 24) | (i << 8)) >>> 0, 24), i);
    expect(rib.blockCapacity((100 << 8) | 0)).to.equal(512);
    const fib = new PrefixTable<number>(16, (hi) => rib.blockCapacity(hi));
    fib.set(v4Key((100 << 24) >>> 0, 24), 7);
    expect(fib.blockCapacity((100 << 8) | 0)).to.equal(512);
    fib.set(v4Key(((101 << 24) | (1 << 16)) >>> 0, 24), 8);
    expect(fib.blockCapacity((101 << 8) | 1)).to.equal(8);
    for (let i = 1; i < 256; i++) fib.set(v4Key(((100 << 24) | (i << 8)) >>> 0, 24), i);
    expect(fib.size).to.equal(257);
    expect(fib.get(v4Key(((100 << 24) | (200 << 8)) >>> 0, 24))).to.equal(200);
    expect(fib.get(v4Key((100 << 24) >>> 0, 24))).to.equal(7);
  });
});

describe('prefix keys', () => {
  const cases = ['0.0.0.0/0', '10.0.0.0/8', '255.255.255.255/32', '::/0', '2001:db8::/32', '2001:db8:0:1::/64', 'fe80::1:0:0:1/128'];
  for (const c of cases) {
    it(`round-trips ${c}`, () => {
      const k = parsePrefix(c);
      expect(formatKey(k)).to.equal(c);
      expect(prefixKey(keyToPrefix(k))).to.equal(k);
    });
  }

  it('rejects host bits and bad lengths', () => {
    expect(() => parsePrefix('10.0.0.1/8')).to.throw(RangeError);
    expect(() => parsePrefix('10.0.0.0/33')).to.throw(RangeError);
    expect(() => parsePrefix('2001:db8::1/64')).to.throw(RangeError);
  });
});
