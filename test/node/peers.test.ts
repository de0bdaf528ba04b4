import { expect } from 'chai';
import { computePeers, PEER_TYPES, type PeerInputs } from '../../src/node/peers.ts';
import type { Resource } from '../../src/model/resource.ts';

const node = (name: string, v4: string | undefined, extra: { labels?: Record<string, string>; as?: number; rr?: string; v6?: string } = {}): Resource => ({
  apiVersion: 'reef.dev/v1',
  kind: 'Node',
  metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}) },
  spec: {
    bgp: {
      ...(v4 ? { ipv4Address: `${v4}/24` } : {}),
      ...(extra.v6 ? { ipv6Address: `${extra.v6}/64` } : {}),
      ...(extra.as ? { asNumber: extra.as } : {}),
      ...(extra.rr ? { routeReflectorClusterID: extra.rr } : {}),
    },
  },
});
const peer = (name: string, spec: Record<string, unknown>): Resource => ({
  apiVersion: 'reef.dev/v1',
  kind: 'BGPPeer',
  metadata: { name },
  spec: { keepOriginalNextHop: false, sourceAddress: 'UseNodeIP', ...spec },
});
const config = (name: string, spec: Record<string, unknown>): Resource => ({ apiVersion: 'reef.dev/v1', kind: 'BGPConfiguration', metadata: { name }, spec });
const meshOff = config('default', { nodeToNodeMeshEnabled: false, asNumber: 64512 });

const a = node('a', '10.0.0.1', { labels: { rack: 'r1' } });
const b = node('b', '10.0.0.2', { labels: { rack: 'r1' } });
const c = node('c', '10.0.0.3', { labels: { rack: 'r2' } });

function summary(inp: PeerInputs): string[] {
  const plan = computePeers(inp);
  return (plan?.peers ?? []).map((p) => `${p.config.address} ${p.config.asNumber} ${p.type}${p.config.routeReflectorClient ? ' rr-client' : ''}`);
}

