/**
 * Two reef-nodes in two network namespaces on a shared link, one real etcd
 * (the namespaces, LAN and etcd forwarding: ./cluster.ts).
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { useEtcd } from '../harness/etcd.ts';
import { useNetns } from '../harness/netns.ts';
import { NodeCluster, re } from './cluster.ts';

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

describe('reef-node: two nodes peer and route each other\'s blocks @integration', function () {
  this.timeout(120_000);
  const etcd = useEtcd();
  const netns = useNetns();
  let c: NodeCluster;

  before(async function () {
    c = new NodeCluster(netns(), etcd(), { etcdNet: 1 });
    await c.apply(POOL_AND_CONFIG);
    await c.startNode('node-a', 1);
    await c.startNode('node-b', 2);
    await c.allocateBlocks();
  });

  after(async function () {
    await c?.close();
  });

  it('writes both Node resources with their BGP addresses', async () => {
    for (const n of c.nodes) {
      const r = await c.eventually(`Node ${n.name}`, async () => c.ds.get({ kind: 'Node', name: n.name }));
      expect(r.spec).to.deep.equal({ bgp: { ipv4Address: `${n.ip}/24` } });
    }
  });

  it('brings up the mesh session between the nodes', async () => {
    const [a, b] = [c.nodes[0]!, c.nodes[1]!];
    for (const [me, other] of [[a, b], [b, a]] as const) {
      expect((await c.established(me, other.ip)).type).to.equal('node-to-node mesh');
    }
  });

  it("installs the other node's block via it (proto 85) and a blackhole for its own", async () => {
    const [a, b] = [c.nodes[0]!, c.nodes[1]!];
    for (const [me, other] of [[a, b], [b, a]] as const) {
      const learned = await c.learned(me, other.block!);
      expect(learned).to.match(new RegExp(`^${re(other.block!)} via ${re(other.ip)} dev lan0`, 'm'));
      const bh = await c.eventually(`${me.name} blackhole for ${me.block}`, async () => {
        const out = await c.routes(me, 'type', 'blackhole');
        return out.includes(me.block!) ? out : undefined;
      });
      expect(bh).to.match(new RegExp(`^blackhole ${re(me.block!)} proto 87`, 'm'));
      expect(await c.routes(me, 'proto', '85')).not.to.include(me.block!);
    }
  });

  it('answers readiness and Prometheus metrics on its HTTP port', async () => {
    const a = c.nodes[0]!;
    const get = async (path: string): Promise<string> => (await netns().exec(a.ns, ['curl', '-sS', '-f', `http://127.0.0.1:9099${path}`])).stdout;
    expect(await get('/liveness')).to.equal('ok\n');
    await c.eventually('node-a ready', async () => ((await get('/readiness')) === 'ok\n' ? true : undefined));
    const metrics = await get('/metrics');
    expect(metrics).to.match(/^reef_bgp_peer_established\{peer="node-b",address="10\.77\.0\.2",type="node-to-node mesh"\} 1$/m);
    expect(metrics).to.match(/^reef_ipam_node_blocks 1$/m);
  });

  it("drops the peer when the other node's Node resource is deleted", async () => {
    const [a, b] = [c.nodes[0]!, c.nodes[1]!];
    await c.ds.delete({ kind: 'Node', name: b.name });
    await c.eventually(`${a.name} forgets ${b.ip}`, async () => ((await c.status(a)).bgp?.peers.some((p) => p.address === b.ip) ? undefined : true));
    expect((await c.status(a)).bgp?.peers ?? []).to.deep.equal([]);
  });

  it('stops on SIGTERM with exit 0, removing its status socket and keeping its routes', async () => {
    const a = c.nodes[0]!;
    const exited = new Promise<number | null>((r) => a.proc.once('exit', (code) => r(code)));
    a.proc.kill('SIGTERM');
    expect(await exited).to.equal(0);
    expect(existsSync(a.socket)).to.equal(false);
    expect(await c.routes(a, 'type', 'blackhole')).to.include(a.block!);
  });
});
