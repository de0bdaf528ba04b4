import { expect } from 'chai';
import { convertPolicy, type PolicyInput } from '../../../felix/calc/policy/index.ts';
import { useNetns } from '../../harness/netns.ts';
import { Cluster } from './cluster.ts';
import { formatDiff, PORT_COLUMNS, PORT_COLUMNS6, probeMatrix, type Column } from './matrix.ts';
import { runScenario } from './runner.ts';
import { SCENARIOS } from './scenarios.ts';

/** Runs `check` while the agents, and not the oracle, have `hidden`; removes it again whatever happens. */
async function withHidden(c: Cluster, hidden: PolicyInput, check: () => Promise<void>): Promise<void> {
  const key = convertPolicy(hidden).key;
  await c.reset();
  for (const a of c.agents) a.upsertPolicy(hidden);
  await c.programmed();
  try {
    await check();
  } finally {
    for (const a of c.agents) a.removePolicy(key);
    await c.programmed();
  }
}

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

  const BOTH_FAMILIES: readonly Column[] = [...PORT_COLUMNS, ...PORT_COLUMNS6];
  /** The grids formatDiff() drew, by their header line's column. */
  const gridColumns = (diff: string) => diff.split('\n').flatMap((l) => /^((?:tcp|udp)6?\/\d+) +to:/.exec(l)?.[1] ?? []);

  it('puts nine dual-stack pods in three labelled namespaces on two nodes', () => {
    const c = cluster!;
    expect(c.pods).to.have.length(9);
    expect(new Set(c.pods.map((p) => p.namespace))).to.have.property('size', 3);
    for (const n of c.nodes) expect(n.pods.length, n.name).to.be.at.least(4);
    expect(c.state().namespaces.every((ns) => Object.keys(ns.labels).length > 0)).to.equal(true);
    for (const p of c.pods) {
      // The same host number in the node's /24 and /64, and both addresses given to the agents and the oracle.
      const [prefix4, prefix6] = p.node.name === 'node-a' ? ['10.65.1.', 'fd65:1::'] : ['10.65.2.', 'fd65:2::'];
      expect(p.ip.startsWith(prefix4) && p.ip6 === `${prefix6}${p.ip.slice(prefix4.length)}`, `${p.ip} ${p.ip6 ?? ''}`).to.equal(true);
      expect(p.endpoint.ips).to.deep.equal([`${p.ip}/32`, `${p.ip6!}/128`]);
    }
  });

  it('reports, cell by cell, a dataplane that differs from the oracle', async () => {
    const c = cluster!;
    // Given to the agents only: the oracle still expects every cell allowed.
    const hidden: PolicyInput = { kind: 'GlobalNetworkPolicy', name: 'hidden-from-the-oracle', spec: { selector: "app == 'db'", ingress: [{ action: 'Deny', protocol: 'UDP' }, { action: 'Allow' }] } };
    await withHidden(c, hidden, async () => {
      const result = await probeMatrix(c.pods, BOTH_FAMILIES, c.state());
      // Three db pods, eight other senders each, two UDP ports, both families.
      expect(result.mismatches).to.have.length(3 * 8 * 2 * 2);
      expect(result.mismatches.every((m) => m.column.startsWith('udp') && m.to.name === 'db' && !m.ok)).to.equal(true);
      const diff = formatDiff(c.pods, result);
      expect(gridColumns(diff)).to.deep.equal(['udp/53', 'udp/5353', 'udp6/53', 'udp6/5353']);
      expect(diff).to.contain('prod/web -> prod/db udp/53').and.contain('prod/web -> prod/db udp6/5353');
      // Row prod/web: every db column (2, 5, 8) denied against the oracle, in each of the four grids.
      expect(diff.match(/0 prod\/web {2}o o - o o - o o -/g)).to.have.length(4);
    });
  });

  it('reports a dataplane that differs from the oracle over IPv6 only', async () => {
    const c = cluster!;
    // Given to the agents only: web pods refuse node B's pods, but only by their IPv6 addresses.
    const hidden: PolicyInput = {
      kind: 'GlobalNetworkPolicy',
      name: 'hidden-ipv6-from-the-oracle',
      spec: { selector: "app == 'web'", ingress: [{ action: 'Deny', source: { nets: ['fd65:2::/64'] } }, { action: 'Allow' }] },
    };
    await withHidden(c, hidden, async () => {
      const result = await probeMatrix(c.pods, BOTH_FAMILIES, c.state());
      // Node B's four pods to the two web pods on node A, three (not itself) to dev/web on node B; four IPv6 columns.
      expect(result.mismatches).to.have.length((4 + 4 + 3) * 4);
      for (const m of result.mismatches) {
        expect((PORT_COLUMNS6 as readonly string[]).includes(m.column) && m.to.name === 'web' && m.from.node.name === 'node-b' && !m.ok, `${m.column} ${m.from.ip6 ?? ''} -> ${m.to.ip6 ?? ''}`).to.equal(true);
      }
      const diff = formatDiff(c.pods, result);
      expect(gridColumns(diff)).to.deep.equal([...PORT_COLUMNS6]);
      expect(diff).to.contain('dev/db -> prod/web tcp6/80').and.not.contain('dev/db -> prod/web tcp/80');
      // Row prod/api (on node B): the web columns (0, 3, 6) denied against the oracle.
      expect(diff).to.match(/1 prod\/api {2}- o o - o o - o o/);
    });
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
