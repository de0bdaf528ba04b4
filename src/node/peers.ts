/**
 * Which BGP sessions this node holds, from Node, BGPPeer and
 * BGPConfiguration resources: a pure function, recomputed on every change
 * and handed to Speaker.setPeers, which diffs.
 *
 * Calico's rules, as confd renders them for BIRD:
 *  - node-to-node mesh (BGPConfiguration default nodeToNodeMeshEnabled, on
 *    unless set false): every other Node with an address of the family;
 *  - BGPPeer with peerIP: a router, held by every node (global), by `node`,
 *    or by the nodes `nodeSelector` picks (node specific);
 *  - BGPPeer with peerSelector: sessions with the selected nodes, held by the
 *    nodes the BGPPeer applies to; and the selected nodes hold the reverse
 *    session, so both ends are configured (how clients reach their route
 *    reflectors once the mesh is off);
 *  - route reflectors: a Node with routeReflectorClusterID reflects; a node
 *    peer whose cluster ID differs from ours (or is unset) is our client,
 *    reflectors of one cluster are plain iBGP peers of each other.
 * An explicit BGPPeer wins over the mesh for the same address (it may carry
 * keepOriginalNextHop or maxPrefixes). Sessions of a family need an address
 * of that family on both ends.
 */
import type { PeerConfig } from '../../bgp/speaker/types.ts';
import { selector } from '../../felix/calc/selector/index.ts';
import { DEFAULT_AS_NUMBER, DEFAULT_BGP_PORT, type BGPConfigurationSpec, type BGPPeerSpec, type NodeSpec } from '../model/index.ts';
import { formatIP, parseIPPort } from '../model/net.ts';
import type { Resource } from '../model/resource.ts';

export const PEER_TYPES = { mesh: 'node-to-node mesh', global: 'global', node: 'node specific' } as const;
export type PeerType = (typeof PEER_TYPES)[keyof typeof PEER_TYPES];

export interface NodePeer {
  readonly type: PeerType;
  /** `Node/<name>` for node sessions, `BGPPeer/<name>` for routers. */
  readonly source: string;
  readonly config: PeerConfig;
}

export interface BgpPlan {
  readonly asNumber: number;
  readonly routerId: string;
  readonly listenPort: number;
  readonly clusterId?: string;
  readonly peers: readonly NodePeer[];
  readonly warnings: readonly string[];
}

export interface PeerInputs {
  readonly self: string;
  readonly nodes: readonly Resource[];
  readonly bgpPeers: readonly Resource[];
  readonly configs: readonly Resource[];
}

interface NodeView {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly v4?: string;
  readonly v6?: string;
  readonly asNumber?: number;
  readonly clusterId?: string;
}

const bare = (a: string | undefined): string | undefined => (a === undefined ? undefined : a.split('/')[0]);

function viewOf(r: Resource): NodeView {
  const bgp = (r.spec as NodeSpec).bgp ?? {};
  const v4 = bare(bgp.ipv4Address);
  const v6 = bare(bgp.ipv6Address);
  return {
    name: r.metadata.name,
    labels: r.metadata.labels ?? {},
    ...(v4 !== undefined ? { v4 } : {}),
    ...(v6 !== undefined ? { v6 } : {}),
    ...(bgp.asNumber !== undefined ? { asNumber: bgp.asNumber } : {}),
    ...(bgp.routeReflectorClusterID !== undefined ? { clusterId: bgp.routeReflectorClusterID } : {}),
  };
}

/** The node's own AS and port, with per-node BGPConfiguration over the cluster's. */
export function settingsFor(node: string, configs: readonly Resource[]): { asNumber: number; listenPort: number; meshEnabled: boolean; cluster: BGPConfigurationSpec } {
  const cluster = (configs.find((c) => c.metadata.name === 'default')?.spec ?? {}) as BGPConfigurationSpec;
  const own = (configs.find((c) => c.metadata.name === `node.${node}`)?.spec ?? {}) as BGPConfigurationSpec;
  return {
    asNumber: own.asNumber ?? cluster.asNumber ?? DEFAULT_AS_NUMBER,
    listenPort: own.listenPort ?? cluster.listenPort ?? DEFAULT_BGP_PORT,
    meshEnabled: cluster.nodeToNodeMeshEnabled ?? true,
    cluster,
  };
}

