import { expect } from 'chai';
import { selectorMatches } from '../../src/cni/node-selector.ts';

describe('IPPool nodeSelector against node labels', () => {
  const labels = { zone: 'a', rack: 'r1', 'reef.dev/gpu': 'yes' };
  const cases: [string, boolean][] = [
    ['all()', true],
    ['', true],
    ["zone == 'a'", true],
    ['zone == "b"', false],
    ["zone != 'b'", true],
    ['has(reef.dev/gpu)', true],
    ['!has(ssd)', true],
    ["zone == 'a' && rack == 'r2'", false],
    ["zone == 'b' || rack == 'r1'", true],
    ["(zone == 'b' || rack == 'r1') && has(zone)", true],
    ["zone in {'a', 'c'}", true],
    ["zone not in {'a'}", false],
    ["missing not in {'a'}", true],
    ["zone starts with 'a'", true],
    ["rack contains '2'", false],
    // A selector that does not parse matches nothing rather than everything.
    ["zone == 'a' &&", false],
  ];
  for (const [sel, want] of cases) {
    it(`${JSON.stringify(sel)} -> ${want}`, () => expect(selectorMatches(sel, labels)).to.equal(want));
  }
});
