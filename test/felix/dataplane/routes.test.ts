import { expect } from 'chai';
import { WorkloadRoutes } from '../../../felix/dataplane/routes.ts';
import { FakeRunner } from './fake-runner.ts';

const sysctlLines = (r: FakeRunner) => r.inputsOf('sysctl').flatMap((i) => i.split('\n').filter(Boolean));

describe('felix/dataplane workload routes', () => {
  it('routes each address of a dual-stack workload to its veth', async () => {
    const r = new FakeRunner();
    const w = new WorkloadRoutes({ runner: r });
    w.setEndpoint('prod/web', 'reefaaaaaaaaaaa', ['10.65.0.5/32', 'fd65::5/128']);
    expect(await w.apply()).to.deep.include({ routesReplaced: 2 });
    expect(r.inputsOf('ip')).to.deep.equal([
      'route replace 10.65.0.5 dev reefaaaaaaaaaaa scope link proto 86\nroute replace fd65::5 dev reefaaaaaaaaaaa scope link proto 86\n',
    ]);
  });

  it('switches IPv6 forwarding on for the node (there is no per-interface switch) once a workload has an IPv6 address', async () => {
    const r = new FakeRunner();
    const w = new WorkloadRoutes({ runner: r });
    w.setEndpoint('prod/web', 'reefaaaaaaaaaaa', ['10.65.0.5/32', 'fd65::5/128']);
    await w.apply();
    expect(sysctlLines(r)).to.include.members(['net.ipv6.conf.all.forwarding=1', 'net.ipv6.conf.reefaaaaaaaaaaa.forwarding=1', 'net.ipv4.conf.reefaaaaaaaaaaa.forwarding=1']);
  });

  it('leaves IPv6 forwarding alone on a node with IPv4 workloads only', async () => {
    const r = new FakeRunner();
    const w = new WorkloadRoutes({ runner: r });
    w.setEndpoint('prod/web', 'reefaaaaaaaaaaa', ['10.65.0.5/32']);
    await w.apply();
    const lines = sysctlLines(r);
    expect(lines).to.include('net.ipv4.conf.reefaaaaaaaaaaa.forwarding=1');
    expect(lines.filter((l) => l.startsWith('net.ipv6.'))).to.deep.equal([]);
  });
});
