import { expect } from 'chai';
import { PolicyAgent } from '../../felix/agent.ts';
import { netnsRunner } from '../../felix/dataplane/command-runner.ts';
import { useNetns } from '../harness/netns.ts';

const BIN = new URL('../../bin/reef-node', import.meta.url).pathname;
const IFACE = 'reef0000000000a';

describe('reef-node uninstall-policy @integration', function () {
  this.timeout(60_000);
  const netns = useNetns();

  it('removes every reef chain, jump, ipset and workload route, and nothing of anyone else', async () => {
    const scope = netns();
    const ns = await scope.createNamespace();
    const x = (...argv: string[]) => scope.exec(ns, argv);
    await x('ip', 'link', 'add', IFACE, 'type', 'veth', 'peer', 'name', 'peer0');
    await x('ip', 'link', 'set', IFACE, 'up');
    await x('ip', 'link', 'set', 'peer0', 'up');
    // Another program's state, which must survive.
    await x('iptables', '-A', 'FORWARD', '-s', '198.51.100.1', '-m', 'comment', '--comment', 'someone else', '-j', 'ACCEPT');
    await x('ipset', 'create', 'other', 'hash:ip');
    await x('ip', 'route', 'add', '192.0.2.0/24', 'dev', 'peer0');

    const agent = new PolicyAgent({ nodeName: 'me', runner: netnsRunner(ns), recheckIntervalMs: 0 });
    await agent.start();
    agent.upsertEndpoint({ namespace: 'prod', name: 'web', labels: { app: 'web' }, ips: ['10.66.0.5/32'], node: 'me', interfaceName: IFACE });
    agent.upsertPolicy({ kind: 'NetworkPolicy', namespace: 'prod', name: 'p', spec: { selector: "app == 'web'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { selector: "app == 'client'" } }] } });
    agent.upsertPool({ name: 'pool', cidr: '10.66.0.0/16', natOutgoing: true });
    agent.synced();
    await agent.flush();
    await agent.stop();
    const before = (await x('iptables-save')).stdout;
    expect(before).to.include(':reef-FORWARD').and.include(`:reef-tw-${IFACE}`).and.include('-j reef-POSTROUTING');
    expect((await x('ipset', 'list', '-n')).stdout).to.match(/^reef-/m);
    expect((await x('ip', 'route', 'show', 'proto', '86')).stdout).to.include('10.66.0.5');

    const res = await x(BIN, 'uninstall-policy');
    expect(res.stdout).to.match(/^reef-node: removed [1-9]\d* reef chains, reef's jumps from [1-9]\d* base chains, [1-9]\d* reef ipsets and the workload routes\n$/);

    for (const save of ['iptables-save', 'ip6tables-save']) expect((await x(save)).stdout.split('\n').filter((l) => l.includes('reef'))).to.deep.equal([]);
    expect((await x('iptables-save')).stdout).to.include('-A FORWARD -s 198.51.100.1/32 -m comment --comment "someone else" -j ACCEPT');
    expect((await x('ipset', 'list', '-n')).stdout.trim().split('\n')).to.deep.equal(['other']);
    expect((await x('ip', 'route', 'show', 'proto', '86')).stdout.trim()).to.equal('');
    expect((await x('ip', 'route', 'show')).stdout).to.include('192.0.2.0/24 dev peer0');
  });

  it('refuses an unknown command, naming the one it has', async () => {
    const res = await netns().exec(null, [BIN, 'uninstal'], { allowFailure: true });
    expect(res.code).to.equal(2);
    expect(res.stderr).to.include('unknown command "uninstal"').and.include('uninstall-policy');
  });
});