describe('node peer computation', () => {
  const cases: { name: string; inp: PeerInputs; want: string[] }[] = [
    { name: 'meshes with every other node by default', inp: { self: 'a', nodes: [a, b, c], bgpPeers: [], configs: [] }, want: ['10.0.0.2 64512 node-to-node mesh', '10.0.0.3 64512 node-to-node mesh'] },
    { name: 'has no peers when the mesh is off and no BGPPeer applies', inp: { self: 'a', nodes: [a, b, c], bgpPeers: [], configs: [meshOff] }, want: [] },
    {
      name: 'skips nodes without an address of the family',
      inp: { self: 'a', nodes: [a, node('v6only', undefined, { v6: 'fd00::9' })], bgpPeers: [], configs: [] },
      want: [],
    },
    {
      name: 'peers over IPv6 between nodes that both have IPv6',
      inp: { self: 'a6', nodes: [node('a6', '10.0.0.1', { v6: 'fd00::1' }), node('b6', '10.0.0.2', { v6: 'fd00::2' })], bgpPeers: [], configs: [] },
      want: ['10.0.0.2 64512 node-to-node mesh', 'fd00::2 64512 node-to-node mesh'],
    },
    {
      name: 'uses a peer node\'s own AS (eBGP between nodes)',
      inp: { self: 'a', nodes: [a, node('x', '10.0.0.9', { as: 65009 })], bgpPeers: [], configs: [config('default', { asNumber: 64600 })] },
      want: ['10.0.0.9 65009 node-to-node mesh'],
    },
    {
      name: 'holds a global BGPPeer on every node',
      inp: { self: 'c', nodes: [a, b, c], bgpPeers: [peer('tor', { peerIP: '192.168.1.1', asNumber: 65000 })], configs: [meshOff] },
      want: ['192.168.1.1 65000 global'],
    },
    {
      name: 'holds a BGPPeer with node only on that node',
      inp: { self: 'a', nodes: [a, b], bgpPeers: [peer('tor-b', { node: 'b', peerIP: '192.168.1.2', asNumber: 65000 })], configs: [meshOff] },
      want: [],
    },
    {
      name: 'holds a BGPPeer whose nodeSelector matches this node',
      inp: { self: 'a', nodes: [a, b], bgpPeers: [peer('r1', { nodeSelector: "rack == 'r1'", peerIP: '192.168.1.3:1790', asNumber: 65001 }), peer('r2', { nodeSelector: "rack == 'r2'", peerIP: '192.168.2.3', asNumber: 65002 })], configs: [meshOff] },
      want: ['192.168.1.3 65001 node specific'],
    },
    {
      name: 'lets an explicit BGPPeer win over the mesh for the same address',
      inp: { self: 'a', nodes: [a, b], bgpPeers: [peer('to-b', { peerIP: '10.0.0.2', asNumber: 64512, keepOriginalNextHop: true })], configs: [] },
      want: ['10.0.0.2 64512 global'],
    },
    {
      name: 'peers a client with the route reflectors a peerSelector picks',
      inp: {
        self: 'a',
        nodes: [a, node('rr1', '10.0.0.11', { labels: { rr: 'yes' }, rr: '1.0.0.1' }), node('rr2', '10.0.0.12', { labels: { rr: 'yes' }, rr: '1.0.0.1' })],
        bgpPeers: [peer('to-rr', { nodeSelector: 'all()', peerSelector: 'has(rr)' })],
        configs: [meshOff],
      },
      want: ['10.0.0.11 64512 node specific', '10.0.0.12 64512 node specific'],
    },
    {
      name: 'gives a route reflector its clients (the reverse of their peerSelector) and its fellow reflectors as plain peers',
      inp: {
        self: 'rr1',
        nodes: [a, b, node('rr1', '10.0.0.11', { labels: { rr: 'yes' }, rr: '1.0.0.1' }), node('rr2', '10.0.0.12', { labels: { rr: 'yes' }, rr: '1.0.0.1' })],
        bgpPeers: [peer('to-rr', { nodeSelector: 'all()', peerSelector: 'has(rr)' })],
        configs: [meshOff],
      },
      want: ['10.0.0.1 64512 node specific rr-client', '10.0.0.12 64512 node specific', '10.0.0.2 64512 node specific rr-client'],
    },
    {
      name: 'makes mesh peers clients of a reflector when the mesh is on',
      inp: { self: 'rr1', nodes: [a, node('rr1', '10.0.0.11', { rr: '1.0.0.1' })], bgpPeers: [], configs: [] },
      want: ['10.0.0.1 64512 node-to-node mesh rr-client'],
    },
  ];
  for (const t of cases) it(t.name, () => expect(summary(t.inp)).to.deep.equal(t.want));

  it('returns nothing for a node without a Node resource or BGP address', () => {
    expect(computePeers({ self: 'zz', nodes: [a], bgpPeers: [], configs: [] })).to.equal(undefined);
    expect(computePeers({ self: 'n', nodes: [{ ...a, metadata: { name: 'n' }, spec: {} }], bgpPeers: [], configs: [] })).to.equal(undefined);
  });

  it('takes AS, port and router ID from the node and the configurations', () => {
    const plan = computePeers({
      self: 'a',
      nodes: [a, b],
      bgpPeers: [],
      configs: [config('default', { asNumber: 64600, listenPort: 1179 }), config('node.b', { listenPort: 2179 })],
    })!;
    expect(plan).to.include({ asNumber: 64600, routerId: '10.0.0.1', listenPort: 1179 });
    expect(plan.peers[0]!.config).to.include({ address: '10.0.0.2', port: 2179, localAddress: '10.0.0.1', asNumber: 64600 });
  });

  it('passes keepOriginalNextHop and maxPrefixes through, and warns about a password', () => {
    const plan = computePeers({
      self: 'a',
      nodes: [a],
      bgpPeers: [peer('tor', { peerIP: '192.168.1.1', asNumber: 65000, keepOriginalNextHop: true, maxPrefixes: 100, password: { secretKeyRef: { name: 's', key: 'k' } } })],
      configs: [],
    })!;
    expect(plan.peers[0]!.config).to.include({ keepOriginalNextHop: true, maxPrefixes: 100 });
    expect(plan.warnings.join()).to.match(/password .* not supported/);
  });

  it('derives a router ID from the name for an IPv6-only node', () => {
    const plan = computePeers({ self: 'v6', nodes: [node('v6', undefined, { v6: 'fd00::1' })], bgpPeers: [], configs: [] })!;
    expect(plan.routerId).to.match(/^\d+\.\d+\.\d+\.\d+$/).and.not.equal('0.0.0.0');
    expect(computePeers({ self: 'v6', nodes: [node('v6', undefined, { v6: 'fd00::1' })], bgpPeers: [], configs: [] })!.routerId).to.equal(plan.routerId);
  });

  it('names each peer type the way calicoctl does', () => {
    expect(Object.values(PEER_TYPES)).to.deep.equal(['node-to-node mesh', 'global', 'node specific']);
  });
});
