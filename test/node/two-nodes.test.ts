/**
 * Two reef-nodes in two network namespaces on a shared link, one real etcd.
 *
 * Reaching etcd: the harness runs etcd on the root namespace's 127.0.0.1,
 * which a process in another namespace cannot reach (loopback is per
 * namespace). Each node namespace gets a second veth to the root namespace
 * (10.78.<n>.0/30, a range made only for this test), and the test process
 * forwards 10.78.<n>.1:<etcd port> to etcd's loopback port. BGP and the
 * routes under test stay on the shared link (10.77.0.0/24).
 */
import { expect } from 'chai';
import { type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpamAllocator } from '../../ipam/allocator.ts';
import { listPools, openIpamStore } from '../../src/cni/ipam-wiring.ts';
import { datastoreConfigFrom, openDatastore } from '../../src/datastore/index.ts';
import type { Datastore } from '../../src/datastore/datastore.ts';
import { useEtcd } from '../harness/etcd.ts';
import { useNetns } from '../harness/netns.ts';
import { reefctl } from '../cli/run.ts';
import { Forwarder } from './forwarder.ts';

const BIN = new URL('../../bin/reef-node', import.meta.url).pathname;

const POOL_AND_CONFIG = `
apiVersion: reef.dev/v1
kind: IPPool
metadata: { name: pods }
spec: { cidr: 10.244.0.0/16, blockSize: 26, natOutgoing: false }
---
apiVersion: reef.dev/v1
kind: BGPConfiguration
metadata: { name: default }
spec: { nodeToNodeMeshEnabled: true, asNumber: 64512 }
`;

interface TestNode {
  name: string;
  ns: string;
  ip: string;
  socket: string;
  proc: ChildProcess;
  log: string[];
  block?: string;
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, nodes: readonly TestNode[], deadlineMs = 30_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const logs = nodes.map((n) => `--- ${n.name} ---\n${n.log.join('').split('\n').slice(-25).join('\n')}`).join('\n');
  throw new Error(`${what}: not reached within ${deadlineMs / 1000} s (${String(last ?? 'no error')})\n${logs}`);
}

