/**
 * Table columns for `reefctl get`, laid out as calicoctl's tables so people's
 * eyes (and scripts) find the same things in the same places. Values come from
 * canonical resources; a missing value prints as an empty cell.
 */
import type { Kind, Resource } from './resource.ts';
import type { IPPoolSpec } from './kinds/ippool.ts';
import type { BGPPeerSpec } from './kinds/bgppeer.ts';
import type { NodeSpec } from './kinds/node.ts';
import type { WorkloadEndpointSpec } from './kinds/workloadendpoint.ts';
import type { NetworkPolicySpec } from './kinds/networkpolicy.ts';
import type { BGPConfigurationSpec } from './kinds/bgpconfiguration.ts';
import type { KubernetesNetworkPolicySpec } from './kinds/kubernetesnetworkpolicy.ts';
import { formatSelector } from './kinds/label-selector.ts';
import type { IPReservationSpec } from './kinds/ipreservation.ts';

export interface Column {
  header: string;
  value: (r: Resource) => string;
}

function col<S>(header: string, value: (spec: S, r: Resource) => unknown): Column {
  return {
    header,
    value: (r) => {
      const v = value(r.spec as unknown as S, r);
      if (v === undefined || v === null) return '';
      return Array.isArray(v) ? v.join(',') : String(v);
    },
  };
}

const NAME: Column = { header: 'NAME', value: (r) => r.metadata.name };
const NAMESPACE: Column = { header: 'NAMESPACE', value: (r) => r.metadata.namespace ?? '' };

const ippool = {
  cidr: col<IPPoolSpec>('CIDR', (s) => s.cidr),
  selector: col<IPPoolSpec>('SELECTOR', (s) => s.nodeSelector),
};

const policyOrder = col<NetworkPolicySpec>('ORDER', (s) => s.order);
const policySelector = col<NetworkPolicySpec>('SELECTOR', (s) => s.selector);

function peerNode(s: BGPPeerSpec): string {
  return s.node ?? s.nodeSelector ?? '(global)';
}

const TABLES: Record<Kind, { narrow: Column[]; wide: Column[] }> = {
  IPPool: {
    narrow: [NAME, ippool.cidr, ippool.selector],
    wide: [
      NAME,
      ippool.cidr,
      col<IPPoolSpec>('NAT', (s) => s.natOutgoing),
      col<IPPoolSpec>('IPIPMODE', (s) => s.ipipMode),
      col<IPPoolSpec>('VXLANMODE', (s) => s.vxlanMode),
      col<IPPoolSpec>('DISABLED', (s) => s.disabled),
      col<IPPoolSpec>('DISABLEBGPEXPORT', (s) => s.disableBGPExport),
      col<IPPoolSpec>('BLOCKSIZE', (s) => s.blockSize),
      ippool.selector,
    ],
  },
  BGPPeer: {
    narrow: [
      NAME,
      col<BGPPeerSpec>('PEERIP', (s) => s.peerIP ?? s.peerSelector),
      col<BGPPeerSpec>('NODE', peerNode),
      col<BGPPeerSpec>('ASN', (s) => s.asNumber ?? (s.peerSelector ? '(from peer)' : undefined)),
    ],
    wide: [
      NAME,
      col<BGPPeerSpec>('PEERIP', (s) => s.peerIP ?? s.peerSelector),
      col<BGPPeerSpec>('NODE', peerNode),
      col<BGPPeerSpec>('ASN', (s) => s.asNumber ?? (s.peerSelector ? '(from peer)' : undefined)),
      col<BGPPeerSpec>('MAXPREFIXES', (s) => s.maxPrefixes),
    ],
  },
  Node: {
    narrow: [NAME],
    wide: [
      NAME,
      // A node without its own AS uses the cluster's, which this table cannot see.
      col<NodeSpec>('ASN', (s) => s.bgp?.asNumber ?? (s.bgp ? '(global)' : undefined)),
      col<NodeSpec>('IPV4', (s) => s.bgp?.ipv4Address),
      col<NodeSpec>('IPV6', (s) => s.bgp?.ipv6Address),
    ],
  },
  WorkloadEndpoint: {
    narrow: [
      col<WorkloadEndpointSpec>('WORKLOAD', (s) => s.workload ?? s.pod),
      col<WorkloadEndpointSpec>('NODE', (s) => s.node),
      col<WorkloadEndpointSpec>('NETWORKS', (s) => s.ipNetworks),
      col<WorkloadEndpointSpec>('INTERFACE', (s) => s.interfaceName),
    ],
    wide: [
      NAMESPACE,
      NAME,
      col<WorkloadEndpointSpec>('WORKLOAD', (s) => s.workload ?? s.pod),
      col<WorkloadEndpointSpec>('NODE', (s) => s.node),
      col<WorkloadEndpointSpec>('NETWORKS', (s) => s.ipNetworks),
      col<WorkloadEndpointSpec>('INTERFACE', (s) => s.interfaceName),
      col<WorkloadEndpointSpec>('PROFILES', (s) => s.profiles),
      col<WorkloadEndpointSpec>('NATS', (s) => (s.ipNATs ?? []).map((n) => `${n.internalIP}->${n.externalIP}`)),
    ],
  },
  NetworkPolicy: {
    narrow: [NAMESPACE, NAME],
    wide: [NAMESPACE, NAME, policyOrder, policySelector],
  },
  GlobalNetworkPolicy: {
    narrow: [NAME],
    wide: [NAME, policyOrder, policySelector],
  },
  IPReservation: {
    narrow: [NAME, col<IPReservationSpec>('CIDRS', (s) => s.reservedCIDRs)],
    wide: [NAME, col<IPReservationSpec>('CIDRS', (s) => s.reservedCIDRs)],
  },
  // As kubectl prints them (without AGE).
  KubernetesNetworkPolicy: {
    narrow: [NAMESPACE, NAME, col<KubernetesNetworkPolicySpec>('POD-SELECTOR', (s) => formatSelector(s.podSelector))],
    wide: [
      NAMESPACE,
      NAME,
      col<KubernetesNetworkPolicySpec>('POD-SELECTOR', (s) => formatSelector(s.podSelector)),
      col<KubernetesNetworkPolicySpec>('POLICY-TYPES', (s) => s.policyTypes),
    ],
  },
  Namespace: {
    narrow: [NAME],
    wide: [NAME, { header: 'LABELS', value: (r) => Object.entries(r.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',') }],
  },
  BGPConfiguration: {
    narrow: [
      NAME,
      col<BGPConfigurationSpec>('LOGSEVERITY', (s) => s.logSeverityScreen),
      col<BGPConfigurationSpec>('MESHENABLED', (s) => s.nodeToNodeMeshEnabled),
      col<BGPConfigurationSpec>('ASNUMBER', (s) => s.asNumber),
    ],
    wide: [
      NAME,
      col<BGPConfigurationSpec>('LOGSEVERITY', (s) => s.logSeverityScreen),
      col<BGPConfigurationSpec>('MESHENABLED', (s) => s.nodeToNodeMeshEnabled),
      col<BGPConfigurationSpec>('ASNUMBER', (s) => s.asNumber),
      col<BGPConfigurationSpec>('LISTENPORT', (s) => s.listenPort),
    ],
  },
};

/** The columns of `reefctl get <kind>` (`-o wide` when `wide`). */
export function tableColumns(kind: Kind, wide: boolean): { header: string; value: (r: Resource) => string }[] {
  const t = TABLES[kind];
  return [...(wide ? t.wide : t.narrow)];
}
