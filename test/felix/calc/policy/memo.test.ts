/**
 * The converters' selector cache (memoSelector keyed by the source fields):
 * a warm cache gives exactly what a cold one does, keys never collide for
 * different inputs, and failures are never cached.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { generate } from '../../../../bench/felix/workload.ts';
import { convertPolicy } from '../../../../felix/calc/policy/convert.ts';
import { labelSelectorKey } from '../../../../felix/calc/policy/convert-k8s.ts';
import { PolicyInvalidError } from '../../../../felix/calc/policy/errors.ts';
import type { Policy, PolicyInput } from '../../../../felix/calc/policy/types.ts';
import { print } from '../../../../felix/calc/selector/ast.ts';
import { fromLabelSelector, type LabelSelector } from '../../../../felix/calc/selector/k8s.ts';
import { clearSelectorMemo, memoSelector, Selector } from '../../../../felix/calc/selector/selector.ts';
import { gnp, knp, np } from './world.ts';

/** A policy as comparable text: every Selector by its canonical text and id. */
function text(p: Policy): string {
  return JSON.stringify(p, (_k, v: unknown) => (v instanceof Selector ? `${v.text} @${v.id}` : v));
}

function cold(p: PolicyInput): string {
  clearSelectorMemo();
  return text(convertPolicy(p));
}

describe('felix/calc selector memo', () => {
  it('builds once per key and returns the same Selector', () => {
    clearSelectorMemo();
    let builds = 0;
    const build = () => (builds++, fromLabelSelector({ matchLabels: { a: 'b' } }));
    const a = memoSelector('test-a', build);
    const b = memoSelector('test-a', build);
    expect(a).to.equal(b);
    expect(builds).to.equal(1);
    // No key: always built (same canonical Selector all the same).
    memoSelector(undefined, build);
    memoSelector(undefined, build);
    expect(builds).to.equal(3);
  });

  it('caches nothing when the build throws', () => {
    clearSelectorMemo();
    expect(() => memoSelector('test-b', () => { throw new Error('boom'); })).to.throw('boom');
    expect(memoSelector('test-b', () => fromLabelSelector(undefined)).text).to.equal('all()');
  });

  it('converts the bench workload the same warm as cold', () => {
    const w = generate({ endpoints: 10, policies: 200, local: 2, node: 'n' });
    const want = w.policies.map(cold);
    // Warm, in reverse order, twice: every lookup after the first pass hits.
    for (let round = 0; round < 2; round++) {
      for (let i = w.policies.length - 1; i >= 0; i--) expect(text(convertPolicy(w.policies[i]!))).to.equal(want[i]);
    }
  });

  it('keeps namespaces, notSelector and empty texts apart', () => {
    const inputs: PolicyInput[] = [
      knp('a', 'p', { podSelector: { matchLabels: { app: 'x' } }, ingress: [{ from: [{ podSelector: { matchLabels: { tier: 'y' } } }] }] }),
      knp('b', 'p', { podSelector: { matchLabels: { app: 'x' } }, ingress: [{ from: [{ podSelector: { matchLabels: { tier: 'y' } } }] }] }),
      knp('a', 'q', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] }),
      knp('a', 'r', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] }),
      knp('a', 's', { podSelector: {}, ingress: [{ from: [{ podSelector: {}, namespaceSelector: { matchLabels: { team: 'a' } } }] }] }),
      np('a', 'p', { selector: "app == 'x'", ingress: [{ action: 'Allow', source: { selector: "tier == 'y'" } }] }),
      np('b', 'p', { selector: "app == 'x'", ingress: [{ action: 'Allow', source: { selector: "tier == 'y'" } }] }),
      np('a', 'n', { selector: "app == 'x'", ingress: [{ action: 'Allow', source: { notSelector: "tier == 'y'" } }] }),
      np('a', 'm', { selector: '', ingress: [{ action: 'Allow', source: { selector: "tier == 'y'", notSelector: "app == 'z'" } }] }),
      np('a', 'o', { ingress: [{ action: 'Allow', source: { selector: "tier == 'y'", namespaceSelector: 'all()' } }] }),
      gnp('p', { selector: "app == 'x'", ingress: [{ action: 'Allow', source: { selector: "tier == 'y'" } }] }),
      gnp('q', { selector: "app == 'x'", namespaceSelector: "team == 'a'", ingress: [{ action: 'Allow', source: { selector: "tier == 'y'", namespaceSelector: "team == 'a'" } }] }),
    ];
    const want = inputs.map(cold);
    for (const round of [0, 1]) for (let i = 0; i < inputs.length; i++) expect(text(convertPolicy(inputs[i]!)), `round ${round}: ${i}`).to.equal(want[i]);
    const a = convertPolicy(inputs[0]!);
    const b = convertPolicy(inputs[1]!);
    expect(a.selector.text).to.include('"a"');
    expect(b.selector.text).to.include('"b"');
    expect(a.ingress![0]!.src.selector!.text).to.not.equal(b.ingress![0]!.src.selector!.text);
  });

  it('still rejects an invalid selector whose other fields are cached', () => {
    const ok = np('a', 'ok', { selector: "app == 'x'", ingress: [{ action: 'Allow', source: { selector: "tier == 'y'" } }] });
    convertPolicy(ok);
    const bad = np('a', 'bad', { selector: "app == 'x'", ingress: [{ action: 'Allow', source: { selector: "tier == 'y'", notSelector: 'tier ==' } }] });
    expect(() => convertPolicy(bad)).to.throw(PolicyInvalidError);
    expect(() => convertPolicy(bad)).to.throw(PolicyInvalidError);
    const badK8s = knp('a', 'bad', { podSelector: { matchExpressions: [{ key: 'x', operator: 'In', values: [] }] } });
    expect(() => convertPolicy(badK8s)).to.throw(PolicyInvalidError);
    expect(() => convertPolicy(badK8s)).to.throw(PolicyInvalidError);
  });

  it('labelSelectorKey: equal keys only for selectors that mean the same', () => {
    const str = fc.constantFrom('', 'a', 'b', '1', '1:', ':a', 'a|', '|1:a', 'E0', 'L1', '[');
    const ls: fc.Arbitrary<LabelSelector | undefined> = fc.option(
      fc.record(
        {
          matchLabels: fc.dictionary(str, str, { maxKeys: 2 }),
          matchExpressions: fc.array(
            fc.record({ key: str, operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist') as fc.Arbitrary<'In' | 'NotIn' | 'Exists' | 'DoesNotExist'>, values: fc.option(fc.array(str, { minLength: 1, maxLength: 2 }), { nil: undefined }) }, { requiredKeys: ['key', 'operator'] }),
            { maxLength: 2 },
          ),
        },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    );
    const meaning = (x: LabelSelector | undefined) => {
      try {
        return print(fromLabelSelector(x));
      } catch {
        return 'invalid';
      }
    };
    fc.assert(
      fc.property(ls, ls, (a, b) => {
        if (labelSelectorKey(a) === labelSelectorKey(b)) expect(meaning(a)).to.equal(meaning(b));
        // The key is a function of the content, not of the object.
        expect(labelSelectorKey(a)).to.equal(labelSelectorKey(a === undefined ? undefined : structuredClone(a)));
      }),
      { numRuns: 2000 },
    );
    expect(labelSelectorKey({ matchLabels: { a: '1:b' } })).to.not.equal(labelSelectorKey({ matchLabels: { 'a1:': 'b' } }));
  });
});
