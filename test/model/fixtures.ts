/**
 * One valid document per kind, as an operator would write it (short forms,
 * defaults left out), plus `variant` to derive invalid documents from them.
 */
import { canonicalApiVersion, documentKindOf, KUBERNETES_KINDS, type Kind } from '../../src/model/index.ts';

export const CALICO = 'projectcalico.org/v3';
export const REEF = 'reef.dev/v1';

type Doc = Record<string, unknown>;

const SPECS: Record<Kind, { metadata: Doc; spec: Doc }> = {
  IPPool: {
    metadata: { name: 'pool-a' },
    spec: { cidr: '10.244.0.0/16', natOutgoing: true },
  },
  BGPConfiguration: {
    metadata: { name: 'default' },
    spec: {
      asNumber: '65000',
      nodeToNodeMeshEnabled: false,
      serviceClusterIPs: [{ cidr: '10.96.0.0/12' }],
      communities: [{ name: 'web', value: '65000:100' }],
      prefixAdvertisements: [{ cidr: '10.96.0.0/12', communities: ['web', '65000:200'] }],
    },
  },
  BGPPeer: {
    metadata: { name: 'tor-a' },
    spec: { peerIP: '192.0.2.1', asNumber: 64512, nodeSelector: "rack == 'a'" },
  },
  Node: {
    metadata: { name: 'node-1', labels: { rack: 'a', 'topology.kubernetes.io/zone': 'z1' } },
    spec: { bgp: { ipv4Address: '192.0.2.10/24', asNumber: '1.10', routeReflectorClusterID: '224.0.0.1' } },
  },
  WorkloadEndpoint: {
    metadata: { name: 'node--1-k8s-web--0-eth0', labels: { app: 'web' } },
    spec: {
      node: 'node-1',
      orchestrator: 'k8s',
      pod: 'web-0',
      endpoint: 'eth0',
      containerID: 'abc123',
      interfaceName: 'cali1234567890a',
      ipNetworks: ['10.244.1.5', 'FD00::5/128'],
      mac: 'EE-EE-EE-EE-EE-EE',
      profiles: ['kns.default'],
      ports: [{ name: 'http', protocol: 'tcp', port: 8080 }],
    },
  },
  NetworkPolicy: {
    metadata: { name: 'allow-web' },
    spec: {
      order: 100,
      selector: "app == 'web'",
      ingress: [
        { action: 'Allow', protocol: 'TCP', source: { selector: "role == 'frontend'" }, destination: { ports: [80, '8000:8080', 'http'] } },
      ],
    },
  },
  GlobalNetworkPolicy: {
    metadata: { name: 'deny-egress-metadata' },
    spec: {
      order: 10,
      selector: 'all()',
      egress: [
        { action: 'Deny', protocol: 'TCP', destination: { nets: ['169.254.169.254/32'], ports: [80] } },
        { action: 'Allow', protocol: 'ICMP', icmp: { type: 8, code: 0 } },
      ],
    },
  },
  KubernetesNetworkPolicy: {
    metadata: { name: 'allow-frontend' },
    spec: {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { team: 'shop' } }, podSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['frontend'] }] } },
            { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } },
          ],
          ports: [{ port: 80 }, { protocol: 'UDP', port: 5000, endPort: 5100 }, { port: 'http' }],
        },
      ],
      egress: [{ to: [{ namespaceSelector: {} }], ports: [{ protocol: 'UDP', port: 53 }] }],
    },
  },
  Namespace: {
    metadata: { name: 'shop', labels: { team: 'shop', 'kubernetes.io/metadata.name': 'shop' } },
    spec: {},
  },
  IPReservation: {
    metadata: { name: 'ops-reserved' },
    spec: { reservedCIDRs: ['10.244.0.0/28', 'fd00:10:244::10', '10.244.5.7'] },
  },
};

/** Kubernetes' own kinds have one apiVersion and their Kubernetes kind; `apiVersion` only picks among reef's. */
export function validDoc(kind: Kind, apiVersion = CALICO): Doc {
  const s = structuredClone(SPECS[kind]);
  if (KUBERNETES_KINDS.has(kind)) return { apiVersion: canonicalApiVersion(kind), kind: documentKindOf(kind), metadata: s.metadata, spec: s.spec };
  return { apiVersion, kind, metadata: s.metadata, spec: s.spec };
}

/** Deep-merges `patch` into a copy of the valid document; `undefined` deletes a key. */
export function variant(kind: Kind, patch: Doc): Doc {
  const merge = (base: Doc, p: Doc): Doc => {
    const out: Doc = { ...base };
    for (const [k, v] of Object.entries(p)) {
      if (v === undefined) delete out[k];
      else if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof out[k] === 'object' && out[k] !== null && !Array.isArray(out[k])) {
        out[k] = merge(out[k] as Doc, v as Doc);
      } else out[k] = v;
    }
    return out;
  };
  return merge(validDoc(kind), patch);
}
