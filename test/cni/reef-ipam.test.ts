import { expect } from 'chai';
import type { Etcd3 } from 'etcd3';
import { stringify } from 'yaml';
import { createEtcdClient } from '../../src/datastore/etcd-client.ts';
import { EtcdIpamStore } from '../../src/datastore/etcd-ipam-store.ts';
import { loadSnapshot } from '../../ipam/snapshot.ts';
import { parseIp } from '../../ipam/ip.ts';
import { reefctl } from '../cli/run.ts';
import { useEtcd } from '../harness/etcd.ts';
import { freePort } from '../harness/ports.ts';
import { runIpam, type PluginRun } from './plugin.ts';

const POOLS = [
  { name: 'cni-v4', cidr: '10.77.0.0/26', blockSize: 28 },
  { name: 'cni-v6', cidr: 'fd00:77::/120', blockSize: 124 },
  { name: 'tiny', cidr: '10.78.0.0/31', blockSize: 31 },
  { name: 'single', cidr: '10.79.0.0/28', blockSize: 28 },
];

describe('reef-ipam run as a CNI plugin @integration', function () {
  this.timeout(60_000);
  const etcd = useEtcd();
  let client: Etcd3;
  let seq = 0;

  const conf = (ipam: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({
    cniVersion: '1.0.0',
    name: 'reefnet',
    type: 'bridge',
    ...top,
    ipam: { type: 'reef-ipam', etcd_endpoints: etcd().endpoint, nodename: 'node-a', ipv4_pools: ['cni-v4'], routes: [{ dst: '0.0.0.0/0' }], ...ipam },
  });
  const add = (cid: string, c: unknown = conf(), args = 'K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=pod-' + cid) =>
    runIpam({ command: 'ADD', containerId: cid, netns: `/run/netns/${cid}`, args }, c);
  const del = (cid: string, c: unknown = conf()) => runIpam({ command: 'DEL', containerId: cid }, c);
  const check = (cid: string, prevResult: unknown, c: Record<string, unknown> = conf()) =>
    runIpam({ command: 'CHECK', containerId: cid, netns: `/run/netns/${cid}` }, { ...c, prevResult });
  const ok = (r: PluginRun): Record<string, unknown> => {
    expect(r.code, `${r.stdout}${r.stderr}`).to.equal(0);
    return r.json ?? {};
  };
  const ipsOf = (r: PluginRun) => (r.json?.ips ?? []) as { address: string; gateway?: string; version?: string }[];
  const snapshot = () => loadSnapshot(new EtcdIpamStore(client));
  const cid = () => `c${++seq}-${process.pid}`;

  before(async () => {
    client = createEtcdClient({ endpoints: [etcd().endpoint] });
    const docs = POOLS.map((p) => stringify({ apiVersion: 'reef.dev/v1', kind: 'IPPool', metadata: { name: p.name }, spec: { cidr: p.cidr, blockSize: p.blockSize } }));
    const r = await reefctl(['apply', '-f', '-', '--etcd-endpoints', etcd().endpoint], { stdin: docs.join('---\n') });
    expect(r.code, r.stderr).to.equal(0);
  });
  after(() => client?.close());

  describe('VERSION', () => {
    for (const v of ['1.0.0', '0.4.0']) {
      it(`lists the supported versions and answers in ${v}`, async () => {
        const r = ok(await runIpam({ command: 'VERSION' }, { cniVersion: v }));
        expect(r).to.deep.equal({ cniVersion: v, supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] });
      });
    }
  });

  describe('ADD, CHECK and DEL', () => {
    it('gives an address from the pool with the block mask, the block gateway, the routes and dns', async () => {
      const id = cid();
      const r = ok(await add(id, conf({ dns: { nameservers: ['10.96.0.10'] } })));
      const [ip, ...more] = ipsOf(await add(id));
      expect(more).to.have.length(0);
      expect(r.cniVersion).to.equal('1.0.0');
      expect(r.routes).to.deep.equal([{ dst: '0.0.0.0/0' }]);
      expect(r.dns).to.deep.equal({ nameservers: ['10.96.0.10'] });
      expect(r.ips).to.deep.equal([ip]);
      expect(ip!.address).to.match(/^10\.77\.0\.\d+\/28$/);
      const a = parseIp(ip!.address.split('/')[0]!)!.value;
      const base = a & ~0xfn;
      expect(ip!.gateway).to.equal(`10.77.0.${Number(base & 0xffn) + 1}`);
      expect(Number(a - base)).to.be.within(2, 14);
      const snap = await snapshot();
      const holder = snap.blocks.flatMap((b) => [...b.block.allocations()]).find((x) => x.address === ip!.address.split('/')[0]);
      expect(holder?.attrs).to.include({ handle: `reefnet.${id}`, node: 'node-a', namespace: 'ns1', pod: `pod-${id}`, containerID: id });
    });

    it('answers a repeated ADD with the same address', async () => {
      const id = cid();
      const first = ipsOf(await add(id));
      expect(ipsOf(await add(id))).to.deep.equal(first);
    });

    it('uses the older result shape for a 0.4.0 configuration, with IPv6 too', async () => {
      const r = ok(await add(cid(), { ...conf({ assign_ipv6: 'true', ipv6_pools: ['cni-v6'] }), cniVersion: '0.4.0' }));
      const ips = r.ips as { version: string; address: string; gateway: string }[];
      expect(ips.map((i) => i.version)).to.deep.equal(['4', '6']);
      expect(ips[1]!.address).to.match(/^fd00:77::[0-9a-f]+\/124$/);
      expect(r.cniVersion).to.equal('0.4.0');
    });

    it('CHECK passes for the ADD result, fails on a different one, and after DEL; DEL twice succeeds', async () => {
      const id = cid();
      const res = ok(await add(id));
      const c1 = await check(id, res);
      expect(c1.code, c1.stdout).to.equal(0);
      expect(c1.stdout).to.equal('');
      const wrong = await check(id, { ...res, ips: [{ address: '10.77.0.62/28' }] });
      expect(wrong.code).to.equal(1);
      expect(wrong.json).to.include({ code: 111 });
      expect(String(wrong.json!.details)).to.contain('10.77.0.62');
      ok(await del(id));
      const gone = await check(id, res);
      expect(gone.json).to.include({ code: 110 });
      const again = await del(id);
      expect(again.code, again.stdout).to.equal(0);
      expect(again.stdout).to.equal('');
      const addr = ipsOf({ json: res } as PluginRun)[0]!.address.split('/')[0];
      const snap = await snapshot();
      expect(snap.blocks.flatMap((b) => [...b.block.allocations()]).some((x) => x.address === addr)).to.equal(false);
      expect(snap.handles.has(`reefnet.${id}`)).to.equal(false);
    });

    it('never hands a block network, gateway or broadcast address to a pod, under concurrent ADDs', async () => {
      const ids = Array.from({ length: 12 }, () => cid());
      const results = await Promise.all(ids.map((id) => add(id, conf({ nodename: 'node-b' }))));
      const ips = results.map((r) => ipsOf(r)[0]!);
      expect(new Set(ips.map((i) => i.address)).size).to.equal(ids.length);
      for (const ip of ips) {
        const a = parseIp(ip.address.split('/')[0]!)!.value;
        const base = a & ~0xfn;
        expect(Number(a - base), ip.address).to.be.within(2, 14);
        expect(ip.gateway).to.equal(`10.77.0.${Number(base & 0xffn) + 1}`);
      }
      for (const id of ids) ok(await del(id, conf({ nodename: 'node-b' })));
      // The last pod out gives back the reservation too, so the block can be freed by housekeeping.
      const snap = await snapshot();
      const nodeB = snap.blocks.filter((b) => b.block.affinity === 'node-b');
      expect(nodeB.length).to.be.greaterThan(0);
      for (const b of nodeB) expect(b.block.inUse, b.name).to.equal(0);
    });
  });

  describe('concurrent ADDs on a fresh node, with a pool of one block', () => {
    it('all succeed from the block one of them claimed, with distinct addresses', async () => {
      const single = conf({ nodename: 'node-c', ipv4_pools: ['single'] });
      const ids = Array.from({ length: 8 }, () => cid());
      const results = await Promise.all(ids.map((id) => add(id, single)));
      for (const r of results) ok(r);
      const ips = results.map((r) => ipsOf(r)[0]!.address);
      expect(new Set(ips).size).to.equal(ids.length);
      for (const ip of ips) expect(ip).to.match(/^10\.79\.0\.\d+\/28$/);
      const snap = await snapshot();
      expect(snap.blocks.filter((b) => b.name === '10.79.0.0-28').map((b) => b.block.affinity)).to.deep.equal(['node-c']);
      for (const id of ids) ok(await del(id, single));
    });
  });

  describe('errors', () => {
    const cases: { name: string; run: () => Promise<PluginRun>; code: number; text: RegExp }[] = [
      { name: 'a route that is not a CIDR: code 4 naming the field', run: () => add(cid(), conf({ routes: [{ dst: 'nowhere' }] })), code: 4, text: /ipam\.routes\[0\]\.dst/ },
      { name: 'assign_ipv4 that is not a boolean: code 4 naming the field', run: () => add(cid(), conf({ assign_ipv4: 'yes' })), code: 4, text: /ipam\.assign_ipv4/ },
      { name: 'no network name: code 4', run: () => add(cid(), { ...conf(), name: undefined }), code: 4, text: /: name/ },
      { name: 'an unknown subnet mode: code 4', run: () => add(cid(), conf({ subnet: 'pod-cidr' })), code: 4, text: /ipam\.subnet/ },
      { name: 'cniVersion 0.2.0: code 1', run: () => add(cid(), { ...conf(), cniVersion: '0.2.0' }), code: 1, text: /0\.2\.0/ },
      { name: 'no CNI_CONTAINERID: code 7', run: () => runIpam({ command: 'ADD', netns: '/run/netns/x' }, conf()), code: 7, text: /CNI_CONTAINERID/ },
      { name: 'no CNI_NETNS on ADD: code 7', run: () => runIpam({ command: 'ADD', containerId: 'x' }, conf()), code: 7, text: /CNI_NETNS/ },
      { name: 'stdin that is not JSON: code 6', run: () => runIpam({ command: 'ADD', containerId: 'x', netns: '/n' }, '{nope'), code: 6, text: /not JSON/ },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const r = await c.run();
        expect(r.code).to.equal(1);
        expect(r.json, r.stdout + r.stderr).to.include({ code: c.code });
        expect(`${String(r.json!.msg)} ${String(r.json!.details ?? '')}`).to.match(c.text);
      });
    }

    it('answers code 11 when etcd is unreachable (a closed loopback port), for ADD and DEL', async () => {
      const port = await freePort();
      for (const command of ['ADD', 'DEL'] as const) {
        const r = await runIpam({ command, containerId: cid(), netns: '/run/netns/x' }, conf({ etcd_endpoints: `127.0.0.1:${port}` }));
        expect(r.code).to.equal(1);
        expect(r.json, r.stdout).to.include({ code: 11 });
        expect(String(r.json!.details)).to.contain(`127.0.0.1:${port}`);
      }
    });

    it('answers a plugin code naming the pool when the pool is exhausted, and keeps nothing for the failed pod', async () => {
      const tiny = conf({ ipv4_pools: ['tiny'], subnet: 'host' });
      const held = [cid(), cid()];
      for (const id of held) expect(ipsOf(await add(id, tiny))[0]!.address).to.match(/^10\.78\.0\.[01]\/32$/);
      const loser = cid();
      const r = await add(loser, tiny);
      expect(r.code).to.equal(1);
      expect(r.json).to.include({ code: 100 });
      expect(String(r.json!.msg)).to.contain('tiny');
      expect((await snapshot()).handles.has(`reefnet.${loser}`)).to.equal(false);
      for (const id of held) ok(await del(id, tiny));
    });
  });
});
