/**
 * Documents that must be refused, each with the field path the error must
 * name. Built from a valid base per kind with one thing broken.
 */
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, ...extra });

const base = {
  IPPool: () => ({ apiVersion: 'reef.dev/v1', kind: 'IPPool', metadata: meta('bad-pool'), spec: { cidr: '10.50.0.0/16' } as Record<string, unknown> }),
  BGPConfiguration: () => ({ apiVersion: 'reef.dev/v1', kind: 'BGPConfiguration', metadata: meta('default'), spec: {} as Record<string, unknown> }),
  BGPPeer: () => ({ apiVersion: 'reef.dev/v1', kind: 'BGPPeer', metadata: meta('bad-peer'), spec: { peerIP: '192.0.2.9', asNumber: 64600 } as Record<string, unknown> }),
  Node: () => ({ apiVersion: 'reef.dev/v1', kind: 'Node', metadata: meta('bad-node'), spec: { bgp: { ipv4Address: '192.0.2.50/24' } } as Record<string, unknown> }),
  WorkloadEndpoint: () => ({
    apiVersion: 'reef.dev/v1',
    kind: 'WorkloadEndpoint',
    metadata: meta('bad-wep', { namespace: 'default' }),
    spec: { node: 'node-1', interfaceName: 'cali0', ipNetworks: ['10.244.9.9/32'] } as Record<string, unknown>,
  }),
  NetworkPolicy: () => ({
    apiVersion: 'reef.dev/v1',
    kind: 'NetworkPolicy',
    metadata: meta('bad-np', { namespace: 'default' }),
    spec: { selector: 'all()', types: ['Ingress'] } as Record<string, unknown>,
  }),
  GlobalNetworkPolicy: () => ({ apiVersion: 'reef.dev/v1', kind: 'GlobalNetworkPolicy', metadata: meta('bad-gnp'), spec: { selector: 'all()' } as Record<string, unknown> }),
};

type Doc = ReturnType<(typeof base)[keyof typeof base]>;

export interface InvalidCase {
  name: string;
  doc: unknown;
  /** The field path the error line must carry, after `<Kind> "<name>": `. */
  path: string;
}

function spec<K extends keyof typeof base>(kind: K, s: Record<string, unknown>): Doc {
  const d = base[kind]();
  return { ...d, spec: { ...d.spec, ...s } };
}

