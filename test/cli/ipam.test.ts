import { expect } from 'chai';
import type { Etcd3 } from 'etcd3';
import { stringify } from 'yaml';
import { IpamAllocator } from '../../ipam/allocator.ts';
import { AFFINITIES_PREFIX, IPAM_PREFIX } from '../../ipam/records.ts';
import { createEtcdClient } from '../../src/datastore/etcd-client.ts';
import { EtcdIpamStore } from '../../src/datastore/etcd-ipam-store.ts';
import { EXIT } from '../../src/cli/errors.ts';
import { useEtcd } from '../harness/etcd.ts';
import { freePort } from '../harness/ports.ts';
import { reefctl, type CliResult } from './run.ts';

const pool = (name: string, cidr: string, extra: Record<string, unknown> = {}) =>
  ({ apiVersion: 'reef.dev/v1', kind: 'IPPool', metadata: { name }, spec: { cidr, blockSize: 28, ...extra } });
const wep = (name: string, containerID: string, ip: string) => ({
  apiVersion: 'reef.dev/v1',
  kind: 'WorkloadEndpoint',
  metadata: { name, namespace: 'default' },
  spec: { node: 'node-1', orchestrator: 'k8s', pod: name, endpoint: 'eth0', containerID, interfaceName: `cali${containerID}`, ipNetworks: [`${ip}/32`] },
});

