import { expect } from 'chai';
import { convertPolicy, type PolicyInput } from '../../../felix/calc/policy/index.ts';
import { useNetns } from '../../harness/netns.ts';
import { Cluster } from './cluster.ts';
import { formatDiff, PORT_COLUMNS, probeMatrix } from './matrix.ts';
import { runScenario } from './runner.ts';
import { SCENARIOS } from './scenarios.ts';

describe('policy agent acceptance: the full reachability matrix on two nodes @integration', function () {
  this.timeout(60_000);
  let cluster: Cluster | undefined;
  const totals = { probes: 0, retried: 0, staleFlowProbes: 0 };

  // Registered before useNetns() so the agents stop before their namespaces go.
  after(async () => {
    await cluster?.stop();
    console.log(`      ${totals.probes} probes, ${totals.staleFlowProbes} of them re-used a source port across a change; ${totals.retried} needed a second, slower try`);
  });
  const netns = useNetns();
  before(async function () {
    this.timeout(120_000);
    cluster = await Cluster.create(netns());
  });

  it('puts nine pods in three labelled namespaces on two nodes', () => {
    const c = cluster!;
    expect(c.pods).to.have.length(9);
    expect(new Set(c.pods.map((p) => p.namespace))).to.have.property('size', 3);
    for (const n of c.nodes) expect(n.pods.length, n.name).to.be.at.least(4);
    expect(c.state().namespaces.every((ns) => Object.keys(ns.labels).length > 0)).to.equal(true);
  });

  it('reports, cell by cell, a dataplane that differs from the oracle', async () => {
    const c = cluster!;
    // Given to the agents only: the oracle still expects every cell allowed.
    const hidden: PolicyInput = { kind: 'GlobalNetworkPolicy', name: 'hidden-from-the-oracle', spec: { selector: "app == 'db'", ingress: [{ action: 'Deny', protocol: 'UDP' }, { action: 'Allow' }] } };
    const key = convertPolicy(hidden).key;
    await c.reset();
    for (const a of c.agents) a.upsertPolicy(hidden);
    await c.programmed();
    try {
      const result = await probeMatrix(c.pods, PORT_COLUMNS, c.state());
      // Three db pods, eight other senders each, two UDP ports.
      expect(result.mismatches).to.have.length(3 * 8 * 2);
      expect(result.mismatches.every((m) => m.column.startsWith('udp') && m.to.name === 'db' && !m.ok)).to.equal(true);
      const diff = formatDiff(c.pods, result);
      expect(diff).to.contain('udp/53').and.contain('prod/web -> prod/db udp/53');
      // Row prod/web: every db column (2, 5, 8) denied against the oracle.
      expect(diff).to.match(/0 prod\/web {2}o o - o o - o o -/);
    } finally {
      for (const a of c.agents) a.removePolicy(key);
      await c.programmed();
    }
  });

  for (const s of SCENARIOS) {
    it(s.name, async () => {
      const r = await runScenario(cluster!, s);
      totals.probes += r.probes;
      totals.retried += r.retried;
      totals.staleFlowProbes += r.staleFlowProbes;
    });
  }
});