/** Whether a BGPPeer (node / nodeSelector / neither) applies to a node. */
function appliesTo(spec: BGPPeerSpec, n: NodeView): boolean {
  if (spec.node !== undefined) return spec.node === n.name;
  if (spec.nodeSelector !== undefined) return selector(spec.nodeSelector).matchesRecord(n.labels);
  return true;
}

/** A stable router ID for a node without IPv4: 32 bits of its name's hash, never 0. */
function routerIdFor(n: NodeView): string {
  if (n.v4 !== undefined) return n.v4;
  let h = 2166136261;
  for (const ch of n.name) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  h = h || 1;
  return [24, 16, 8, 0].map((s) => (h >>> s) & 255).join('.');
}

export function computePeers(inp: PeerInputs): BgpPlan | undefined {
  const selfRes = inp.nodes.find((n) => n.metadata.name === inp.self);
  if (selfRes === undefined) return undefined;
  const self = viewOf(selfRes);
  if (self.v4 === undefined && self.v6 === undefined) return undefined;
  const mine = settingsFor(self.name, inp.configs);
  const asNumber = self.asNumber ?? mine.asNumber;
  const others = inp.nodes.map(viewOf).filter((n) => n.name !== self.name);
  const warnings: string[] = [];
  const out = new Map<string, NodePeer>();

  const nodeSessions = (other: NodeView, type: PeerType, source: string, extra: Partial<PeerConfig>): void => {
    for (const fam of ['v4', 'v6'] as const) {
      const addr = other[fam];
      const local = self[fam];
      if (addr === undefined || local === undefined) continue;
      const peerAs = other.asNumber ?? settingsFor(other.name, inp.configs).asNumber;
      const rrClient = self.clusterId !== undefined && other.clusterId !== self.clusterId && peerAs === asNumber;
      const port = settingsFor(other.name, inp.configs).listenPort;
      out.set(addr, {
        type,
        source,
        config: {
          name: other.name,
          address: addr,
          asNumber: peerAs,
          localAddress: local,
          ...(port !== DEFAULT_BGP_PORT ? { port } : {}),
          ...(rrClient ? { routeReflectorClient: true } : {}),
          ...extra,
        },
      });
    }
  };

  if (mine.meshEnabled) for (const o of others) nodeSessions(o, PEER_TYPES.mesh, `Node/${o.name}`, {});

  const peers = [...inp.bgpPeers].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  for (const r of peers) {
    const spec = r.spec as unknown as BGPPeerSpec;
    const type = spec.node === undefined && spec.nodeSelector === undefined ? PEER_TYPES.global : PEER_TYPES.node;
    const source = `BGPPeer/${r.metadata.name}`;
    const forUs = appliesTo(spec, self);
    if (spec.password !== undefined && forUs) warnings.push(`${source}: password (TCP MD5) is not supported yet; the session runs without it`);
    const extra: Partial<PeerConfig> = {
      ...(spec.keepOriginalNextHop ? { keepOriginalNextHop: true } : {}),
      ...(spec.maxPrefixes !== undefined ? { maxPrefixes: spec.maxPrefixes } : {}),
    };
    if (spec.peerSelector !== undefined) {
      const sel = selector(spec.peerSelector);
      const selectsUs = sel.matchesRecord(self.labels);
      for (const o of others) {
        if ((forUs && sel.matchesRecord(o.labels)) || (selectsUs && appliesTo(spec, o))) nodeSessions(o, type, source, extra);
      }
      continue;
    }
    if (!forUs || spec.peerIP === undefined) continue;
    const ipp = parseIPPort(spec.peerIP);
    if (!ipp.ok) {
      warnings.push(`${source}: ${ipp.reason}`);
      continue;
    }
    const addr = formatIP(ipp.ip);
    const local = ipp.ip.family === 4 ? self.v4 : self.v6;
    if (addr === self.v4 || addr === self.v6) continue;
    out.set(addr, {
      type,
      source,
      config: {
        name: r.metadata.name,
        address: addr,
        asNumber: spec.asNumber ?? asNumber,
        ...(ipp.port !== undefined ? { port: ipp.port } : {}),
        ...(local !== undefined && spec.sourceAddress !== 'None' ? { localAddress: local } : {}),
        ...extra,
      },
    });
  }

  return {
    asNumber,
    routerId: routerIdFor(self),
    listenPort: mine.listenPort,
    ...(self.clusterId !== undefined ? { clusterId: self.clusterId } : {}),
    peers: [...out.values()].sort((a, b) => a.config.address.localeCompare(b.config.address)),
    warnings,
  };
}