describe('reefctl ipam against a real etcd @integration', function () {
  this.timeout(60_000);
  const etcd = useEtcd();
  let client: Etcd3;
  let allocator: IpamAllocator;
  const run = (args: string[], stdin?: string): Promise<CliResult> =>
    reefctl([...args, '--etcd-endpoints', etcd().endpoint], stdin === undefined ? {} : { stdin });
  const apply = async (...docs: unknown[]) => {
    const r = await run(['apply', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));
    expect(r.code, r.stderr).to.equal(EXIT.ok);
  };
  const assign = (handle: string, node = 'node-1', pools = ['ipam-a']) =>
    allocator.autoAssign({ num4: 1, num6: 0, handle, node, pools, attrs: { namespace: 'default', pod: handle } });

  before(async () => {
    client = createEtcdClient({ endpoints: [etcd().endpoint] });
    await apply(pool('ipam-a', '10.88.0.0/26'), pool('ipam-b', '10.89.0.0/28'));
    allocator = new IpamAllocator({
      store: new EtcdIpamStore(client),
      pools: () => [
        { name: 'ipam-a', cidr: '10.88.0.0/26', blockSize: 28 },
        { name: 'ipam-b', cidr: '10.89.0.0/28', blockSize: 28 },
      ],
    });
  });
  after(() => client?.close());

  describe('show', () => {
    let ipA: string;
    before(async () => {
      await client.delete().prefix(IPAM_PREFIX);
      [ipA] = (await assign('net.cid-a')).ipv4 as [string];
      await assign('net.cid-b');
      await assign('net.cid-c', 'node-2');
    });

    it('sums pool use and lists blocks with their affinity', async () => {
      const r = await run(['ipam', 'show', '--show-blocks']);
      expect(r.code, r.stderr).to.equal(EXIT.ok);
      const rows = r.stdout.split('\n').map((l) => l.split(/\s+/));
      expect(rows.find((c) => c[0] === 'ipam-a')).to.deep.equal(['ipam-a', '10.88.0.0/26', '64', '0', '3', '2', 'false']);
      expect(rows.find((c) => c[0] === 'ipam-b')).to.deep.equal(['ipam-b', '10.89.0.0/28', '16', '0', '0', '0', 'false']);
      const blocks = rows.filter((c) => c[0]!.startsWith('10.88.'));
      expect(blocks.map((c) => [c[2], c[5]]).sort()).to.deep.equal([['node-1', '2'], ['node-2', '1']]);
    });

    it('says who holds an address, and that a free one is free', async () => {
      const held = await run(['ipam', 'show', '--ip', ipA]);
      expect(held.stdout).to.contain(`${ipA} is allocated to handle net.cid-a`);
      expect(held.stdout).to.match(/pod: net\.cid-a/);
      const free = await run(['ipam', 'show', '--ip', '10.88.0.60']);
      expect(free.stdout).to.contain('10.88.0.60 is not allocated (pool ipam-a)');
    });

    it('prints JSON that parses, with the configuration when asked', async () => {
      const r = await run(['ipam', 'show', '--show-configuration', '-o', 'json']);
      expect(JSON.parse(r.stdout).configuration).to.deep.equal({ strictAffinity: false, maxBlocksPerHost: 0, autoAllocateBlocks: true });
    });
  });

  describe('check and release', () => {
    before(async () => {
      await client.delete().prefix(IPAM_PREFIX);
      const [ip] = (await assign('net.live-1')).ipv4 as [string];
      await apply(wep('live-1', 'live-1', ip));
    });

    it('finds nothing wrong when every handle has its workload endpoint', async () => {
      const r = await run(['ipam', 'check']);
      expect(r.code, r.stdout + r.stderr).to.equal(EXIT.ok);
      expect(r.stdout).to.contain('no problems found');
    });

    it('reports a handle with no workload endpoint, one line, and exits 1; release --handle clears it', async () => {
      const [leak] = (await assign('net.ghost')).ipv4 as [string];
      const r = await run(['ipam', 'check', '--show-all-ips']);
      expect(r.code).to.equal(EXIT.failed);
      const problems = r.stdout.split('\n').filter((l) => /^[a-z-]+: /.test(l));
      expect(problems).to.have.length(1);
      expect(problems[0]).to.match(/^workload-gone: handle net\.ghost /);
      expect(r.stdout).to.contain(`${leak} handle net.ghost node node-1 default/net.ghost`);

      const rel = await run(['ipam', 'release', '--handle', 'net.ghost']);
      expect(rel.code, rel.stderr).to.equal(EXIT.ok);
      expect(rel.stdout.trim()).to.equal(`released ${leak} (handle net.ghost)`);
      expect((await run(['ipam', 'check'])).code).to.equal(EXIT.ok);
      const again = await run(['ipam', 'release', '--handle', 'net.ghost']);
      expect(again.stdout).to.contain('holds no address; nothing to release');
    });

    it('release --ip names what it released and what was free', async () => {
      const [ip] = (await assign('net.by-ip')).ipv4 as [string];
      const r = await run(['ipam', 'release', '--ip', ip, '--ip', '10.88.0.61']);
      expect(r.stdout.trim().split('\n')).to.deep.equal([`released ${ip} (handle net.by-ip)`, '10.88.0.61 was not allocated; nothing to release']);
    });

    it('reports an affinity for a block that does not exist', async () => {
      const key = `${AFFINITIES_PREFIX}node-x/10.88.0.48-28`;
      await etcd().put(key, JSON.stringify({ v: 1, state: 'confirmed', node: 'node-x', block: '10.88.0.48-28', since: Date.now() }));
      const r = await run(['ipam', 'check']);
      expect(r.code).to.equal(EXIT.failed);
      expect(r.stdout).to.contain('affinity-mismatch: node node-x has an affinity for block 10.88.0.48-28, which does not exist');
      await client.delete().key(key);
    });

    it('exits 3 naming the endpoint when etcd is unreachable', async () => {
      const port = await freePort();
      const r = await reefctl(['ipam', 'check', '--etcd-endpoints', `127.0.0.1:${port}`, '--request-timeout', '2']);
      expect(r.code).to.equal(EXIT.unreachable);
      expect(r.errors[0]).to.contain(`127.0.0.1:${port}`);
    });

    it('refuses release without --ip or --handle', async () => {
      expect((await run(['ipam', 'release'])).code).to.equal(EXIT.usage);
    });
  });

  describe('configure', () => {
    it('round-trips strictaffinity and max-blocks-per-host, and the limit is named when it stops an allocation', async () => {
      await client.delete().prefix(IPAM_PREFIX);
      const set = await run(['ipam', 'configure', '--strictaffinity=true', '--max-blocks-per-host', '1']);
      expect(set.code, set.stderr).to.equal(EXIT.ok);
      expect(set.stdout).to.contain('strictAffinity: true').and.contain('maxBlocksPerHost: 1');
      const shown = await run(['ipam', 'show', '--show-configuration']);
      expect(shown.stdout).to.contain('strictAffinity: true').and.contain('maxBlocksPerHost: 1').and.contain('autoAllocateBlocks: true');
      const fresh = new IpamAllocator({ store: new EtcdIpamStore(client), pools: () => [{ name: 'ipam-a', cidr: '10.88.0.0/26', blockSize: 28 }] });
      await fresh.autoAssign({ num4: 16, num6: 0, handle: 'fill', node: 'node-9' });
      let err: Error | undefined;
      await fresh.autoAssign({ num4: 1, num6: 0, handle: 'one-more', node: 'node-9' }).catch((e: Error) => (err = e));
      expect(err?.message).to.contain('maxBlocksPerHost');
      const back = await run(['ipam', 'configure', '--strictaffinity=false', '--max-blocks-per-host=0']);
      expect(back.stdout).to.contain('strictAffinity: false').and.contain('maxBlocksPerHost: 0');
      expect((await run(['ipam', 'configure', '--strictaffinity=maybe'])).code).to.equal(EXIT.usage);
    });
  });

  describe('delete of an IPPool', () => {
    it('is refused while addresses are in use, with the drain recipe, and allowed after disable and release', async () => {
      await client.delete().prefix(IPAM_PREFIX);
      const [ip] = (await assign('net.in-b', 'node-1', ['ipam-b'])).ipv4 as [string];
      const refused = await run(['delete', 'ippool', 'ipam-b']);
      expect(refused.code).to.equal(EXIT.failed);
      expect(refused.errors).to.have.length(1);
      expect(refused.errors[0]).to.match(/^error: IP pool ipam-b \(10\.89\.0\.0\/28\) still has 1 address in use; .*spec\.disabled: true.*nothing was deleted$/);
      expect((await run(['get', 'ippool', 'ipam-b', '-o', 'name'])).stdout.trim()).to.equal('ippool/ipam-b');

      await apply(pool('ipam-b', '10.89.0.0/28', { disabled: true }));
      expect((await run(['ipam', 'release', '--ip', ip])).code).to.equal(EXIT.ok);
      const deleted = await run(['delete', 'ippool', 'ipam-b']);
      expect(deleted.code, deleted.stderr).to.equal(EXIT.ok);
      expect((await run(['get', 'ippool', 'ipam-b'])).code).to.equal(EXIT.failed);
    });
  });
});
