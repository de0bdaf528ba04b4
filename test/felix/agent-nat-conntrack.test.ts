import { expect } from 'chai';
import { PolicyAgent } from '../../felix/agent.ts';
import { useNetns } from '../harness/netns.ts';
import { addHost, addPod, createNode, probe, probeDetail, type Pod, type Probeable, type SimNode } from './topology.ts';
import { eventually } from './dataplane/kernel-helpers.ts';

describe('policy agent NAT and conntrack @integration', function () {
  this.timeout(60_000);
  const netns = useNetns();
  let node: SimNode;
  let web: Pod, client: Pod;
  let outside: Probeable;
  let agent: PolicyAgent;

  before(async () => {
    node = await createNode(netns(), 'node-nat');
    web = await addPod(node, { namespace: 'a', name: 'web', labels: { app: 'web' }, ip: '10.67.0.2' });
    client = await addPod(node, { namespace: 'a', name: 'client', labels: { app: 'client' }, ip: '10.67.0.3' });
    outside = await addHost(node, { hostIp: '203.0.113.2', nodeIp: '203.0.113.1' });
    agent = new PolicyAgent({ nodeName: node.name, runner: node.runner, families: [4], recheckIntervalMs: 0, coalesceMs: 2 });
    await agent.start();
    for (const p of node.pods) agent.upsertEndpoint(p.endpoint);
    agent.synced();
    await agent.flush();
  });

  after(async () => {
    await agent?.stop();
  });

  it('masquerades pod traffic leaving a natOutgoing pool, and only that', async () => {
    // The outside host has no route back to the pool: without NAT nothing returns.
    expect(await probe(client, outside, 'tcp', 80)).to.equal(false);
    agent.upsertPool({ name: 'pods', cidr: '10.67.0.0/16', natOutgoing: true });
    await agent.flush();
    const res = await probeDetail(client, outside, 'tcp', 80);
    expect(res.reply).to.equal('ok 203.0.113.1');
    // Inside the pools the source stays the pod's own.
    expect((await probeDetail(client, web, 'tcp', 80)).reply).to.equal(`ok ${client.ip}`);
    agent.upsertPool({ name: 'pods', cidr: '10.67.0.0/16', natOutgoing: false });
    await agent.flush();
    expect(await probe(client, outside, 'tcp', 80)).to.equal(false);
  });

  it('flushes conntrack when a new policy denies a flow that was established', async () => {
    const srcPort = 45_123;
    expect(await probe(client, web, 'udp', 53, { srcPort })).to.equal(true);
    const listed = async () => (await node.scope.exec(node.ns, ['conntrack', '-L', '-f', 'ipv4', '-p', 'udp', '--orig-src', client.ip, '--sport', String(srcPort)], { allowFailure: true })).stdout;
    expect(await listed()).to.contain(`dst=${web.ip}`);
    agent.upsertPolicy({ kind: 'NetworkPolicy', namespace: 'a', name: 'web-tcp-only', spec: { selector: "app == 'web'", types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP' }] } });
    await agent.flush();
    await agent.settled();
    await eventually(async () => {
      expect(await listed()).to.not.contain(`dst=${web.ip}`);
    });
    // The same 5-tuple again: with the entry gone it meets the new rules.
    expect(await probe(client, web, 'udp', 53, { srcPort })).to.equal(false);
    expect(await probe(client, web, 'tcp', 80)).to.equal(true);
  });
});
