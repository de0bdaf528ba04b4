import { expect } from 'chai';
import { PolicyAgent } from '../../felix/agent.ts';
import { policyChain } from '../../felix/calc/render/index.ts';
import { EtcdDatastore } from '../../src/datastore/etcd.ts';
import { PolicySource } from '../../src/node/policy-source.ts';
import type { Resource } from '../../src/model/resource.ts';
import { useEtcd } from '../harness/etcd.ts';
import { useNetns } from '../harness/netns.ts';
import { eventually, iptablesSave } from './dataplane/kernel-helpers.ts';
import { addPod, createNode, probe, type Pod, type SimNode } from './topology.ts';

const API = 'reef.dev/v1';

function wep(pod: Pod): Resource {
  return {
    apiVersion: API,
    kind: 'WorkloadEndpoint',
    metadata: { name: pod.name, namespace: pod.namespace, labels: pod.labels },
    spec: { node: pod.node.name, interfaceName: pod.iface, ipNetworks: [`${pod.ip}/32`], pod: pod.name, ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
  };
}

describe('policy agent fed from the datastore @integration', function () {
  this.timeout(60_000);
  const etcd = useEtcd();
  const netns = useNetns();
  let ds: EtcdDatastore;
  let node: SimNode;
  let web: Pod, client: Pod;
  let agent: PolicyAgent;
  let source: PolicySource;

  before(async () => {
    ds = new EtcdDatastore({ endpoints: [etcd().endpoint] });
    node = await createNode(netns(), 'node-ds');
    web = await addPod(node, { namespace: 'shop', name: 'web', labels: { app: 'web' }, ip: '10.66.0.2' });
    client = await addPod(node, { namespace: 'shop', name: 'client', labels: { app: 'client' }, ip: '10.66.0.3' });
    agent = new PolicyAgent({ nodeName: node.name, runner: node.runner, families: [4], recheckIntervalMs: 0, coalesceMs: 2 });
    await agent.start();
    source = new PolicySource({ datastore: ds, agent });
    await ds.create(wep(web));
    source.start();
  });

  after(async () => {
    await source?.stop();
    await agent?.stop();
    await ds?.close();
  });

  it('programs what is stored, once every watch has caught up', async () => {
    await eventually(async () => {
      expect(agent.status().synced).to.equal(true);
      expect(agent.status().endpoints).to.equal(1);
      expect(await iptablesSave(node)).to.contain(`:reef-tw-${web.iface}`);
    });
  });

  it('turns a stored NetworkPolicy into rules in the node namespace, and traffic follows', async () => {
    await ds.create(wep(client));
    await ds.create({
      apiVersion: API,
      kind: 'NetworkPolicy',
      metadata: { name: 'web-ingress', namespace: 'shop' },
      spec: { selector: "app == 'web'", ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "app == 'client'" }, destination: { ports: ['http'] } }] },
    });
    const chain = policyChain('np:shop/web-ingress', 'ingress');
    await eventually(async () => {
      const save = await iptablesSave(node);
      expect(save).to.contain(`:${chain}`);
      expect(save).to.match(new RegExp(`-A reef-tw-${web.iface} .*-j ${chain}`));
    });
    expect(await probe(client, web, 'tcp', 80)).to.equal(true);
    expect(await probe(client, web, 'tcp', 8080)).to.equal(false);
  });

  it('programs MASQUERADE for a natOutgoing pool and drops it with the pool', async () => {
    await ds.create({ apiVersion: API, kind: 'IPPool', metadata: { name: 'pods' }, spec: { cidr: '10.66.0.0/16', natOutgoing: true } });
    await eventually(async () => {
      expect(await iptablesSave(node, 'nat')).to.match(/-A reef-POSTROUTING -m set --match-set reef-pools-masq4 src -m set ! --match-set reef-pools-all4 dst .*-j MASQUERADE/);
    });
    await ds.delete({ kind: 'IPPool', name: 'pods' });
    await eventually(async () => {
      expect(await iptablesSave(node, 'nat')).to.not.contain('MASQUERADE');
    });
  });

  it('removes the rules when the policy is deleted', async () => {
    await ds.delete({ kind: 'NetworkPolicy', name: 'web-ingress', namespace: 'shop' });
    await eventually(async () => {
      expect(await iptablesSave(node)).to.not.contain(policyChain('np:shop/web-ingress', 'ingress'));
    });
    expect(await probe(client, web, 'tcp', 8080)).to.equal(true);
  });
});