describe('reef-node: two nodes peer and route each other\'s blocks @integration', function () {
  this.timeout(120_000);
  const etcd = useEtcd();
  const netns = useNetns();
  const forwarders: Forwarder[] = [];
  const nodes: TestNode[] = [];
  let dir: string;
  let ds: Datastore;

  const status = async (n: TestNode): Promise<{ bgp?: { peers: { address: string; state: string; type: string }[] } }> => {
    const r = await reefctl(['node', 'status', '--socket', n.socket, '-o', 'json']);
    if (r.code !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout);
  };
  const routes = async (n: TestNode, ...sel: string[]): Promise<string> => (await netns().exec(n.ns, ['ip', '-4', 'route', 'show', ...sel])).stdout;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'reef-node-it-'));
    const scope = netns();
    const env = { ETCD_ENDPOINTS: etcd().endpoint };
    const applied = await reefctl(['apply', '-f', '-'], { stdin: POOL_AND_CONFIG, env });
    expect(applied.code, applied.stderr).to.equal(0);
    ds = openDatastore(datastoreConfigFrom({ env }));

    const [nsA, nsB] = [await scope.createNamespace(), await scope.createNamespace()];
    await scope.veth({ ns: nsA, name: 'lan0', address: '10.77.0.1/24' }, { ns: nsB, name: 'lan0', address: '10.77.0.2/24' });
    const tag = process.pid % 100000;
    for (const [i, ns, name] of [[1, nsA, 'node-a'], [2, nsB, 'node-b']] as const) {
      await scope.veth({ ns, name: 'etcd0', address: `10.78.${i}.2/30` }, { ns: null, name: `rnt${tag}${i}`, address: `10.78.${i}.1/30` });
      const fw = new Forwarder(etcd().port);
      await fw.listen(`10.78.${i}.1`, etcd().port);
      forwarders.push(fw);
      const ip = `10.77.0.${i}`;
      const socket = join(dir, `${name}.sock`);
      const proc = scope.spawn(ns, [BIN], {
        env: {
          PATH: process.env.PATH,
          NODENAME: name,
          IP: `${ip}/24`,
          ETCD_ENDPOINTS: `10.78.${i}.1:${etcd().port}`,
          REEF_STATUS_SOCKET: socket,
          REEF_BGP_RESTART_TIME: '5s',
          REEF_IPAM_GC_INTERVAL: '0',
          REEF_LOG_LEVEL: 'info',
        },
      });
      const n: TestNode = { name, ns, ip, socket, proc, log: [] };
      proc.stderr!.setEncoding('utf8').on('data', (c: string) => n.log.push(c));
      proc.stdout!.setEncoding('utf8').on('data', (c: string) => n.log.push(c));
      nodes.push(n);
    }

    // Each node gets a block, as the CNI plugin's first pod on it would.
    const ipam = openIpamStore(datastoreConfigFrom({ env }).etcd, 4000);
    try {
      const alloc = new IpamAllocator({ store: ipam.store, pools: () => listPools(ds) });
      for (const n of nodes) {
        const got = await alloc.autoAssign({ num4: 1, num6: 0, handle: `k8s-pod-network.ctr-${n.name}`, node: n.name });
        const ip = got.ipv4[0]!.split('/')[0]!;
        n.block = `${ip.split('.').slice(0, 3).join('.')}.${Number(ip.split('.')[3]) & ~63}/26`;
      }
    } finally {
      ipam.close();
    }
  });

  after(async function () {
    await Promise.allSettled(forwarders.map((f) => f.close()));
    await ds?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes both Node resources with their BGP addresses', async () => {
    for (const n of nodes) {
      const r = await eventually(`Node ${n.name}`, async () => ds.get({ kind: 'Node', name: n.name }), nodes);
      expect(r.spec).to.deep.equal({ bgp: { ipv4Address: `${n.ip}/24` } });
    }
  });

  it('brings up the mesh session between the nodes', async () => {
    for (const [me, other] of [[nodes[0]!, nodes[1]!], [nodes[1]!, nodes[0]!]] as const) {
      const p = await eventually(`${me.name} Established with ${other.ip}`, async () => (await status(me)).bgp?.peers.find((x) => x.address === other.ip && x.state === 'Established'), nodes);
      expect(p.type).to.equal('node-to-node mesh');
    }
  });

  it("installs the other node's block via it (proto 85) and a blackhole for its own", async () => {
    for (const [me, other] of [[nodes[0]!, nodes[1]!], [nodes[1]!, nodes[0]!]] as const) {
      const learned = await eventually(`${me.name} route to ${other.block}`, async () => {
        const out = await routes(me, 'proto', '85');
        return out.includes(other.block!) ? out : undefined;
      }, nodes);
      expect(learned).to.match(new RegExp(`^${other.block!.replace(/\./g, '\\.')} via ${other.ip.replace(/\./g, '\\.')} dev lan0`, 'm'));
      const bh = await eventually(`${me.name} blackhole for ${me.block}`, async () => {
        const out = await routes(me, 'type', 'blackhole');
        return out.includes(me.block!) ? out : undefined;
      }, nodes);
      expect(bh).to.match(new RegExp(`^blackhole ${me.block!.replace(/\./g, '\\.')} proto 87`, 'm'));
      expect(await routes(me, 'proto', '85')).not.to.include(me.block!);
    }
  });

  it('answers readiness and Prometheus metrics on its HTTP port', async () => {
    const a = nodes[0]!;
    const get = async (path: string): Promise<string> => (await netns().exec(a.ns, ['curl', '-sS', '-f', `http://127.0.0.1:9099${path}`])).stdout;
    expect(await get('/liveness')).to.equal('ok\n');
    await eventually('node-a ready', async () => ((await get('/readiness')) === 'ok\n' ? true : undefined), nodes);
    const metrics = await get('/metrics');
    expect(metrics).to.match(/^reef_bgp_peer_established\{peer="node-b",address="10\.77\.0\.2",type="node-to-node mesh"\} 1$/m);
    expect(metrics).to.match(/^reef_ipam_node_blocks 1$/m);
  });

  it("drops the peer when the other node's Node resource is deleted", async () => {
    const [a, b] = [nodes[0]!, nodes[1]!];
    await ds.delete({ kind: 'Node', name: b.name });
    await eventually(`${a.name} forgets ${b.ip}`, async () => ((await status(a)).bgp?.peers.some((p) => p.address === b.ip) ? undefined : true), nodes);
    expect((await status(a)).bgp?.peers ?? []).to.deep.equal([]);
  });

  it('stops on SIGTERM with exit 0, removing its status socket and keeping its routes', async () => {
    const a = nodes[0]!;
    const exited = new Promise<number | null>((r) => a.proc.once('exit', (code) => r(code)));
    a.proc.kill('SIGTERM');
    expect(await exited).to.equal(0);
    expect(existsSync(a.socket)).to.equal(false);
    expect(await routes(a, 'type', 'blackhole')).to.include(a.block!);
  });
});
