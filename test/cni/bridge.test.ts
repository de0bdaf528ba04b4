/**
 * Acceptance: Debian's bridge plugin with reef-ipam as its IPAM, for pods
 * in namespaces this test creates. The bridge lives in a "host" namespace
 * of its own (the test machine's root namespace is left alone), so the
 * bridge plugin runs there, and so would the reef-ipam it delegates to,
 * where the test's etcd on the root namespace's loopback cannot be reached.
 * The CNI_PATH entry for reef-ipam is therefore a two-line wrapper that
 * re-enters the test process's network namespace and execs bin/reef-ipam:
 * on a real node the runtime, the bridge plugin and etcd's address all
 * share the host namespace and no wrapper is needed.
 */
import { expect } from 'chai';
import type { Etcd3 } from 'etcd3';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { createEtcdClient } from '../../src/datastore/etcd-client.ts';
import { EtcdIpamStore } from '../../src/datastore/etcd-ipam-store.ts';
import { loadSnapshot } from '../../ipam/snapshot.ts';
import { reefctl } from '../cli/run.ts';
import { useEtcd } from '../harness/etcd.ts';
import { useNetns } from '../harness/netns.ts';
import { execPlugin, REEF_IPAM, ROOT, type PluginRun } from './plugin.ts';

const NODE = resolve(ROOT, 'node_modules/.bin/node');
const BRIDGE = '/usr/lib/cni/bridge';

describe('the bridge plugin with reef-ipam as its IPAM @integration', function () {
  this.timeout(90_000);
  const etcd = useEtcd();
  const netns = useNetns();
  let client: Etcd3;
  let pluginDir: string;
  let hostNs: string;
  const pods: Record<'a' | 'b', { ns: string; id: string; result?: Record<string, unknown> }> = {
    a: { ns: '', id: `bridge-a-${process.pid}` },
    b: { ns: '', id: `bridge-b-${process.pid}` },
  };

  const netconf = () => ({
    cniVersion: '1.0.0',
    name: 'reefbr',
    type: 'bridge',
    bridge: 'reefbr0',
    isGateway: true,
    ipMasq: false,
    ipam: { type: 'reef-ipam', etcd_endpoints: etcd().endpoint, nodename: 'node-br', ipv4_pools: ['br-pool'] },
  });

  const bridge = (command: 'ADD' | 'DEL' | 'CHECK', pod: { ns: string; id: string }, extra: Record<string, unknown> = {}): Promise<PluginRun> =>
    execPlugin(
      ['ip', 'netns', 'exec', hostNs, BRIDGE],
      {
        CNI_COMMAND: command,
        CNI_CONTAINERID: pod.id,
        CNI_NETNS: `/run/netns/${pod.ns}`,
        CNI_IFNAME: 'eth0',
        CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod.id}`,
        CNI_PATH: `${pluginDir}:/usr/lib/cni`,
      },
      JSON.stringify({ ...netconf(), ...extra }),
    );
  const addressOf = (result: Record<string, unknown> | undefined): { ip: string; cidr: string; gateway: string } => {
    const ip = (result?.ips as { address: string; gateway: string }[])[0]!;
    return { ip: ip.address.split('/')[0]!, cidr: ip.address, gateway: ip.gateway };
  };
  const allocated = async (ip: string): Promise<boolean> => {
    const snap = await loadSnapshot(new EtcdIpamStore(client));
    return snap.blocks.some((b) => [...b.block.allocations()].some((x) => x.address === ip));
  };

  before(async () => {
    client = createEtcdClient({ endpoints: [etcd().endpoint] });
    const pool = { apiVersion: 'reef.dev/v1', kind: 'IPPool', metadata: { name: 'br-pool' }, spec: { cidr: '10.79.0.0/26', blockSize: 28 } };
    const r = await reefctl(['apply', '-f', '-', '--etcd-endpoints', etcd().endpoint], { stdin: stringify(pool) });
    expect(r.code, r.stderr).to.equal(0);
    pluginDir = mkdtempSync(join(tmpdir(), 'reeft-cni-'));
    const wrapper = join(pluginDir, 'reef-ipam');
    writeFileSync(wrapper, `#!/bin/sh\nexec nsenter --net=/proc/${process.pid}/ns/net -- ${REEF_IPAM} "$@"\n`);
    chmodSync(wrapper, 0o755);
    hostNs = await netns().createNamespace();
    pods.a.ns = await netns().createNamespace();
    pods.b.ns = await netns().createNamespace();
  });
  after(() => {
    client?.close();
    if (pluginDir) rmSync(pluginDir, { recursive: true, force: true });
  });

  it('ADD gives each pod an address from the pool on the bridge subnet, with the gateway on the bridge', async () => {
    for (const pod of [pods.a, pods.b]) {
      const r = await bridge('ADD', pod);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      pod.result = r.json!;
      const { ip, cidr, gateway } = addressOf(pod.result);
      expect(cidr).to.match(/^10\.79\.0\.\d+\/28$/);
      const shown = await netns().exec(pod.ns, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
      expect(shown.stdout).to.contain(`inet ${cidr}`);
      const onBridge = await netns().exec(hostNs, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'reefbr0']);
      expect(onBridge.stdout).to.contain(`inet ${gateway}/28`);
      expect(await allocated(ip)).to.equal(true);
    }
    expect(addressOf(pods.a.result).ip).to.not.equal(addressOf(pods.b.result).ip);
  });

  it('the pod reaches the bridge gateway (ping) and the other pod (TCP)', async () => {
    const a = addressOf(pods.a.result);
    const b = addressOf(pods.b.result);
    const ping = await netns().exec(pods.a.ns, ['ping', '-c', '1', '-W', '5', a.gateway], { allowFailure: true });
    expect(ping.code, ping.stdout + ping.stderr).to.equal(0);

    const server = netns().spawn(pods.b.ns, [
      NODE, '-e',
      `require('net').createServer((s) => s.end('hello from b')).listen(7070, '${b.ip}', () => console.log('ready'))`,
    ]);
    await new Promise<void>((ready, fail) => {
      server.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && ready());
      server.once('exit', (code) => fail(new Error(`server exited with ${code}`)));
    });
    const client = await netns().exec(pods.a.ns, [
      NODE, '-e',
      `const s = require('net').connect(7070, '${b.ip}'); let got = ''; s.on('data', (d) => (got += d)); ` +
        `s.on('end', () => { console.log(got); process.exit(0); }); s.on('error', (e) => { console.error(e.message); process.exit(1); });`,
    ], { allowFailure: true, timeoutMs: 15_000 });
    expect(client.code, client.stderr).to.equal(0);
    expect(client.stdout.trim()).to.equal('hello from b');
    server.kill();
  });

  it('CHECK through the bridge plugin passes for the ADD result', async () => {
    const r = await bridge('CHECK', pods.a, { prevResult: pods.a.result });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
  });

  it('DEL returns the address to the pool, and a second DEL succeeds', async () => {
    const { ip } = addressOf(pods.a.result);
    const r = await bridge('DEL', pods.a);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(await allocated(ip)).to.equal(false);
    const show = await reefctl(['ipam', 'show', '--ip', ip, '--etcd-endpoints', etcd().endpoint]);
    expect(show.code, show.stderr).to.equal(0);
    expect(show.stdout).to.contain(`${ip} is not allocated`);
    const again = await bridge('DEL', pods.a);
    expect(again.code, again.stdout + again.stderr).to.equal(0);
    const other = await bridge('DEL', pods.b);
    expect(other.code, other.stdout + other.stderr).to.equal(0);
    expect(await allocated(addressOf(pods.b.result).ip)).to.equal(false);
  });
});
