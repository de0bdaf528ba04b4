import { expect } from 'chai';
import type { Etcd3 } from 'etcd3';
import { stringify } from 'yaml';
import { createEtcdClient } from '../../src/datastore/etcd-client.ts';
import { EtcdIpamStore } from '../../src/datastore/etcd-ipam-store.ts';
import { parseIp } from '../../ipam/ip.ts';
import { loadSnapshot } from '../../ipam/snapshot.ts';
import { reefctl } from '../cli/run.ts';
import { useEtcd } from '../harness/etcd.ts';
import { runIpam, type PluginRun } from './plugin.ts';

const pool = (name: string, cidr: string, blockSize: number) => ({ apiVersion: 'reef.dev/v1', kind: 'IPPool', metadata: { name }, spec: { cidr, blockSize } });
const reservation = (name: string, reservedCIDRs: string[]) => ({ apiVersion: 'projectcalico.org/v3', kind: 'IPReservation', metadata: { name }, spec: { reservedCIDRs } });

/** The last octet of an IPv4 address (with or without its prefix length). */
const low = (a: string): number => Number(parseIp(a.split('/')[0]!)!.value & 0xffn);

describe('reef-ipam with IPReservations @integration', function () {
  this.timeout(60_000);
  const etcd = useEtcd();
  let client: Etcd3;
  let seq = 0;
  const cid = () => `r${++seq}-${process.pid}`;
  const conf = (ipam: Record<string, unknown>) => ({
    cniVersion: '1.0.0',
    name: 'resnet',
    type: 'bridge',
    ipam: { type: 'reef-ipam', etcd_endpoints: etcd().endpoint, nodename: 'node-r', ...ipam },
  });
  const add = (id: string, ipam: Record<string, unknown>) => runIpam({ command: 'ADD', containerId: id, netns: `/run/netns/${id}`, args: `K8S_POD_NAMESPACE=ns;K8S_POD_NAME=${id}` }, conf(ipam));
  const ipsOf = (r: PluginRun) => {
    expect(r.code, `${r.stdout}${r.stderr}`).to.equal(0);
    return (r.json?.ips ?? []) as { address: string; gateway?: string }[];
  };
  const apply = async (...docs: unknown[]) => {
    const r = await reefctl(['apply', '-f', '-', '--etcd-endpoints', etcd().endpoint], { stdin: docs.map((d) => stringify(d)).join('---\n') });
    expect(r.code, r.stderr).to.equal(0);
  };

  before(async () => {
    client = createEtcdClient({ endpoints: [etcd().endpoint] });
    await apply(
      pool('res-a', '10.79.0.0/26', 26),
      pool('res-b', '10.79.1.0/28', 28),
      pool('res-c', '10.79.2.0/26', 26),
      reservation('ops-a', ['10.79.0.16/28']),
      reservation('gw-b', ['10.79.1.0/30']),
    );
  });
  after(() => client?.close());

  it('ADD never hands out an address of a reservation, across concurrent ADDs', async () => {
    // The first ADD claims the pool's only block: concurrent first claims by one node can
    // lose to each other (the loser finds no block to claim or borrow), which is not what this test is about.
    const first = ipsOf(await add(cid(), { ipv4_pools: ['res-a'], subnet: 'host' }));
    const ids = Array.from({ length: 11 }, () => cid());
    const results = await Promise.all(ids.map((id) => add(id, { ipv4_pools: ['res-a'], subnet: 'host' })));
    const addrs = [...first, ...results.flatMap((r) => ipsOf(r))].map((i) => i.address);
    expect(addrs).to.have.length(12);
    expect(new Set(addrs).size).to.equal(12);
    expect(addrs.filter((a) => low(a) >= 16 && low(a) <= 31), 'inside 10.79.0.16/28').to.deep.equal([]);
  });

  it('keeps the block gateway working when a reservation covers it, and gives the pod an address outside', async () => {
    const [ip] = ipsOf(await add(cid(), { ipv4_pools: ['res-b'] }));
    expect(ip!.gateway).to.equal('10.79.1.1');
    expect(ip!.address).to.match(/^10\.79\.1\.\d+\/28$/);
    expect(low(ip!.address)).to.be.within(4, 14);
  });

  it('honours a reservation added after the block was claimed', async () => {
    const [first] = ipsOf(await add(cid(), { ipv4_pools: ['res-c'], subnet: 'host' }));
    expect(first!.address).to.equal('10.79.2.0/32');
    await apply(reservation('later-c', ['10.79.2.0/27']));
    const more = await Promise.all(Array.from({ length: 4 }, () => add(cid(), { ipv4_pools: ['res-c'], subnet: 'host' })));
    const addrs = more.flatMap((r) => ipsOf(r).map((i) => i.address));
    expect(addrs.every((a) => low(a) >= 32), addrs.join(', ')).to.equal(true);
    const snap = await loadSnapshot(new EtcdIpamStore(client));
    const held = snap.blocks.flatMap((b) => [...b.block.allocations()]).map((a) => a.address);
    expect(held, 'the address allocated before the reservation is kept').to.include('10.79.2.0');
  });

  it('reefctl ipam check lists an allocation made before its reservation as a finding, not a problem', async () => {
    const r = await reefctl(['ipam', 'check', '--etcd-endpoints', etcd().endpoint]);
    expect(r.stdout).to.match(/^finding \(allocated-in-reservation\): 10\.79\.2\.0 \(handle resnet\.r\d+-\d+\) is inside IPReservation "later-c" \(10\.79\.2\.0\/27\)/m);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('allocated-in-reservation'))).to.deep.equal([]);
  });

  it('reefctl ipam show counts reserved addresses per pool', async () => {
    const r = await reefctl(['ipam', 'show', '--etcd-endpoints', etcd().endpoint]);
    const rows = r.stdout.split('\n').map((l) => l.split(/\s+/));
    expect(rows[0]).to.include('RESERVED');
    expect(rows.find((c) => c[0] === 'res-a')!.slice(0, 4)).to.deep.equal(['res-a', '10.79.0.0/26', '64', '16']);
    expect(rows.find((c) => c[0] === 'res-c')!.slice(0, 4)).to.deep.equal(['res-c', '10.79.2.0/26', '64', '32']);
  });
});
