import { expect } from 'chai';
import fc from 'fast-check';
import { checkSelector } from '../../src/model/index.ts';

describe('checkSelector (light syntax check)', () => {
  const valid = [
    '',
    'all()',
    "app == 'web'",
    'app == "web" && tier != "db"',
    "has(projectcalico.org/namespace) || !has(role)",
    "env in {'prod', 'staging'} && team not in {\"a\"}",
    "(a == 'x' || b == 'y') && c starts with 'z'",
    "key == 'a(b'",
  ];
  for (const s of valid) {
    it(`accepts ${JSON.stringify(s)}`, () => expect(checkSelector(s)).to.equal(undefined));
  }

  const invalid: [string, number, string][] = [
    ["app == 'web", 7, 'never closed'],
    ['(a == "x"', 0, "'(' is never closed"],
    ['a == "x")', 8, 'no matching'],
    ["k in {'a')", 9, "closes the '{'"],
    ["a == 'x' & b == 'y'", 9, "use '&&'"],
    ["a == 'x' | b == 'y'", 9, "use '||'"],
    ["a = 'x'", 2, "use '=='"],
    ["a == 'x' ; b", 9, 'unexpected character ";"'],
    ['a == `x`', 5, 'unexpected character'],
  ];
  for (const [s, offset, reason] of invalid) {
    it(`refuses ${JSON.stringify(s)} at offset ${offset}`, () => {
      const p = checkSelector(s);
      expect(p?.offset).to.equal(offset);
      expect(p?.reason).to.include(reason);
    });
  }

  it('never throws, and any offset it reports is inside the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ab=!&|(){}\'", ;x'.split('')) }), (s) => {
        const p = checkSelector(s);
        if (p) expect(p.offset).to.be.within(0, s.length - 1);
      }),
    );
  });
});
