/**
 * The names a person may type for a kind on the command line: calicoctl's
 * aliases (kubectl's for Kubernetes' own kinds), matched case-insensitively.
 * `networkpolicy` is reef's NetworkPolicy; Kubernetes' is `knp`.
 */
import { KINDS, type Kind } from './resource.ts';

const ALIASES: Record<Kind, readonly string[]> = {
  IPPool: ['ippool', 'ippools', 'ipp', 'ipps', 'pool', 'pools'],
  BGPPeer: ['bgppeer', 'bgppeers', 'bgpp', 'bgpps', 'bp', 'bps'],
  BGPConfiguration: ['bgpconfiguration', 'bgpconfigurations', 'bgpconfig', 'bgpconfigs', 'bgpc', 'bgpcs'],
  Node: ['node', 'nodes', 'no', 'nos'],
  WorkloadEndpoint: ['workloadendpoint', 'workloadendpoints', 'wep', 'weps'],
  NetworkPolicy: ['networkpolicy', 'networkpolicies', 'policy', 'policies', 'np', 'nps', 'pol', 'pols'],
  GlobalNetworkPolicy: ['globalnetworkpolicy', 'globalnetworkpolicies', 'gnp', 'gnps'],
  // kubectl's full names and short name, so `reefctl get networkpolicies.networking.k8s.io` works.
  KubernetesNetworkPolicy: [
    'kubernetesnetworkpolicy',
    'kubernetesnetworkpolicies',
    'k8snetworkpolicy',
    'k8snetworkpolicies',
    'networkpolicy.networking.k8s.io',
    'networkpolicies.networking.k8s.io',
    'knp',
    'knps',
    'netpol',
    'netpols',
  ],
  Namespace: ['namespace', 'namespaces', 'ns'],
  IPReservation: ['ipreservation', 'ipreservations', 'ipr', 'iprs'],
};

const BY_ALIAS: ReadonlyMap<string, Kind> = new Map(
  KINDS.flatMap((k) => ALIASES[k].map((a) => [a, k] as const)),
);

/** `ipp`, `ippools`, `pool` -> IPPool; undefined when unknown. Case-insensitive. */
export function resolveKind(alias: string): Kind | undefined {
  return BY_ALIAS.get(alias.trim().toLowerCase());
}

export function aliasesOf(kind: Kind): readonly string[] {
  return ALIASES[kind];
}
