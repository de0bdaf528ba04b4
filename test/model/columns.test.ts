import { expect } from 'chai';
import { KINDS, tableColumns, validateResource, type Kind } from '../../src/model/index.ts';
import { validDoc, variant } from './fixtures.ts';

function row(kind: Kind, wide: boolean, doc = validDoc(kind)): Record<string, string> {
  const r = validateResource(doc);
  return Object.fromEntries(tableColumns(kind, wide).map((c) => [c.header, c.value(r)]));
}

interface Case {
  kind: Kind;
  wide: boolean;
  doc?: Record<string, unknown>;
  expected: Record<string, string>;
}

const cases: Case[] = [
  { kind: 'IPPool', wide: false, expected: { NAME: 'pool-a', CIDR: '10.244.0.0/16', SELECTOR: 'all()' } },
  {
    kind: 'IPPool',
    wide: true,
    expected: {
      NAME: 'pool-a', CIDR: '10.244.0.0/16', NAT: 'true', IPIPMODE: 'Never', VXLANMODE: 'Never',
      DISABLED: 'false', DISABLEBGPEXPORT: 'false', BLOCKSIZE: '26', SELECTOR: 'all()',
    },
  },
  { kind: 'BGPPeer', wide: false, expected: { NAME: 'tor-a', PEERIP: '192.0.2.1', NODE: "rack == 'a'", ASN: '64512' } },
  {
    kind: 'BGPPeer',
    wide: false,
    doc: variant('BGPPeer', { spec: { nodeSelector: undefined } }),
    expected: { NAME: 'tor-a', PEERIP: '192.0.2.1', NODE: '(global)', ASN: '64512' },
  },
  {
    kind: 'BGPPeer',
    wide: false,
    doc: variant('BGPPeer', { spec: { nodeSelector: undefined, node: 'node-1', peerIP: undefined, asNumber: undefined, peerSelector: 'has(rr)' } }),
    expected: { NAME: 'tor-a', PEERIP: 'has(rr)', NODE: 'node-1', ASN: '(from peer)' },
  },
  { kind: 'Node', wide: false, expected: { NAME: 'node-1' } },
  { kind: 'Node', wide: true, expected: { NAME: 'node-1', ASN: '65546', IPV4: '192.0.2.10/24', IPV6: '' } },
  {
    kind: 'Node',
    wide: true,
    doc: variant('Node', { spec: { bgp: { asNumber: undefined, routeReflectorClusterID: undefined } } }),
    expected: { NAME: 'node-1', ASN: '(global)', IPV4: '192.0.2.10/24', IPV6: '' },
  },
  {
    kind: 'WorkloadEndpoint',
    wide: false,
    expected: { WORKLOAD: 'web-0', NODE: 'node-1', NETWORKS: '10.244.1.5/32,fd00::5/128', INTERFACE: 'cali1234567890a' },
  },
  { kind: 'NetworkPolicy', wide: false, expected: { NAMESPACE: 'default', NAME: 'allow-web' } },
  { kind: 'NetworkPolicy', wide: true, expected: { NAMESPACE: 'default', NAME: 'allow-web', ORDER: '100', SELECTOR: "app == 'web'" } },
  { kind: 'GlobalNetworkPolicy', wide: false, expected: { NAME: 'deny-egress-metadata' } },
  {
    kind: 'BGPConfiguration',
    wide: false,
    expected: { NAME: 'default', LOGSEVERITY: 'Info', MESHENABLED: 'false', ASNUMBER: '65000' },
  },
  {
    kind: 'BGPConfiguration',
    wide: false,
    doc: { apiVersion: 'reef.dev/v1', kind: 'BGPConfiguration', metadata: { name: 'node.node-1' }, spec: { logSeverityScreen: 'Debug' } },
    expected: { NAME: 'node.node-1', LOGSEVERITY: 'Debug', MESHENABLED: '', ASNUMBER: '' },
  },
];

describe('tableColumns', () => {
  for (const c of cases) {
    it(`${c.kind}${c.wide ? ' wide' : ''}: ${Object.keys(c.expected).join(' ')}`, () => {
      expect(row(c.kind, c.wide, c.doc)).to.deep.equal(c.expected);
      expect(tableColumns(c.kind, c.wide).map((col) => col.header)).to.deep.equal(Object.keys(c.expected));
    });
  }

  it('gives every kind a NAME-like first column and a wide table at least as wide', () => {
    for (const k of KINDS) {
      expect(tableColumns(k, true).length).to.be.at.least(tableColumns(k, false).length);
      expect(['NAME', 'NAMESPACE', 'WORKLOAD']).to.include(tableColumns(k, false)[0]!.header);
    }
  });
});
