import { expect } from 'chai';
import { convertPolicy, decide, type NamespaceInput, type PolicyInput } from '../../felix/calc/policy/index.ts';
import { PolicyAgent } from '../../felix/agent.ts';
import { useNetns } from '../harness/netns.ts';
import { addPod, createNode, probe, relabel, workloadIface, type Pod, type SimNode } from './topology.ts';
import { eventually, iptablesSave, reefIpsets } from './dataplane/kernel-helpers.ts';

const namespaces: NamespaceInput[] = [
  { name: 'prod', labels: { env: 'prod' } },
  { name: 'dev', labels: { env: 'dev' } },
];

const webPolicy: PolicyInput = {
  kind: 'NetworkPolicy',
  namespace: 'prod',
  name: 'web-from-clients',
  spec: {
    selector: "app == 'web'",
    types: ['Ingress'],
    ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "app == 'client'" }, destination: { ports: [80] } }],
  },
};

describe('policy agent in a routed topology @integration', function () {
  this.timeout(60_000);
  const netns = useNetns();
  let node: SimNode;
  let web: Pod, client: Pod, devClient: Pod;
  let agent: PolicyAgent;
  const policies: PolicyInput[] = [];

  const oracle = (from: Pod, to: Pod, port: number) =>
    decide(
      { endpoints: node.pods.map((p) => p.endpoint), namespaces, policies: policies.map(convertPolicy) },
      { src: { endpoint: `${from.namespace}/${from.name}` }, dst: { endpoint: `${to.namespace}/${to.name}` }, protocol: 'TCP', srcPort: 40000, dstPort: port },
    ).verdict === 'allow';

  async function expectMatrix(pairs: [Pod, Pod, number][]): Promise<void> {
    for (const [from, to, port] of pairs) {
      const want = oracle(from, to, port);
      expect(await probe(from, to, 'tcp', port), `${from.name} -> ${to.name}:${port}`).to.equal(want);
    }
  }

  before(async () => {
    const scope = netns();
    node = await createNode(scope, 'node-a');
    web = await addPod(node, { namespace: 'prod', name: 'web', labels: { app: 'web' }, ip: '10.65.0.2' });
    client = await addPod(node, { namespace: 'prod', name: 'client', labels: { app: 'client' }, ip: '10.65.0.3' });
    devClient = await addPod(node, { namespace: 'dev', name: 'client', labels: { app: 'client' }, ip: '10.65.0.4' });
    // Another program's rules, which every operation must leave alone.
    await scope.exec(node.ns, ['iptables', '-N', 'foreign-chain']);
    await scope.exec(node.ns, ['iptables', '-A', 'foreign-chain', '-s', '198.51.100.7', '-j', 'RETURN']);
    await scope.exec(node.ns, ['iptables', '-A', 'FORWARD', '-s', '198.51.100.0/24', '-m', 'comment', '--comment', 'foreign rule', '-j', 'foreign-chain']);
    agent = new PolicyAgent({ nodeName: node.name, runner: node.runner, families: [4, 6], recheckIntervalMs: 300, coalesceMs: 2 });
    await agent.start();
  });

  after(async () => {
    await agent?.stop();
  });

  afterEach(async () => {
    const save = await iptablesSave(node);
    expect(save).to.contain('-A FORWARD -s 198.51.100.0/24 -m comment --comment "foreign rule" -j foreign-chain');
    expect(save).to.contain('-A foreign-chain -s 198.51.100.7/32 -j RETURN');
  });

  it('fails closed before the first sync', async () => {
    const save = await iptablesSave(node);
    expect(save).to.match(/-A FORWARD .*reef:\S+.* -j reef-FORWARD/);
    expect(save).to.match(/-A reef-from-wl-dispatch .* -j DROP/);
    expect(save).to.not.match(/reef-fw-/);
  });

  it('programs routes and veth settings, and allows everything without policy', async () => {
    for (const ns of namespaces) agent.upsertNamespace(ns);
    for (const p of node.pods) agent.upsertEndpoint(p.endpoint);
    agent.synced();
    await agent.flush();
    const routes = (await node.scope.exec(node.ns, ['ip', 'route', 'show', 'proto', '86'])).stdout;
    expect(routes).to.contain(`10.65.0.2 dev ${web.iface} scope link`);
    const proxyArp = await node.scope.exec(node.ns, ['sysctl', '-n', `net.ipv4.conf.${web.iface}.proxy_arp`, `net.ipv4.neigh.${web.iface}.proxy_delay`]);
    expect(proxyArp.stdout.split('\n').slice(0, 2)).to.deep.equal(['1', '0']);
    await expectMatrix([[client, web, 80], [devClient, web, 80], [web, client, 8080], [client, devClient, 80]]);
  });

  it('enforces a namespaced policy as decide() says', async () => {
    policies.push(webPolicy);
    agent.upsertPolicy(webPolicy);
    await agent.flush();
    expect(oracle(devClient, web, 80)).to.equal(false);
    await expectMatrix([[client, web, 80], [client, web, 8080], [devClient, web, 80], [web, client, 80]]);
  });

  it('applies a label change as one ipset member, not a table rewrite', async () => {
    agent.upsertEndpoint(relabel(client, { app: 'other' }));
    await agent.flush();
    const last = agent.status().lastApply!;
    expect(last.stats.tables.chainsWritten).to.equal(0);
    expect(last.stats.ipsets.membersRemoved).to.equal(1);
    await expectMatrix([[client, web, 80]]);
    agent.upsertEndpoint(relabel(client, { app: 'client' }));
    await agent.flush();
    await expectMatrix([[client, web, 80]]);
  });

  it('repairs a deleted rule and a deleted ipset member within the re-check interval', async () => {
    const save = await iptablesSave(node);
    const chain = /^:(reef-pi-\S+)/m.exec(save)![1]!;
    const sets = await reefIpsets(node);
    const [setName, members] = [...sets].find(([, m]) => m.includes('10.65.0.3'))!;
    expect(members).to.include('10.65.0.3');
    const before = agent.status().totals;
    await node.scope.exec(node.ns, ['iptables', '-D', chain, '1']);
    await node.scope.exec(node.ns, ['ipset', 'del', setName, '10.65.0.3']);
    await node.scope.exec(node.ns, ['iptables', '-D', 'FORWARD', '1']);
    await eventually(async () => {
      const now = agent.status().totals;
      expect(now.chainsWritten - before.chainsWritten, 'chains repaired').to.be.at.least(1);
      expect(now.membersAdded - before.membersAdded, 'members repaired').to.be.at.least(1);
      expect(now.baseChainsFixed - before.baseChainsFixed, 'jumps repaired').to.be.at.least(1);
      const after = await iptablesSave(node);
      expect(after.split('\n').filter((l) => l.startsWith(`-A ${chain} `))).to.have.length(save.split('\n').filter((l) => l.startsWith(`-A ${chain} `)).length);
      expect((await reefIpsets(node)).get(setName)).to.include('10.65.0.3');
    });
    await expectMatrix([[client, web, 80]]);
  });

  it('drops traffic from a workload interface it does not know, until the endpoint arrives', async () => {
    const stranger = await addPod(node, { namespace: 'prod', name: 'stranger', labels: { app: 'client' }, ip: '10.65.0.9' });
    // Route and ARP by hand, so only policy stands in the way.
    await node.scope.exec(node.ns, ['sysctl', '-qw', `net.ipv4.conf.${stranger.iface}.proxy_arp=1`, `net.ipv4.neigh.${stranger.iface}.proxy_delay=0`, `net.ipv4.conf.${stranger.iface}.forwarding=1`]);
    await node.scope.exec(node.ns, ['ip', 'route', 'add', '10.65.0.9/32', 'dev', stranger.iface]);
    expect(stranger.iface).to.equal(workloadIface(node.name, 'prod', 'stranger'));
    expect(await probe(stranger, client, 'tcp', 8080)).to.equal(false);
    await node.scope.exec(node.ns, ['ip', 'route', 'del', '10.65.0.9/32', 'dev', stranger.iface]);
    agent.upsertEndpoint(stranger.endpoint);
    await agent.flush();
    await expectMatrix([[stranger, client, 8080], [stranger, web, 80]]);
  });

  it('keeps every rule while the agent is stopped, and a restarted agent rewrites nothing', async () => {
    const rules = async () => (await iptablesSave(node)).split('\n').filter((l) => l.startsWith('-A'));
    const before = await rules();
    await agent.stop();
    await agent.stop();
    expect(await rules()).to.deep.equal(before);
    expect(await probe(devClient, web, 'tcp', 80)).to.equal(false);
    expect(await probe(client, web, 'tcp', 80)).to.equal(true);
    agent = new PolicyAgent({ nodeName: node.name, runner: node.runner, families: [4, 6], recheckIntervalMs: 300, coalesceMs: 2 });
    await agent.start();
    for (const ns of namespaces) agent.upsertNamespace(ns);
    for (const p of node.pods) agent.upsertEndpoint(p.endpoint);
    for (const p of policies) agent.upsertPolicy(p);
    agent.synced();
    await agent.flush();
    const last = agent.status().lastApply!;
    expect(last.full).to.equal(true);
    expect(last.stats.tables.chainsWritten).to.equal(0);
    expect(last.stats.ipsets.membersAdded + last.stats.ipsets.membersRemoved).to.equal(0);
    await expectMatrix([[client, web, 80], [devClient, web, 80]]);
  });

  it('uninstalls every reef chain, jump and ipset and leaves the foreign rules', async () => {
    await agent.uninstall();
    for (const cmd of ['iptables-save', 'ip6tables-save']) {
      const all = (await node.scope.exec(node.ns, [cmd])).stdout;
      expect(all, cmd).to.not.match(/reef/);
    }
    expect((await reefIpsets(node)).size).to.equal(0);
    const save = await iptablesSave(node);
    expect(save).to.contain('-A FORWARD -s 198.51.100.0/24 -m comment --comment "foreign rule" -j foreign-chain');
    expect(save).to.contain('-A foreign-chain -s 198.51.100.7/32 -j RETURN');
    expect((await node.scope.exec(node.ns, ['ip', 'route', 'show', 'proto', '86'])).stdout.trim()).to.equal('');
  });
});
