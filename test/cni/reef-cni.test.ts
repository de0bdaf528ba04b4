/**
 * reef-cni against a real etcd, with a "host" namespace and pod namespaces
 * made here. The plugin process runs in the test's own namespace (so the
 * loopback etcd answers) with REEF_HOST_NETNS naming the host namespace, the
 * test-only switch that sends its host-side work there.
 */
import { expect } from 'chai';
import type { Etcd3 } from 'etcd3';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { openDatastore } from '../../src/datastore/index.ts';
import { DatastoreNotFoundError } from '../../src/datastore/errors.ts';
import { createEtcdClient } from '../../src/datastore/etcd-client.ts';
import { EtcdIpamStore } from '../../src/datastore/etcd-ipam-store.ts';
import type { Datastore } from '../../src/datastore/datastore.ts';
import type { WorkloadEndpointSpec } from '../../src/model/index.ts';
import { loadSnapshot } from '../../ipam/snapshot.ts';
import { hostInterfaceName } from '../../src/cni/reef-cni-config.ts';
import { reefctl } from '../cli/run.ts';
import { useEtcd } from '../harness/etcd.ts';
import { useNetns } from '../harness/netns.ts';
import { cniEnv, execPlugin, ROOT, type CniCall, type PluginRun } from './plugin.ts';

const REEF_CNI = resolve(ROOT, 'bin/reef-cni');
const NODE = resolve(ROOT, 'node_modules/.bin/node');
const HOST_IP = '192.0.2.77';

interface Pod {
  ns: string;
  id: string;
  name: string;
  labels: string;
  result?: Record<string, unknown>;
}

