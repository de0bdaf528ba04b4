import { expect } from 'chai';
import { PolicyAgent } from '../../felix/agent.ts';
import type { EndpointInput, PolicyInput } from '../../felix/calc/policy/index.ts';
import { FakeClock } from '../../src/lib/fake-clock.ts';
import { FakeRunner } from './dataplane/fake-runner.ts';

const ep = (name: string, labels: Record<string, string>, n: number): EndpointInput => ({
  namespace: 'ns', name, labels, ips: [`10.0.0.${n}/32`], node: 'me', interfaceName: `reef0000000000${n}`,
});

const policy: PolicyInput = {
  kind: 'NetworkPolicy', namespace: 'ns', name: 'p',
  spec: { selector: "app == 'web'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { selector: "app == 'client'" } }] },
};

function setup() {
  const runner = new FakeRunner();
  const clock = new FakeClock();
  const agent = new PolicyAgent({ nodeName: 'me', runner, clock, families: [4], recheckIntervalMs: 0, nat: false });
  return { runner, clock, agent };
}

const restores = (r: FakeRunner) => r.calls.filter((c) => c.argv[0] === 'iptables-restore').length;

describe('felix policy agent (no kernel)', () => {
  it('installs only the fail-closed skeleton until synced', async () => {
    const { runner, agent } = setup();
    await agent.start();
    await agent.start();
    const skeleton = runner.inputsOf('iptables-restore')[0]!;
    expect(skeleton).to.contain(':reef-from-wl-dispatch').and.contain('-I FORWARD 1');
    agent.upsertEndpoint(ep('web', { app: 'web' }, 1));
    agent.upsertPolicy(policy);
    await agent.flush();
    expect(restores(runner)).to.equal(1);
    expect(runner.inputsOf('ipset')).to.deep.equal([]);
    agent.synced();
    await agent.flush();
    expect(restores(runner)).to.equal(2);
    expect(agent.status()).to.deep.include({ synced: true, endpoints: 1, policies: 1, failures: 0 });
    await agent.stop();
    await agent.stop();
  });

  it('coalesces changes that arrive within the window into one apply', async () => {
    const { runner, clock, agent } = setup();
    await agent.start();
    agent.synced();
    await agent.flush();
    const before = restores(runner);
    agent.upsertEndpoint(ep('a', { app: 'web' }, 1));
    agent.upsertEndpoint(ep('b', { app: 'web' }, 2));
    agent.upsertPolicy(policy);
    expect(restores(runner)).to.equal(before);
    clock.advance(5);
    await agent.flush();
    expect(restores(runner)).to.equal(before + 1);
    await agent.stop();
  });

  it('turns a remote label change into ipset member changes and no chain writes', async () => {
    const { runner, agent } = setup();
    await agent.start();
    agent.upsertEndpoint(ep('web', { app: 'web' }, 1));
    agent.upsertEndpoint({ ...ep('client', { app: 'client' }, 2), node: 'other' });
    agent.upsertPolicy(policy);
    agent.synced();
    await agent.flush();
    runner.clear();
    agent.upsertEndpoint({ ...ep('client', { app: 'nobody' }, 2), node: 'other' });
    await agent.flush();
    const last = agent.status().lastApply!;
    expect(last.stats.tables.chainsWritten).to.equal(0);
    expect(last.stats.ipsets.membersRemoved).to.equal(1);
    expect(runner.calls.map((c) => c.argv[0])).to.not.include('iptables-restore');
    expect(runner.inputsOf('ipset')[0]).to.match(/^del reef-s4-\S+ 10\.0\.0\.2\n$/);
    await agent.stop();
  });

  it('reports a policy it cannot convert and keeps the previous version', async () => {
    const { agent } = setup();
    agent.upsertPolicy(policy);
    agent.upsertPolicy({ ...policy, spec: { ...policy.spec, selector: "app == 'web" } } as PolicyInput);
    expect(agent.status().invalidPolicies).to.deep.equal(['np:ns/p']);
    agent.removePolicy('np:ns/p');
    expect(agent.status().invalidPolicies).to.deep.equal([]);
  });

  it('retries a failed apply with a full resync', async () => {
    const { runner, clock, agent } = setup();
    await agent.start();
    agent.upsertEndpoint(ep('web', { app: 'web' }, 1));
    runner.failNext = 'iptables-restore';
    agent.synced();
    await agent.flush().then(() => expect.fail('should fail'), () => undefined);
    expect(agent.status().failures).to.equal(1);
    runner.clear();
    clock.advance(1_000);
    await agent.flush();
    expect(agent.status().failures).to.equal(0);
    expect(runner.calls.map((c) => c.argv[0])).to.include('iptables-save');
    await agent.stop();
  });
});
