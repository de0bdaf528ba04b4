import { expect } from 'chai';
import { toLabels } from '../../../../felix/calc/selector/compile.ts';
import { fromLabelSelector, LabelSelectorError, type LabelSelector } from '../../../../felix/calc/selector/k8s.ts';
import { fromAst, selector } from '../../../../felix/calc/selector/selector.ts';

interface Case {
  name: string;
  ls: LabelSelector | undefined;
  calico: string;
  yes: Record<string, string>[];
  no: Record<string, string>[];
}

const cases: Case[] = [
  { name: 'absent selects everything', ls: undefined, calico: 'all()', yes: [{}, { a: '1' }], no: [] },
  { name: '{} selects everything', ls: {}, calico: 'all()', yes: [{}], no: [] },
  {
    name: 'matchLabels are ANDed',
    ls: { matchLabels: { app: 'web', tier: 'fe' } },
    calico: 'app == "web" && tier == "fe"',
    yes: [{ app: 'web', tier: 'fe', x: 'y' }],
    no: [{ app: 'web' }, { app: 'web', tier: 'be' }],
  },
  {
    name: 'In needs the key',
    ls: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'stage'] }] },
    calico: 'env in {"prod", "stage"}',
    yes: [{ env: 'prod' }],
    no: [{}, { env: 'dev' }],
  },
  {
    name: 'NotIn matches a missing key',
    ls: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] },
    calico: 'env not in {"prod"}',
    yes: [{}, { env: 'dev' }],
    no: [{ env: 'prod' }],
  },
  {
    name: 'Exists',
    ls: { matchExpressions: [{ key: 'env', operator: 'Exists' }] },
    calico: 'has(env)',
    yes: [{ env: '' }],
    no: [{}],
  },
  {
    name: 'DoesNotExist',
    ls: { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] },
    calico: '!has(env)',
    yes: [{}],
    no: [{ env: 'x' }],
  },
  {
    name: 'matchLabels and matchExpressions together',
    ls: { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'replica', operator: 'DoesNotExist' }] },
    calico: '!has(replica) && app == "db"',
    yes: [{ app: 'db' }],
    no: [{ app: 'db', replica: '1' }, {}],
  },
];

describe('felix/calc selector from Kubernetes LabelSelectors', () => {
  for (const c of cases) {
    it(c.name, () => {
      const s = fromAst(fromLabelSelector(c.ls));
      expect(s.text).to.equal(c.calico);
      // Same selector, same id: a Kubernetes and a Calico policy share the ipset.
      expect(s.id).to.equal(selector(c.calico).id);
      for (const l of c.yes) expect(s.matches(toLabels(l)), JSON.stringify(l)).to.equal(true);
      for (const l of c.no) expect(s.matches(toLabels(l)), JSON.stringify(l)).to.equal(false);
    });
  }

  it('rejects In without values and Exists with values, naming the field', () => {
    expect(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, 'spec.podSelector'))
      .to.throw(LabelSelectorError)
      .with.property('code', 'LABEL_SELECTOR_INVALID');
    expect(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'p')).to.throw(
      /p\.matchExpressions\[0\]: operator Exists takes no values/,
    );
  });
});
