import { expect } from 'chai';
import { PolicyAgent } from '../../felix/agent.ts';
import { policyChain } from '../../felix/calc/render/index.ts';
import { EtcdDatastore } from '../../src/datastore/etcd.ts';
import { PolicySource } from '../../src/node/policy-source.ts';
import { validateResource, type Resource } from '../../src/model/index.ts';
import { useEtcd } from '../harness/etcd.ts';
import { useNetns } from '../harness/netns.ts';
import { eventually, iptablesSave, reefIpsets } from './dataplane/kernel-helpers.ts';
import { addPod, createNode, probe, type Pod, type SimNode } from './topology.ts';

/** What reefctl would store: the documents as people write them, validated into stored form. */
const wep = (pod: Pod): Resource => validateResource({
  apiVersion: 'reef.dev/v1',
  kind: 'WorkloadEndpoint',
  metadata: { name: pod.name, namespace: pod.namespace, labels: pod.labels },
  spec: { node: pod.node.name, interfaceName: pod.iface, ipNetworks: [`${pod.ip}/32`] },
});
const namespace = (name: string, labels: Record<string, string>): Resource =>
  validateResource({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

const CHAIN = policyChain('knp:shop/allow-frontend', 'ingress');

describe('policy agent fed Kubernetes NetworkPolicies and Namespaces from the datastore @integration', function () {
  this.timeout(60_000);
  const etcd = useEtcd();
  const netns = useNetns();
  let ds: EtcdDatastore;
  let node: SimNode;
  let web: Pod, front: Pod, other: Pod;
  let agent: PolicyAgent;
  let source: PolicySource;

  /** The members of the ipset the policy chain matches sources against. */
  async function peerSetMembers(): Promise<string[]> {
    const save = await iptablesSave(node);
    const m = new RegExp(`-A ${CHAIN} .*--match-set (\\S+) src`).exec(save);
    expect(m, `a --match-set rule in ${CHAIN}:\n${save}`).to.not.equal(null);
    return ((await reefIpsets(node)).get(m![1]!) ?? []).map((a) => a.replace(/\/32$/, ''));
  }

  before(async () => {
    ds = new EtcdDatastore({ endpoints: [etcd().endpoint] });
    node = await createNode(netns(), 'node-knp');
    web = await addPod(node, { namespace: 'shop', name: 'web', labels: { app: 'web' }, ip: '10.67.0.2' });
    front = await addPod(node, { namespace: 'storefront', name: 'ui', labels: { app: 'ui' }, ip: '10.67.0.3' });
    other = await addPod(node, { namespace: 'batch', name: 'job', labels: { app: 'ui' }, ip: '10.67.0.4' });
    for (const p of [web, front, other]) await ds.create(wep(p));
    await ds.create(namespace('storefront', { team: 'frontend' }));
    await ds.create(namespace('batch', { team: 'batch' }));
    await ds.create(validateResource({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-frontend', namespace: 'shop' },
      spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'frontend' } } }], ports: [{ port: 80 }] }] },
    }));
    agent = new PolicyAgent({ nodeName: node.name, runner: node.runner, families: [4], recheckIntervalMs: 0, coalesceMs: 2 });
    await agent.start();
    source = new PolicySource({ datastore: ds, agent });
    source.start();
  });

  after(async () => {
    await source?.stop();
    await agent?.stop();
    await ds?.close();
  });

  it('programs the policy for the selected pod, with the labelled namespace\'s pods as its peers', async () => {
    await eventually(async () => {
      expect(agent.status().synced).to.equal(true);
      expect(agent.status().invalidPolicies).to.deep.equal([]);
      const save = await iptablesSave(node);
      expect(save).to.contain(`:${CHAIN}`);
      expect(save).to.match(new RegExp(`-A reef-tw-${web.iface} .*-j ${CHAIN}`));
      expect(await peerSetMembers()).to.deep.equal([front.ip]);
    });
    expect(await probe(front, web, 'tcp', 80)).to.equal(true);
    expect(await probe(front, web, 'tcp', 8080)).to.equal(false);
    expect(await probe(other, web, 'tcp', 80)).to.equal(false);
  });

  it('follows a Namespace relabelled in the datastore', async () => {
    const batch = await ds.get({ kind: 'Namespace', name: 'batch' });
    await ds.update({ ...batch, metadata: { ...batch.metadata, labels: { team: 'frontend' } } });
    await eventually(async () => {
      expect((await peerSetMembers()).sort()).to.deep.equal([front.ip, other.ip].sort());
    });
    expect(await probe(other, web, 'tcp', 80)).to.equal(true);
  });

  it('forgets a deleted Namespace\'s labels (only its name labels remain)', async () => {
    await ds.delete({ kind: 'Namespace', name: 'storefront' });
    await eventually(async () => {
      expect(await peerSetMembers()).to.deep.equal([other.ip]);
    });
    expect(await probe(front, web, 'tcp', 80)).to.equal(false);
  });

  it('removes the rules with the Kubernetes policy, leaving reef\'s policy of the same name in place', async () => {
    await ds.create(validateResource({
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-frontend', namespace: 'shop' },
      spec: { selector: "app == 'web'", ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [8080] } }] },
    }));
    await ds.delete({ kind: 'KubernetesNetworkPolicy', name: 'allow-frontend', namespace: 'shop' });
    await eventually(async () => {
      const save = await iptablesSave(node);
      expect(save).to.not.contain(CHAIN);
      expect(save).to.contain(`:${policyChain('np:shop/allow-frontend', 'ingress')}`);
    });
    expect(await probe(front, web, 'tcp', 8080)).to.equal(true);
    expect(await probe(other, web, 'tcp', 80)).to.equal(false);
  });
});
