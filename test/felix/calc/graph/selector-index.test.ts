import { expect } from 'chai';
import fc from 'fast-check';
import { prefilter } from '../../../../felix/calc/graph/prefilter.ts';
import { SelectorIndex } from '../../../../felix/calc/graph/selector-index.ts';
import { fromAst } from '../../../../felix/calc/selector/selector.ts';
import { toLabels } from '../../../../felix/calc/selector/compile.ts';
import { labelSet, selectorAst } from '../selector/arbitraries.ts';

type IndexOp =
  | { readonly op: 'addSelector'; readonly s: number }
  | { readonly op: 'removeSelector'; readonly s: number }
  | { readonly op: 'upsertItem'; readonly i: number; readonly labels: Record<string, string> }
  | { readonly op: 'removeItem'; readonly i: number };

const indexOp: fc.Arbitrary<IndexOp> = fc.oneof(
  fc.record({ op: fc.constant('addSelector' as const), s: fc.nat(7) }),
  fc.record({ op: fc.constant('removeSelector' as const), s: fc.nat(7) }),
  fc.record({ op: fc.constant('upsertItem' as const), i: fc.nat(9), labels: labelSet }),
  fc.record({ op: fc.constant('removeItem' as const), i: fc.nat(9) }),
);

describe('felix/calc SelectorIndex', () => {
  it('a prefilter is a necessary condition: every matching label set carries one of its terms (fast-check)', () => {
    fc.assert(
      fc.property(selectorAst, labelSet, (ast, labels) => {
        const terms = prefilter(ast);
        if (terms === undefined || !fromAst(ast).matchesRecord(labels)) return;
        expect(terms.some((t) => (t.value === undefined ? t.key in labels : labels[t.key] === t.value))).to.equal(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('matches what evaluating every selector against every item gives, in any order of updates (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(selectorAst, { minLength: 8, maxLength: 8 }), fc.array(indexOp, { maxLength: 60 }), (asts, ops) => {
        const sels = asts.map(fromAst);
        const index = new SelectorIndex();
        const refs = new Map<string, number>();
        const items = new Map<string, Record<string, string>>();
        for (const o of ops) {
          if (o.op === 'addSelector') {
            index.addSelector(sels[o.s]!);
            refs.set(sels[o.s]!.id, (refs.get(sels[o.s]!.id) ?? 0) + 1);
          } else if (o.op === 'removeSelector') {
            const id = sels[o.s]!.id;
            if (!refs.get(id)) continue;
            index.removeSelector(id);
            refs.set(id, refs.get(id)! - 1);
          } else if (o.op === 'upsertItem') {
            index.upsertItem(`i${o.i}`, toLabels(o.labels));
            items.set(`i${o.i}`, o.labels);
          } else {
            index.removeItem(`i${o.i}`);
            items.delete(`i${o.i}`);
          }
        }
        for (const s of sels) {
          const want = (refs.get(s.id) ?? 0) > 0 ? [...items].filter(([, l]) => s.matchesRecord(l)).map(([k]) => k).sort() : [];
          expect([...index.matches(s.id)].sort(), s.text).to.deep.equal(want);
        }
        for (const item of items.keys()) {
          const want = sels.filter((s) => (refs.get(s.id) ?? 0) > 0 && s.matchesRecord(items.get(item)!)).map((s) => s.id);
          expect([...index.selectorsOf(item)].sort()).to.deep.equal([...new Set(want)].sort());
        }
      }),
      { numRuns: 500 },
    );
  });

  it('evaluates a new selector only against the items carrying its label terms', () => {
    const index = new SelectorIndex();
    for (let i = 0; i < 100; i++) index.upsertItem(`i${i}`, toLabels({ app: `a${i % 10}`, tier: i % 2 ? 'fe' : 'be' }));
    const e0 = index.evaluations;
    const sel = fromAst(prefilterSel());
    expect(index.addSelector(sel).size).to.equal(10);
    // app == "a3" narrows to 10 items; tier == "fe" alone would be 50.
    expect(index.evaluations - e0).to.equal(10);
  });
});

function prefilterSel() {
  return { op: 'and' as const, operands: [{ op: 'eq' as const, key: 'app', value: 'a3' }, { op: 'eq' as const, key: 'tier', value: 'fe' }] };
}
