import { expect } from 'chai';
import { convertPolicy, decide, type NamespaceInput, type PolicyInput } from '../../felix/calc/policy/index.ts';
import { PolicyAgent } from '../../felix/agent.ts';
import { DISPATCH_FANOUT } from '../../felix/calc/render/endpoint-chains.ts';
import { useNetns } from '../harness/netns.ts';
import { addPod, createNode, probe, type Pod, type SimNode } from './topology.ts';
import { iptablesSave } from './dataplane/kernel-helpers.ts';

const namespaces: NamespaceInput[] = [{ name: 'prod', labels: {} }];
const policy: PolicyInput = {
  kind: 'NetworkPolicy',
  namespace: 'prod',
  name: 'web-from-clients',
  spec: { selector: "app == 'web'", types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "app == 'client'" }, destination: { ports: [80] } }] },
};

describe('policy agent with more pods than one dispatch chain holds @integration', function () {
  this.timeout(120_000);
  const netns = useNetns();
  let node: SimNode;
  let agent: PolicyAgent;
  const pods: Pod[] = [];

  before(async () => {
    node = await createNode(netns(), 'node-t');
    // Interface names are hashes of the pod, as the CNI plugin makes them: the tree splits on their first characters.
    for (let i = 0; i < DISPATCH_FANOUT + 8; i++) {
      const app = i % 3 === 0 ? 'web' : i % 3 === 1 ? 'client' : 'other';
      pods.push(await addPod(node, { namespace: 'prod', name: `pod-${i}`, labels: { app }, ip: `10.68.0.${i + 2}` }));
    }
    agent = new PolicyAgent({ nodeName: node.name, runner: node.runner, families: [4], recheckIntervalMs: 0, coalesceMs: 2 });
    await agent.start();
    for (const ns of namespaces) agent.upsertNamespace(ns);
    for (const p of pods) agent.upsertEndpoint(p.endpoint);
    agent.upsertPolicy(policy);
    agent.synced();
    await agent.flush();
  });

  after(async () => {
    await agent?.stop();
  });

  it('dispatches through a tree of chains and enforces policy for every pod as decide() says', async () => {
    const save = await iptablesSave(node);
    expect(save).to.match(/^-A reef-from-wl-dispatch -i reef[0-9a-f]+\+ .*-g reef-from-wl-dispatch-[0-9a-f]+$/m);
    expect(save).to.match(/^-A reef-to-wl-dispatch -o reef[0-9a-f]+\+ .*-g reef-to-wl-dispatch-[0-9a-f]+$/m);
    const state = { endpoints: pods.map((p) => p.endpoint), namespaces, policies: [convertPolicy(policy)] };
    const webs = pods.filter((p) => p.endpoint.labels.app === 'web');
    const others = pods.filter((p) => p.endpoint.labels.app !== 'web');
    let allowed = 0;
    for (const to of webs.slice(0, 4)) {
      for (const from of others.slice(0, 4)) {
        const want = decide(state, { src: { endpoint: `prod/${from.name}` }, dst: { endpoint: `prod/${to.name}` }, protocol: 'TCP', srcPort: 40000, dstPort: 80 }).verdict === 'allow';
        if (want) allowed++;
        expect(await probe(from, to, 'tcp', 80), `${from.name} (${from.endpoint.labels.app}) -> ${to.name}`).to.equal(want);
      }
    }
    expect(allowed).to.be.greaterThan(0);
    // Pods no policy selects stay open, whichever subtree their interface is in.
    for (const to of others.slice(0, 4)) expect(await probe(webs[0]!, to, 'tcp', 80), `${webs[0]!.name} -> ${to.name}`).to.equal(true);
  });
});
