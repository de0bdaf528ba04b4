import { expect } from 'chai';
import fc from 'fast-check';
import { sameData } from '../../../../felix/calc/graph/same-data.ts';

describe('felix/calc sameData', () => {
  it('agrees with comparing JSON on plain data (keys in one order)', () => {
    const data = fc.letrec((tie) => ({
      // undefined only as a property value: in an array JSON prints it as null, which sameData (conservatively) does not equate.
      v: fc.oneof({ depthSize: 'small' }, fc.constantFrom(0, 1, 'a', 'b', true, false, null), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.oneof(tie('v'), fc.constant(undefined)), { maxKeys: 3 })),
    })).v;
    fc.assert(
      fc.property(data, data, (a, b) => {
        // JSON of a top-level undefined is not a string; compare inside an array.
        expect(sameData([a], [b])).to.equal(JSON.stringify([a]) === JSON.stringify([b]) || sameKeysDiffOrder(a, b));
      }),
      { numRuns: 3000 },
    );
  });

  it('ignores property order and undefined-valued properties, as JSON does', () => {
    expect(sameData({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).to.equal(true);
    expect(sameData({ a: 1, x: undefined }, { a: 1 })).to.equal(true);
    expect(sameData({ a: 1 }, { a: 1, b: 0 })).to.equal(false);
    expect(sameData([1, 2], [2, 1])).to.equal(false);
    expect(sameData([], {})).to.equal(false);
  });
});

/** JSON differs for equal objects whose keys come in another order; sameData calls those equal. */
function sameKeysDiffOrder(a: unknown, b: unknown): boolean {
  const sorted = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(sorted) : x && typeof x === 'object' ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, sorted((x as Record<string, unknown>)[k])])) : x;
  return JSON.stringify([sorted(a)]) === JSON.stringify([sorted(b)]);
}