export const INVALID: InvalidCase[] = [
  { name: 'IPPool blockSize above 32', doc: spec('IPPool', { blockSize: 33 }), path: 'spec.blockSize' },
  { name: 'IPPool IPv6 blockSize below 116', doc: spec('IPPool', { cidr: 'fd00:50::/48', blockSize: 100 }), path: 'spec.blockSize' },
  { name: 'IPPool cidr that is no CIDR', doc: spec('IPPool', { cidr: 'banana' }), path: 'spec.cidr' },
  { name: 'IPPool cidr with host bits set', doc: spec('IPPool', { cidr: '10.50.0.1/16' }), path: 'spec.cidr' },
  { name: 'IPPool in link-local space', doc: spec('IPPool', { cidr: '169.254.0.0/16' }), path: 'spec.cidr' },
  { name: 'IPPool without cidr', doc: { ...base.IPPool(), spec: {} }, path: 'spec.cidr' },
  { name: 'IPPool with IPIP', doc: spec('IPPool', { ipipMode: 'Always' }), path: 'spec.ipipMode' },
  { name: 'IPPool with VXLAN', doc: spec('IPPool', { vxlanMode: 'CrossSubnet' }), path: 'spec.vxlanMode' },
  { name: 'IPPool natOutgoing as a string', doc: spec('IPPool', { natOutgoing: 'yes' }), path: 'spec.natOutgoing' },
  { name: 'IPPool nodeSelector that does not parse', doc: spec('IPPool', { nodeSelector: 'rack == "r1' }), path: 'spec.nodeSelector' },
  { name: 'IPPool name with capitals and underscore', doc: { ...base.IPPool(), metadata: meta('Pool_A') }, path: 'metadata.name' },
  { name: 'a document without metadata.name', doc: { ...base.IPPool(), metadata: {} }, path: 'metadata.name' },
  { name: 'an unknown kind', doc: { ...base.IPPool(), kind: 'Frobnicator' }, path: 'kind' },
  { name: 'an unknown apiVersion', doc: { ...base.IPPool(), apiVersion: 'example.com/v9' }, path: 'apiVersion' },
  { name: 'BGPConfiguration with a name other than default or node.<name>', doc: { ...base.BGPConfiguration(), metadata: meta('global') }, path: 'metadata.name' },
  { name: 'BGPConfiguration AS number out of range', doc: spec('BGPConfiguration', { asNumber: 4294967296 }), path: 'spec.asNumber' },
  { name: 'BGPConfiguration listen port 70000', doc: spec('BGPConfiguration', { listenPort: 70000 }), path: 'spec.listenPort' },
  { name: 'BGPConfiguration per node with a cluster-only field', doc: { ...spec('BGPConfiguration', { asNumber: 64512 }), metadata: meta('node.node-1') }, path: 'spec.asNumber' },
  { name: 'BGPConfiguration community that is no community', doc: spec('BGPConfiguration', { communities: [{ name: 'c', value: 'abc' }], prefixAdvertisements: [{ cidr: '10.0.0.0/8', communities: ['c'] }] }), path: 'spec.communities[0].value' },
  { name: 'BGPConfiguration unknown log severity', doc: spec('BGPConfiguration', { logSeverityScreen: 'Loud' }), path: 'spec.logSeverityScreen' },
  { name: 'BGPPeer peerIP that is no address', doc: spec('BGPPeer', { peerIP: '300.1.1.1' }), path: 'spec.peerIP' },
  { name: 'BGPPeer with peerIP but no AS number', doc: { ...base.BGPPeer(), spec: { peerIP: '192.0.2.9' } }, path: 'spec.asNumber' },
  { name: 'BGPPeer with node and nodeSelector', doc: spec('BGPPeer', { node: 'node-1', nodeSelector: 'all()' }), path: 'spec.node' },
  { name: 'BGPPeer with neither peerIP nor peerSelector', doc: { ...base.BGPPeer(), spec: { asNumber: 64600 } }, path: 'spec.peerIP' },
  { name: 'BGPPeer maxPrefixes of 0', doc: spec('BGPPeer', { maxPrefixes: 0 }), path: 'spec.maxPrefixes' },
  { name: 'Node IPv6 address in ipv4Address', doc: spec('Node', { bgp: { ipv4Address: 'fd00::1/64' } }), path: 'spec.bgp.ipv4Address' },
  { name: 'Node route reflector cluster ID that is no IPv4 address', doc: spec('Node', { bgp: { ipv4Address: '192.0.2.50/24', routeReflectorClusterID: 'abc' } }), path: 'spec.bgp.routeReflectorClusterID' },
  { name: 'Node AS number as a word', doc: spec('Node', { bgp: { ipv4Address: '192.0.2.50/24', asNumber: 'sixty' } }), path: 'spec.bgp.asNumber' },
  { name: 'WorkloadEndpoint without node', doc: { ...base.WorkloadEndpoint(), spec: { interfaceName: 'cali0', ipNetworks: ['10.244.9.9/32'] } }, path: 'spec.node' },
  { name: 'WorkloadEndpoint network wider than one address', doc: spec('WorkloadEndpoint', { ipNetworks: ['10.244.9.0/24'] }), path: 'spec.ipNetworks[0]' },
  { name: 'WorkloadEndpoint MAC that is no MAC', doc: spec('WorkloadEndpoint', { mac: 'zz:zz' }), path: 'spec.mac' },
  { name: 'WorkloadEndpoint named port on ICMP', doc: spec('WorkloadEndpoint', { ports: [{ name: 'ping', protocol: 'ICMP', port: 1 }] }), path: 'spec.ports[0].protocol' },
  { name: 'WorkloadEndpoint interface name longer than 15', doc: spec('WorkloadEndpoint', { interfaceName: 'cali0123456789abcdef' }), path: 'spec.interfaceName' },
  { name: 'NetworkPolicy rule with an unknown action', doc: spec('NetworkPolicy', { ingress: [{ action: 'Permit' }] }), path: 'spec.ingress[0].action' },
  { name: 'NetworkPolicy ports without a protocol', doc: spec('NetworkPolicy', { ingress: [{ action: 'Allow', destination: { ports: [80] } }] }), path: 'spec.ingress[0].destination.ports' },
  { name: 'GlobalNetworkPolicy selector that does not parse', doc: spec('GlobalNetworkPolicy', { selector: 'app = web' }), path: 'spec.selector' },
  { name: 'GlobalNetworkPolicy unknown policy type', doc: spec('GlobalNetworkPolicy', { types: ['Sideways'] }), path: 'spec.types[0]' },
  { name: 'GlobalNetworkPolicy ICMP type 300', doc: spec('GlobalNetworkPolicy', { ingress: [{ action: 'Allow', protocol: 'ICMP', icmp: { type: 300 } }] }), path: 'spec.ingress[0].icmp.type' },
];

/** `IPPool "bad-pool"`, or the document's position when it has no usable name. */
export function documentLabel(doc: unknown): RegExp {
  const d = doc as { kind?: string; metadata?: { name?: string; namespace?: string } };
  const ns = d.metadata?.namespace ? `${d.metadata.namespace}/` : '';
  if (!d.metadata?.name || !d.kind) return /^error: (document \d+ in .*|[A-Za-z]+ "[^"]*")/;
  return new RegExp(`^error: (${escape(d.kind)} "${escape(ns + d.metadata.name)}"|document \\d+ in .*)`);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
