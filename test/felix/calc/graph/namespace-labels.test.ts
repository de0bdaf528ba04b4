/** The graph's per-namespace inherited labels (computed once per namespace update, not per endpoint). */
import { expect } from 'chai';
import { CalcGraph } from '../../../../felix/calc/graph/calc-graph.ts';
import type { CalcEvent } from '../../../../felix/calc/graph/events.ts';
import { endpointLabels } from '../../../../felix/calc/policy/labels.ts';
import type { NamespaceInput } from '../../../../felix/calc/policy/types.ts';
import { np } from '../policy/world.ts';

describe('felix/calc graph namespace labels', () => {
  function setup() {
    const events: CalcEvent[] = [];
    const g = new CalcGraph({ nodeName: 'n1', listener: (ev) => events.push(...ev) });
    const ns: NamespaceInput = { name: 'a', labels: { team: 'x' } };
    g.upsertNamespace(ns);
    g.upsertEndpoint({ namespace: 'a', name: 'local', labels: { app: 'w' }, ips: ['10.0.0.1'], node: 'n1', interfaceName: 'reef01' });
    g.upsertEndpoint({ namespace: 'a', name: 'peer', labels: { app: 'c' }, ips: ['10.0.0.2'], node: 'n2', interfaceName: 'reef02' });
    g.upsertPolicy(np('a', 'p', { selector: "app == 'w'", ingress: [{ action: 'Allow', source: { namespaceSelector: "team == 'y'" } }] }));
    const members = () => [...g.snapshot().ipsets.values()].map((s) => [...s.members].sort());
    return { g, ns, members };
  }

  it('follows a namespace update, also when the same input object is changed and upserted again', () => {
    const { g, ns, members } = setup();
    expect(members()).to.deep.equal([[]]);
    (ns.labels as Record<string, string>).team = 'y';
    g.upsertNamespace(ns);
    expect(members()).to.deep.equal([['10.0.0.1/32', '10.0.0.2/32']]);
    g.upsertNamespace({ name: 'a', labels: { team: 'z' } });
    expect(members()).to.deep.equal([[]]);
    g.upsertNamespace({ name: 'a', labels: { team: 'y' } });
    expect(members()).to.deep.equal([['10.0.0.1/32', '10.0.0.2/32']]);
  });

  it('drops a namespace\'s labels when it goes, and starts afresh when it comes back', () => {
    const { g, members } = setup();
    g.upsertNamespace({ name: 'a', labels: { team: 'y' } });
    g.removeEndpoint('a/local');
    g.removeEndpoint('a/peer');
    g.removeNamespace('a');
    g.upsertNamespace({ name: 'a', labels: { team: 'y' } });
    g.upsertEndpoint({ namespace: 'a', name: 'local', labels: { app: 'w' }, ips: ['10.0.0.1'], node: 'n1', interfaceName: 'reef01' });
    expect(members()).to.deep.equal([['10.0.0.1/32']]);
  });

  it('gives endpointLabels the same labels with or without the precomputed part', () => {
    const ns: NamespaceInput = { name: 'a', labels: { team: 'x', env: 'p' } };
    const ep = { namespace: 'a', name: 'e', labels: { app: 'w', team: 'own' }, ips: ['10.0.0.1'], node: 'n1', interfaceName: 'reef01' };
    expect([...endpointLabels(ep, ns)].sort()).to.deep.equal([...endpointLabels(ep, ns, undefined)].sort());
    expect(endpointLabels(ep, ns).get('pcns.team')).to.equal('x');
    expect(endpointLabels(ep, ns).get('team')).to.equal('own');
  });
});