describe('reef-cni, the routed veth plugin @integration', function () {
  this.timeout(90_000);
  const etcd = useEtcd();
  const netns = useNetns();
  let hostNs: string;
  let client: Etcd3;
  let ds: Datastore;
  const pods: Record<'a' | 'b', Pod> = {
    a: { ns: '', id: `cni-a-${process.pid}`, name: 'web-1', labels: 'app=web,tier=front' },
    b: { ns: '', id: `cni-b-${process.pid}`, name: 'db-1', labels: 'app=db' },
  };

  const conf = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    cniVersion: '1.0.0',
    name: 'k8s-pod-network',
    type: 'reef-cni',
    ipam: { type: 'reef-ipam', etcd_endpoints: etcd().endpoint, nodename: 'node-c', ipv4_pools: ['cni-pool'] },
    ...extra,
  });
  const call = (c: CniCall, body: unknown = conf()): Promise<PluginRun> =>
    execPlugin([REEF_CNI], { ...cniEnv(c), REEF_HOST_NETNS: hostNs, ...c.extraEnv }, typeof body === 'string' ? body : JSON.stringify(body));
  const podCall = (command: CniCall['command'], pod: Pod, extra: Partial<CniCall> = {}): CniCall => ({
    command,
    containerId: pod.id,
    netns: `/run/netns/${pod.ns}`,
    args: `IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=${pod.name};REEF_LABELS=${pod.labels}`,
    ...extra,
  });
  const ipOf = (pod: Pod): string => (pod.result!.ips as { address: string }[])[0]!.address.split('/')[0]!;
  const allocated = async (ip: string): Promise<boolean> => {
    const snap = await loadSnapshot(new EtcdIpamStore(client));
    return snap.blocks.some((b) => [...b.block.allocations()].some((x) => x.address === ip));
  };
  const endpoints = async (): Promise<WorkloadEndpointSpec[]> =>
    (await ds.list('WorkloadEndpoint')).items.map((r) => r.spec as unknown as WorkloadEndpointSpec);

  before(async () => {
    const pool = { apiVersion: 'reef.dev/v1', kind: 'IPPool', metadata: { name: 'cni-pool' }, spec: { cidr: '10.77.0.0/24', blockSize: 28 } };
    const r = await reefctl(['apply', '-f', '-', '--etcd-endpoints', etcd().endpoint], { stdin: stringify(pool) });
    expect(r.code, r.stderr).to.equal(0);
    client = createEtcdClient({ endpoints: [etcd().endpoint] });
    ds = openDatastore({ type: 'etcdv3', etcd: { endpoints: [etcd().endpoint] } });
    // The host: its address on a veth into nowhere and a default route there, as a node has an uplink.
    hostNs = await netns().createNamespace();
    await netns().exec(hostNs, ['ip', 'link', 'add', 'ext0', 'type', 'veth', 'peer', 'name', 'ext0-sink']);
    await netns().addAddress(hostNs, 'ext0', `${HOST_IP}/32`);
    await netns().linkUp(hostNs, 'ext0');
    await netns().linkUp(hostNs, 'ext0-sink');
    await netns().exec(hostNs, ['ip', 'route', 'add', 'default', 'dev', 'ext0']);
    pods.a.ns = await netns().createNamespace();
    pods.b.ns = await netns().createNamespace();
  });
  after(async () => {
    client?.close();
    await ds?.close();
  });

  it('ADD gives each pod a /32 from the pool on eth0, a veth named reef+11 hex, and a host route to it', async () => {
    for (const pod of [pods.a, pods.b]) {
      const r = await call(podCall('ADD', pod));
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      pod.result = r.json!;
      const ips = pod.result.ips as { address: string; interface: number }[];
      expect(ips).to.have.length(1);
      expect(ips[0]!.address).to.match(/^10\.77\.0\.\d+\/32$/);
      const ifaces = pod.result.interfaces as { name: string; sandbox?: string }[];
      expect(ifaces[0]!.name).to.equal(hostInterfaceName('node-c', 'shop', pod.name)).and.match(/^reef[0-9a-f]{11}$/);
      expect(ifaces[ips[0]!.interface]).to.include({ name: 'eth0', sandbox: `/run/netns/${pod.ns}` });

      const addr = await netns().exec(pod.ns, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
      expect(addr.stdout).to.contain(`inet ${ips[0]!.address}`);
      const dflt = await netns().exec(pod.ns, ['ip', 'route', 'show', 'default']);
      expect(dflt.stdout).to.contain('default via 169.254.1.1 dev eth0');
      const route = await netns().exec(hostNs, ['ip', 'route', 'show', ipOf(pod)]);
      expect(route.stdout).to.contain(`dev ${ifaces[0]!.name}`);
      const proxy = await netns().exec(hostNs, ['sysctl', '-n', `net.ipv4.conf.${ifaces[0]!.name}.proxy_arp`, `net.ipv4.neigh.${ifaces[0]!.name}.proxy_delay`]);
      expect(proxy.stdout.split('\n').slice(0, 2)).to.deep.equal(['1', '0']);
      expect(await allocated(ipOf(pod))).to.equal(true);
    }
    expect(ipOf(pods.a)).to.not.equal(ipOf(pods.b));
  });

  it('a pod reaches the host (ping) and the other pod on the same host (ping and TCP)', async () => {
    const toHost = await netns().exec(pods.a.ns, ['ping', '-c', '1', '-W', '5', HOST_IP], { allowFailure: true });
    expect(toHost.code, toHost.stdout + toHost.stderr).to.equal(0);
    const toPod = await netns().exec(pods.a.ns, ['ping', '-c', '1', '-W', '5', ipOf(pods.b)], { allowFailure: true });
    expect(toPod.code, toPod.stdout + toPod.stderr).to.equal(0);

    const server = netns().spawn(pods.b.ns, [NODE, '-e', `require('net').createServer((s) => s.end('hello from db')).listen(5432, '${ipOf(pods.b)}', () => console.log('ready'))`]);
    await new Promise<void>((ready, fail) => {
      server.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && ready());
      server.once('exit', (code) => fail(new Error(`server exited with ${code}`)));
    });
    const got = await netns().exec(pods.a.ns, [
      NODE, '-e',
      `const s = require('net').connect(5432, '${ipOf(pods.b)}'); let got = ''; s.on('data', (d) => (got += d)); ` +
        `s.on('end', () => { console.log(got); process.exit(0); }); s.on('error', (e) => { console.error(e.message); process.exit(1); });`,
    ], { allowFailure: true, timeoutMs: 15_000 });
    server.kill();
    expect(got.code, got.stderr).to.equal(0);
    expect(got.stdout.trim()).to.equal('hello from db');
  });

  it('writes a WorkloadEndpoint per pod with its address, interface, container and labels', async () => {
    const ep = (await ds.get({ kind: 'WorkloadEndpoint', namespace: 'shop', name: 'node--c-k8s-web--1-eth0' }));
    const spec = ep.spec as unknown as WorkloadEndpointSpec;
    expect(spec).to.deep.include({ node: 'node-c', orchestrator: 'k8s', pod: 'web-1', containerID: pods.a.id, endpoint: 'eth0' });
    expect(spec.ipNetworks).to.deep.equal([`${ipOf(pods.a)}/32`]);
    expect(spec.interfaceName).to.equal((pods.a.result!.interfaces as { name: string }[])[0]!.name);
    expect(spec.mac).to.equal((pods.a.result!.interfaces as { mac: string }[])[1]!.mac);
    expect(ep.metadata.labels).to.include({ app: 'web', tier: 'front', 'projectcalico.org/namespace': 'shop' });
    expect((await endpoints()).map((e) => e.pod).sort()).to.deep.equal(['db-1', 'web-1']);
  });

  it('CHECK passes for the ADD result and names what is missing once the host route is gone', async () => {
    const ok = await call(podCall('CHECK', pods.a), conf({ prevResult: pods.a.result }));
    expect(ok.code, ok.stdout + ok.stderr).to.equal(0);
    await netns().exec(hostNs, ['ip', 'route', 'del', ipOf(pods.a)]);
    const broken = await call(podCall('CHECK', pods.a), conf({ prevResult: pods.a.result }));
    expect(broken.code).to.equal(1);
    expect(broken.json).to.include({ code: 111 });
    expect(String(broken.json!.details)).to.contain(`host route ${ipOf(pods.a)}/32`);
    await netns().exec(hostNs, ['ip', 'route', 'add', ipOf(pods.a), 'dev', (pods.a.result!.interfaces as { name: string }[])[0]!.name, 'scope', 'link']);
  });

  it('refuses an ADD for an interface that already exists in the pod, and leaves the pod working', async () => {
    const r = await call(podCall('ADD', pods.a));
    expect(r.code).to.equal(1);
    expect(r.json).to.include({ code: 7 });
    expect(await allocated(ipOf(pods.a))).to.equal(true);
    const ping = await netns().exec(pods.a.ns, ['ping', '-c', '1', '-W', '5', HOST_IP], { allowFailure: true });
    expect(ping.code, ping.stdout).to.equal(0);
  });

  it('DEL removes the endpoint, the address and the veth, and a second DEL succeeds', async () => {
    const hostIf = (pods.a.result!.interfaces as { name: string }[])[0]!.name;
    const r = await call(podCall('DEL', pods.a));
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(await allocated(ipOf(pods.a))).to.equal(false);
    const gone = await ds.get({ kind: 'WorkloadEndpoint', namespace: 'shop', name: 'node--c-k8s-web--1-eth0' }).catch((e: unknown) => e);
    expect(gone).to.be.instanceOf(DatastoreNotFoundError);
    const link = await netns().exec(hostNs, ['ip', 'link', 'show', 'dev', hostIf], { allowFailure: true });
    expect(link.code).to.not.equal(0);
    const eth0 = await netns().exec(pods.a.ns, ['ip', 'link', 'show', 'dev', 'eth0'], { allowFailure: true });
    expect(eth0.code).to.not.equal(0);
    const again = await call(podCall('DEL', pods.a));
    expect(again.code, again.stdout + again.stderr).to.equal(0);
  });

  it('DEL succeeds after the pod namespace is gone, releasing what the pod held', async () => {
    await netns().exec(null, ['ip', 'netns', 'del', pods.b.ns]);
    const r = await call(podCall('DEL', pods.b));
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(await allocated(ipOf(pods.b))).to.equal(false);
    expect(await endpoints()).to.deep.equal([]);
  });

  it('ADD with IPv6 too gives a /128, a default route via the host end\'s link-local address, and reaches the host', async () => {
    const pool6 = { apiVersion: 'reef.dev/v1', kind: 'IPPool', metadata: { name: 'cni-pool6' }, spec: { cidr: 'fd00:77::/120', blockSize: 124 } };
    const applied = await reefctl(['apply', '-f', '-', '--etcd-endpoints', etcd().endpoint], { stdin: stringify(pool6) });
    expect(applied.code, applied.stderr).to.equal(0);
    // nodad: a tentative address neither answers nor may be answered for its first second.
    await netns().exec(hostNs, ['ip', '-6', 'addr', 'add', 'fd00:99::1/128', 'dev', 'ext0', 'nodad']);
    const pod: Pod = { ns: await netns().createNamespace(), id: `cni-c-${process.pid}`, name: 'dual-1', labels: 'app=dual' };
    const dual = conf({ ipam: { type: 'reef-ipam', etcd_endpoints: etcd().endpoint, nodename: 'node-c', assign_ipv6: 'true', ipv4_pools: ['cni-pool'], ipv6_pools: ['cni-pool6'] } });
    const r = await call(podCall('ADD', pod), dual);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const v6 = (r.json!.ips as { address: string }[]).map((i) => i.address).find((a) => a.includes(':'))!;
    expect(v6).to.match(/^fd00:77::[0-9a-f]*\/128$/);
    const dflt = await netns().exec(pod.ns, ['ip', '-6', 'route', 'show', 'default']);
    expect(dflt.stdout).to.contain('via fe80::ecee:eeff:feee:eeee dev eth0');
    const ping = await netns().exec(pod.ns, ['ping', '-6', '-c', '1', '-W', '5', 'fd00:99::1'], { allowFailure: true });
    expect(ping.code, ping.stdout + ping.stderr).to.equal(0);
    const del = await call(podCall('DEL', pod), dual);
    expect(del.code, del.stdout + del.stderr).to.equal(0);
  });

  describe('errors are CNI error objects', () => {
    const cases: { name: string; c: () => CniCall; body?: () => unknown; code: number }[] = [
      { name: 'an ipam type other than reef-ipam (4)', c: () => podCall('ADD', pods.a), body: () => conf({ ipam: { type: 'host-local' } }), code: 4 },
      { name: 'a bad label key in args (4)', c: () => podCall('ADD', pods.a), body: () => conf({ args: { cni: { labels: [{ key: 'bad key', value: 'x' }] } } }), code: 4 },
      { name: 'no CNI_NETNS on ADD (7)', c: () => ({ command: 'ADD', containerId: 'x' }), code: 7 },
      { name: 'stdin that is not JSON (6)', c: () => podCall('ADD', pods.a), body: () => '{nope', code: 6 },
      { name: 'an unsupported cniVersion (1)', c: () => podCall('ADD', pods.a), body: () => conf({ cniVersion: '9.9.9' }), code: 1 },
    ];
    for (const t of cases) {
      it(t.name, async () => {
        const r = await call(t.c(), t.body ? t.body() : conf());
        expect(r.code).to.equal(1);
        expect(r.json, r.stdout + r.stderr).to.include({ code: t.code });
        expect(r.json!.msg).to.be.a('string');
      });
    }

    it('an unreachable datastore is "try again later" (11), and nothing is set up', async () => {
      const pod = { ...pods.a, id: 'cni-unreachable' };
      const r = await call(podCall('ADD', pod), conf({ ipam: { type: 'reef-ipam', etcd_endpoints: '127.0.0.1:1', nodename: 'node-c' } }));
      expect(r.json, r.stdout + r.stderr).to.include({ code: 11 });
      const eth0 = await netns().exec(pods.a.ns, ['ip', 'link', 'show', 'dev', 'eth0'], { allowFailure: true });
      expect(eth0.code).to.not.equal(0);
    });

    it('VERSION lists the supported versions', async () => {
      const r = await call({ command: 'VERSION' }, '{"cniVersion":"1.0.0"}');
      expect(r.code).to.equal(0);
      expect(r.json!.supportedVersions).to.include('1.0.0');
    });
  });
});
