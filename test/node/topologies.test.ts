/**
 * reef-node beyond the full mesh, with real processes (./cluster.ts): route
 * reflection set up the way Calico documents it (mesh off, a reflector
 * labelled route-reflector, a BGPPeer joining the others to it), and
 * external routers (BIRD 2) as global and node-specific BGPPeers.
 */
import { expect } from 'chai';
import { Bird } from '../harness/daemons/bird.ts';
import { useEtcd } from '../harness/etcd.ts';
import { useNetns } from '../harness/netns.ts';
import { NodeCluster, re } from './cluster.ts';

const POOL = `
apiVersion: reef.dev/v1
kind: IPPool
metadata: { name: pods }
spec: { cidr: 10.244.0.0/16, blockSize: 26, natOutgoing: false }
`;

describe('reef-node: topologies (route reflector, external BGPPeers) @integration', function () {
  this.timeout(120_000);

  describe('route reflection as Calico documents it (mesh off, a labelled reflector)', function () {
    const etcd = useEtcd();
    const netns = useNetns();
    let c: NodeCluster;

    before(async function () {
      c = new NodeCluster(netns(), etcd(), { etcdNet: 11 });
      await c.apply(`${POOL}
---
apiVersion: reef.dev/v1
kind: BGPConfiguration
metadata: { name: default }
spec: { nodeToNodeMeshEnabled: false, asNumber: 64512 }
---
apiVersion: reef.dev/v1
kind: BGPPeer
metadata: { name: peer-with-route-reflectors }
spec: { nodeSelector: "!has(route-reflector)", peerSelector: "has(route-reflector)" }
`);
      const rr1 = await c.startNode('rr1', 1);
      await c.startNode('n1', 2);
      await c.startNode('n2', 3);
      // The operator makes rr1 a reflector once it runs, as with `calicoctl
      // get node rr1 -o yaml`, an edit, and apply: a running speaker gets a cluster ID.
      await c.eventually('Node rr1 written', async () => c.ds.get({ kind: 'Node', name: 'rr1' }));
      await c.apply(`
apiVersion: reef.dev/v1
kind: Node
metadata: { name: rr1, labels: { route-reflector: "true" } }
spec: { bgp: { ipv4Address: ${rr1.ip}/24, routeReflectorClusterID: 224.0.0.1 } }
`);
      await c.allocateBlocks();
    });

    after(async function () {
      await c?.close();
    });

    it("has rr1's label and cluster ID in its Node", async () => {
      const rr1 = await c.eventually('Node rr1 with an address', async () => {
        const r = await c.ds.get({ kind: 'Node', name: 'rr1' });
        return (r.spec as { bgp?: { ipv4Address?: string } }).bgp?.ipv4Address !== undefined ? r : undefined;
      });
      expect(rr1.metadata.labels).to.deep.equal({ 'route-reflector': 'true' });
      expect(rr1.spec).to.deep.equal({ bgp: { ipv4Address: '10.77.0.1/24', routeReflectorClusterID: '224.0.0.1' } });
    });

    it('clients peer with rr1 and not with each other', async () => {
      const [rr1, n1, n2] = [c.node('rr1'), c.node('n1'), c.node('n2')];
      for (const client of [n1, n2]) {
        const p = await c.established(client, rr1.ip);
        expect(p.type).to.equal('node specific');
        expect(p.source).to.equal('BGPPeer/peer-with-route-reflectors');
        const back = await c.established(rr1, client.ip);
        expect(back.type).to.equal('node specific');
      }
      // Sessions are configured at once from the plan: both clients already
      // list rr1, so a session between them would be listed too.
      for (const [me, other] of [[n1, n2], [n2, n1]] as const) {
        const peers = (await c.status(me)).bgp?.peers ?? [];
        expect(peers.map((p) => p.address)).to.deep.equal([rr1.ip]);
        expect(await c.statusText(me)).not.to.include(other.ip);
      }
      expect(((await c.status(rr1)).bgp?.peers ?? []).map((p) => p.address).sort()).to.deep.equal([n1.ip, n2.ip]);
    });

    it("reflects each client's block to the other with the original next hop", async () => {
      const [rr1, n1, n2] = [c.node('rr1'), c.node('n1'), c.node('n2')];
      for (const [me, other] of [[n1, n2], [n2, n1]] as const) {
        const learned = await c.learned(me, other.block!);
        expect(learned).to.match(new RegExp(`^${re(other.block!)} via ${re(other.ip)} dev lan0 `, 'm'));
        // And the reflector's own block, via the reflector.
        expect(await c.learned(me, rr1.block!)).to.match(new RegExp(`^${re(rr1.block!)} via ${re(rr1.ip)} dev lan0 `, 'm'));
      }
      for (const client of [n1, n2]) {
        expect(await c.learned(rr1, client.block!)).to.match(new RegExp(`^${re(client.block!)} via ${re(client.ip)} dev lan0 `, 'm'));
      }
    });

    it('turning the mesh on at runtime adds the client-to-client session and keeps the BGPPeer one', async () => {
      const [rr1, n1, n2] = [c.node('rr1'), c.node('n1'), c.node('n2')];
      await c.apply(`
apiVersion: reef.dev/v1
kind: BGPConfiguration
metadata: { name: default }
spec: { nodeToNodeMeshEnabled: true, asNumber: 64512 }
`);
      for (const [me, other] of [[n1, n2], [n2, n1]] as const) {
        expect((await c.established(me, other.ip)).type).to.equal('node-to-node mesh');
        // The explicit BGPPeer wins over the mesh for rr1's address.
        const toRr = (await c.status(me)).bgp?.peers.find((p) => p.address === rr1.ip);
        expect(toRr?.type).to.equal('node specific');
        expect(toRr?.state).to.equal('Established');
        expect(await c.routes(me, 'proto', '85')).to.match(new RegExp(`^${re(other.block!)} via ${re(other.ip)} dev lan0 `, 'm'));
      }
    });

    it('taking rr1 out of the reflector role leaves it a mesh peer', async () => {
      const [rr1, n1, n2] = [c.node('rr1'), c.node('n1'), c.node('n2')];
      await c.apply(`
apiVersion: reef.dev/v1
kind: Node
metadata: { name: rr1 }
spec: { bgp: { ipv4Address: ${rr1.ip}/24 } }
`);
      for (const me of [n1, n2]) {
        await c.eventually(`${me.name} sees rr1 as a mesh peer`, async () => {
          const p = (await c.status(me)).bgp?.peers.find((x) => x.address === rr1.ip);
          return p?.type === 'node-to-node mesh' && p.state === 'Established' ? p : undefined;
        });
      }
      for (const other of [n1, n2]) {
        const p = await c.established(rr1, other.ip);
        expect(p.type).to.equal('node-to-node mesh');
        expect(await c.learned(rr1, other.block!)).to.match(new RegExp(`^${re(other.block!)} via ${re(other.ip)} dev lan0 `, 'm'));
      }
    });
  });

  describe('external peers: a global BGPPeer and a node-specific one (BIRD 2)', function () {
    const etcd = useEtcd();
    const netns = useNetns();
    let c: NodeCluster;
    let tor: Bird;
    let rack: Bird;
    let torIp: string;
    let rackIp: string;

    before(async function () {
      c = new NodeCluster(netns(), etcd(), { etcdNet: 21 });
      await c.apply(`${POOL}
---
apiVersion: reef.dev/v1
kind: BGPConfiguration
metadata: { name: default }
spec: { nodeToNodeMeshEnabled: true, asNumber: 64512 }
`);
      await c.startNode('n1', 1);
      await c.startNode('n2', 2);
      await c.startNode('n3', 3);
      await c.allocateBlocks();
      const torNs = await c.router(10);
      const rackNs = await c.router(11);
      torIp = torNs.ip;
      rackIp = rackNs.ip;
      tor = new Bird(netns(), torNs.ns);
      await tor.start({ routerId: torIp, asn: 65000, neighbors: c.nodes.map((n) => ({ ip: n.ip, asn: 64512 })) });
      rack = new Bird(netns(), rackNs.ns);
      await rack.start({ routerId: rackIp, asn: 65001, neighbors: c.nodes.map((n) => ({ ip: n.ip, asn: 64512 })) });
      await c.apply(`
apiVersion: reef.dev/v1
kind: BGPPeer
metadata: { name: tor }
spec: { peerIP: ${torIp}, asNumber: 65000 }
---
apiVersion: reef.dev/v1
kind: BGPPeer
metadata: { name: rack-n1 }
spec: { node: n1, peerIP: ${rackIp}, asNumber: 65001 }
`);
    });

    after(async function () {
      await Promise.allSettled([tor?.stop(), rack?.stop()]);
      await c?.close();
    });

    it('every node holds the global peer; BIRD learns every node\'s block', async () => {
      for (const n of c.nodes) {
        const p = await c.established(n, torIp);
        expect(p.type).to.equal('global');
        expect(p.source).to.equal('BGPPeer/tor');
        expect(await c.statusText(n)).to.match(new RegExp(`^\\| ${re(torIp)} +\\| global +\\| up `, 'm'));
      }
      for (let i = 1; i <= c.nodes.length; i++) await tor.waitEstablished(i);
      const want = c.nodes.map((n) => n.block!).sort();
      const got = await c.eventually('BIRD learns every block', async () => {
        const p = [...new Set(await tor.bgpPrefixes())].sort();
        return want.every((b) => p.includes(b)) ? p : undefined;
      });
      expect(got).to.deep.equal(want);
      // eBGP: each block's best path is from its own node, next hop that node.
      for (const n of c.nodes) expect(await tor.routeDetail(n.block!)).to.match(new RegExp(`via ${re(n.ip)} on lan0`));
    });

    it('holds the node-specific peer on n1 only', async () => {
      const n1 = c.node('n1');
      const p = await c.established(n1, rackIp);
      expect(p.type).to.equal('node specific');
      expect(p.source).to.equal('BGPPeer/rack-n1');
      expect(await c.statusText(n1)).to.match(new RegExp(`^\\| ${re(rackIp)} +\\| node specific +\\| up `, 'm'));
      await rack.waitEstablished(1);
      for (const n of c.nodes.filter((x) => x !== n1)) {
        expect(((await c.status(n)).bgp?.peers ?? []).map((x) => x.address)).not.to.include(rackIp);
        expect(await c.statusText(n)).not.to.include(rackIp);
      }
      expect(await rack.state(2)).not.to.equal('Established');
      expect(await rack.state(3)).not.to.equal('Established');
      // n1 advertises the whole cluster's blocks it knows to its own router.
      const want = c.nodes.map((n) => n.block!).sort();
      await c.eventually('rack router learns the blocks from n1', async () => {
        const got = await rack.bgpPrefixes();
        return want.every((b) => got.includes(b)) ? true : undefined;
      });
    });

    it("deleting the global BGPPeer ends BIRD's sessions and keeps the node-specific one", async () => {
      await c.delete('bgppeer', 'tor');
      for (const n of c.nodes) {
        await c.eventually(`${n.name} drops ${torIp}`, async () => ((await c.status(n)).bgp?.peers.some((p) => p.address === torIp) ? undefined : true));
      }
      for (let i = 1; i <= c.nodes.length; i++) {
        await c.eventually(`BIRD n${i} down`, async () => ((await tor.state(i)) !== 'Established' ? true : undefined));
      }
      expect(await tor.bgpPrefixes()).to.deep.equal([]);
      const n1 = c.node('n1');
      expect((await c.status(n1)).bgp?.peers.find((p) => p.address === rackIp)?.state).to.equal('Established');
      expect(await rack.state(1)).to.equal('Established');
    });
  });
});
