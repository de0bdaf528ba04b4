import { expect } from 'chai';
import { validateResource, ValidationError, type Kind } from '../../src/model/index.ts';
import { validDoc, variant } from './fixtures.ts';

interface Case {
  name: string;
  doc: unknown;
  path: string;
  /** Every string must appear in the reason: the bad value, and the hint. */
  mentions: string[];
}

const k = (kind: Kind, spec: Record<string, unknown>, metadata?: Record<string, unknown>) =>
  variant(kind, metadata ? { spec, metadata } : { spec });

const cases: Case[] = [
  // Envelope
  { name: 'unsupported apiVersion', doc: variant('IPPool', { apiVersion: 'projectcalico.org/v1' }), path: 'apiVersion', mentions: ['"projectcalico.org/v1"', 'reef.dev/v1'] },
  { name: 'kind in the wrong case', doc: variant('IPPool', { kind: 'ippool' }), path: 'kind', mentions: ['"ippool"', 'did you mean IPPool'] },
  { name: 'unknown kind', doc: variant('IPPool', { kind: 'Profile' }), path: 'kind', mentions: ['"Profile"'] },
  { name: 'unknown top-level field', doc: variant('IPPool', { status: { x: 1 } }), path: 'status', mentions: ['"status"'] },
  { name: 'metadata missing', doc: variant('IPPool', { metadata: undefined }), path: 'metadata', mentions: ['required'] },
  { name: 'name not DNS-1123', doc: variant('IPPool', { metadata: { name: 'Pool_A' } }), path: 'metadata.name', mentions: ['"Pool_A"', 'DNS-1123'] },
  { name: 'name too long', doc: variant('IPPool', { metadata: { name: 'a'.repeat(254) } }), path: 'metadata.name', mentions: ['254', '253'] },
  { name: 'unknown metadata field', doc: variant('IPPool', { metadata: { nmae: 'x' } }), path: 'metadata.nmae', mentions: ['"nmae"', 'did you mean "name"'] },
  { name: 'namespace on a cluster-wide kind', doc: variant('IPPool', { metadata: { namespace: 'kube-system' } }), path: 'metadata.namespace', mentions: ['"kube-system"', 'cluster-wide'] },
  { name: 'label value not a string', doc: variant('Node', { metadata: { labels: { rack: 7 } } }), path: 'metadata.labels.rack', mentions: ['7', 'string'] },
  { name: 'label key with a space', doc: variant('Node', { metadata: { labels: { 'my rack': 'a' } } }), path: 'metadata.labels["my rack"]', mentions: ['"my rack"'] },
  { name: 'spec is a list', doc: variant('IPPool', { spec: ['10.0.0.0/8'] }), path: 'spec', mentions: ['a list'] },

  // IPPool
  { name: 'pool cidr with host bits', doc: k('IPPool', { cidr: '10.0.0.1/24' }), path: 'spec.cidr', mentions: ['10.0.0.1/24 has host bits set', 'did you mean 10.0.0.0/24'] },
  { name: 'pool IPv6 cidr with host bits', doc: k('IPPool', { cidr: 'fd00::1/64' }), path: 'spec.cidr', mentions: ['fd00::1/64', 'fd00::/64'] },
  { name: 'pool cidr not an address', doc: k('IPPool', { cidr: '10.0.300.0/24' }), path: 'spec.cidr', mentions: ['"10.0.300.0/24"'] },
  { name: 'pool cidr prefix too long', doc: k('IPPool', { cidr: '10.0.0.0/33' }), path: 'spec.cidr', mentions: ['"33"', '0-32'] },
  { name: 'pool cidr missing', doc: k('IPPool', { cidr: undefined }), path: 'spec.cidr', mentions: ['required'] },
  { name: 'blockSize above the IPv4 range', doc: k('IPPool', { blockSize: 33 }), path: 'spec.blockSize', mentions: ['33 is out of range 20-32 for an IPv4 pool'] },
  { name: 'blockSize below the IPv6 range', doc: k('IPPool', { cidr: 'fd00::/48', blockSize: 100 }), path: 'spec.blockSize', mentions: ['100', '116-128', 'IPv6'] },
  { name: 'blockSize larger than the pool', doc: k('IPPool', { cidr: '10.0.0.0/26', blockSize: 24 }), path: 'spec.blockSize', mentions: ['24', 'prefix length 26'] },
  { name: 'blockSize not a number', doc: k('IPPool', { blockSize: 'big' }), path: 'spec.blockSize', mentions: ['"big"'] },
  { name: 'overlay mode requested', doc: k('IPPool', { ipipMode: 'Always' }), path: 'spec.ipipMode', mentions: ['"Always"', 'Never'] },
  { name: 'natOutgoing as a string', doc: k('IPPool', { natOutgoing: 'yes' }), path: 'spec.natOutgoing', mentions: ['"yes"', 'true or false'] },
  { name: 'misspelt field gets a suggestion', doc: k('IPPool', { natoutgoing: true }), path: 'spec.natoutgoing', mentions: ['"natoutgoing"', 'did you mean "natOutgoing"'] },
  { name: 'pool nodeSelector with a single &', doc: k('IPPool', { nodeSelector: "a == 'x' & b == 'y'" }), path: 'spec.nodeSelector', mentions: ["a == 'x' & b == 'y'", 'offset 9', "'&&'"] },
  { name: 'pool in link-local space', doc: k('IPPool', { cidr: '169.254.0.0/16' }), path: 'spec.cidr', mentions: ['169.254.0.0/16', 'link-local'] },
  { name: 'unknown allowed use', doc: k('IPPool', { allowedUses: ['Workload', 'Cats'] }), path: 'spec.allowedUses[1]', mentions: ['"Cats"'] },

  // BGPConfiguration
  { name: 'bgp config with a free-form name', doc: variant('BGPConfiguration', { metadata: { name: 'global' } }), path: 'metadata.name', mentions: ['"global"', 'node.<nodename>'] },
  { name: 'AS number zero', doc: k('BGPConfiguration', { asNumber: 0 }), path: 'spec.asNumber', mentions: ['0', '1-4294967295'] },
  { name: 'AS number above 32 bits', doc: k('BGPConfiguration', { asNumber: 4294967296 }), path: 'spec.asNumber', mentions: ['4294967296'] },
  { name: 'asdot half out of range', doc: k('BGPConfiguration', { asNumber: '1.70000' }), path: 'spec.asNumber', mentions: ['"1.70000"', 'asdot'] },
  { name: 'listenPort out of range', doc: k('BGPConfiguration', { listenPort: 70000 }), path: 'spec.listenPort', mentions: ['70000', '1-65535'] },
  { name: 'log severity unknown', doc: k('BGPConfiguration', { logSeverityScreen: 'Verbose' }), path: 'spec.logSeverityScreen', mentions: ['"Verbose"', 'Debug'] },
  { name: 'service cluster IP range with host bits', doc: k('BGPConfiguration', { serviceClusterIPs: [{ cidr: '10.96.0.1/12' }] }), path: 'spec.serviceClusterIPs[0].cidr', mentions: ['10.96.0.1/12', '10.96.0.0/12'] },
  { name: 'community value malformed', doc: k('BGPConfiguration', { communities: [{ name: 'web', value: '65000:70000' }] }), path: 'spec.communities[0].value', mentions: ['"65000:70000"'] },
  { name: 'advertised community undefined', doc: k('BGPConfiguration', { prefixAdvertisements: [{ cidr: '10.96.0.0/12', communities: ['nope'] }] }), path: 'spec.prefixAdvertisements[0].communities[0]', mentions: ['"nope"'] },
  { name: 'cluster-only setting on a node config', doc: variant('BGPConfiguration', { metadata: { name: 'node.node-1' } }), path: 'spec.asNumber', mentions: ['"default"', '"node.node-1"'] },
  { name: 'restart time not a duration', doc: k('BGPConfiguration', { nodeToNodeMeshEnabled: true, nodeMeshMaxRestartTime: '2 minutes' }), path: 'spec.nodeMeshMaxRestartTime', mentions: ['"2 minutes"', '120s'] },

  // BGPPeer
  { name: 'peerIP not an address', doc: k('BGPPeer', { peerIP: '192.0.2.300' }), path: 'spec.peerIP', mentions: ['"192.0.2.300"'] },
  { name: 'peerIP with a bad port', doc: k('BGPPeer', { peerIP: '192.0.2.1:0' }), path: 'spec.peerIP', mentions: ['"192.0.2.1:0"', '1-65535'] },
  { name: 'IPv6 peerIP with port but no brackets', doc: k('BGPPeer', { peerIP: 'fd00::1:179:x' }), path: 'spec.peerIP', mentions: ['"fd00::1:179:x"', '[IPv6]:port'] },
  { name: 'node and nodeSelector together', doc: k('BGPPeer', { node: 'node-1' }), path: 'spec.node', mentions: ["rack == 'a'", 'one or the other'] },
  { name: 'peerIP and peerSelector together', doc: k('BGPPeer', { peerSelector: "role == 'rr'" }), path: 'spec.peerIP', mentions: ["role == 'rr'"] },
  { name: 'peerIP without asNumber', doc: k('BGPPeer', { asNumber: undefined }), path: 'spec.asNumber', mentions: ['192.0.2.1'] },
  { name: 'asNumber with peerSelector', doc: k('BGPPeer', { peerIP: undefined, peerSelector: 'has(rr)' }), path: 'spec.asNumber', mentions: ['64512', 'peerSelector'] },
  { name: 'password without secretKeyRef', doc: k('BGPPeer', { password: 'hunter2' }), path: 'spec.password', mentions: ['"hunter2"', 'secretKeyRef'] },
  { name: 'maxPrefixes zero', doc: k('BGPPeer', { maxPrefixes: 0 }), path: 'spec.maxPrefixes', mentions: ['0', '1-4294967295'] },
  { name: 'peer nodeSelector with unbalanced parenthesis', doc: k('BGPPeer', { nodeSelector: "(rack == 'a'" }), path: 'spec.nodeSelector', mentions: ["(rack == 'a'", 'offset 0'] },

  // Node
  { name: 'node ipv4Address is IPv6', doc: k('Node', { bgp: { ipv4Address: 'fd00::10/64' } }), path: 'spec.bgp.ipv4Address', mentions: ['"fd00::10/64"', 'IPv4'] },
  { name: 'node ipv4Address malformed', doc: k('Node', { bgp: { ipv4Address: '192.0.2/24' } }), path: 'spec.bgp.ipv4Address', mentions: ['"192.0.2/24"'] },
  { name: 'route reflector cluster ID not dotted IPv4', doc: k('Node', { bgp: { routeReflectorClusterID: '12345' } }), path: 'spec.bgp.routeReflectorClusterID', mentions: ['"12345"'] },
  { name: 'node AS number as text', doc: k('Node', { bgp: { asNumber: 'AS65000' } }), path: 'spec.bgp.asNumber', mentions: ['"AS65000"'] },
  { name: 'node bgp without addresses', doc: k('Node', { bgp: { ipv4Address: undefined } }), path: 'spec.bgp', mentions: ['ipv4Address'] },

  // WorkloadEndpoint
  { name: 'endpoint interface name too long', doc: k('WorkloadEndpoint', { interfaceName: 'cali1234567890abc' }), path: 'spec.interfaceName', mentions: ['"cali1234567890abc"', '15'] },
  { name: 'endpoint network holds many addresses', doc: k('WorkloadEndpoint', { ipNetworks: ['10.244.1.0/24'] }), path: 'spec.ipNetworks[0]', mentions: ['"10.244.1.0/24"', '/32'] },
  { name: 'endpoint without node', doc: k('WorkloadEndpoint', { node: undefined }), path: 'spec.node', mentions: ['required'] },
  { name: 'endpoint MAC malformed', doc: k('WorkloadEndpoint', { mac: 'ee:ee:ee' }), path: 'spec.mac', mentions: ['"ee:ee:ee"'] },
  { name: 'endpoint port without ports protocol', doc: k('WorkloadEndpoint', { ports: [{ name: 'ping', protocol: 'ICMP', port: 1 }] }), path: 'spec.ports[0].protocol', mentions: ['ICMP', 'TCP, UDP or SCTP'] },
  { name: 'endpoint port name invalid', doc: k('WorkloadEndpoint', { ports: [{ name: 'HTTP_PORT', protocol: 'TCP', port: 80 }] }), path: 'spec.ports[0].name', mentions: ['"HTTP_PORT"'] },
  { name: 'endpoint NAT outside its networks', doc: k('WorkloadEndpoint', { ipNATs: [{ internalIP: '10.244.9.9', externalIP: '192.0.2.50' }] }), path: 'spec.ipNATs[0].internalIP', mentions: ['10.244.9.9', '10.244.1.5/32'] },
  { name: 'endpoint namespace invalid', doc: variant('WorkloadEndpoint', { metadata: { namespace: 'Prod.Web' } }), path: 'metadata.namespace', mentions: ['"Prod.Web"'] },

  // NetworkPolicy
  { name: 'policy name with dots', doc: variant('NetworkPolicy', { metadata: { name: 'allow.web' } }), path: 'metadata.name', mentions: ['"allow.web"', 'no dots'] },
  { name: 'negative order', doc: k('NetworkPolicy', { order: -1 }), path: 'spec.order', mentions: ['-1'] },
  { name: 'rule action unknown', doc: k('NetworkPolicy', { ingress: [{ action: 'Accept' }] }), path: 'spec.ingress[0].action', mentions: ['"Accept"', 'Allow, Deny, Pass, Log'] },
  { name: 'rule action missing', doc: k('NetworkPolicy', { ingress: [{ protocol: 'TCP' }] }), path: 'spec.ingress[0].action', mentions: ['required'] },
  { name: 'port zero', doc: k('NetworkPolicy', { ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [0] } }] }), path: 'spec.ingress[0].destination.ports[0]', mentions: ['0', '1-65535'] },
  { name: 'port range reversed', doc: k('NetworkPolicy', { ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['9000:8000'] } }] }), path: 'spec.ingress[0].destination.ports[0]', mentions: ['"9000:8000"', '"8000:9000"'] },
  { name: 'ports without a protocol', doc: k('NetworkPolicy', { ingress: [{ action: 'Allow', destination: { ports: [443] } }] }), path: 'spec.ingress[0].destination.ports', mentions: ['443', 'no protocol'] },
  { name: 'ports with ICMP', doc: k('NetworkPolicy', { ingress: [{ action: 'Allow', protocol: 'ICMP', source: { notPorts: [22] } }] }), path: 'spec.ingress[0].source.notPorts', mentions: ['22', 'ICMP'] },
  { name: 'protocol unknown', doc: k('NetworkPolicy', { ingress: [{ action: 'Allow', protocol: 'QUIC' }] }), path: 'spec.ingress[0].protocol', mentions: ['"QUIC"'] },
  { name: 'protocol number out of range', doc: k('NetworkPolicy', { ingress: [{ action: 'Allow', protocol: 256 }] }), path: 'spec.ingress[0].protocol', mentions: ['256', '1-255'] },
  { name: 'ICMP type out of range', doc: k('NetworkPolicy', { ingress: [{ action: 'Allow', protocol: 'ICMP', icmp: { type: 255 } }] }), path: 'spec.ingress[0].icmp.type', mentions: ['255', '0-254'] },
  { name: 'ICMP code without type', doc: k('NetworkPolicy', { ingress: [{ action: 'Allow', protocol: 'ICMP', icmp: { code: 3 } }] }), path: 'spec.ingress[0].icmp.code', mentions: ['3', 'type'] },
  { name: 'icmp match without ICMP protocol', doc: k('NetworkPolicy', { ingress: [{ action: 'Allow', protocol: 'UDP', icmp: { type: 8 } }] }), path: 'spec.ingress[0].icmp', mentions: ['UDP', 'ICMP'] },
  { name: 'ICMPv6 with ipVersion 4', doc: k('NetworkPolicy', { ingress: [{ action: 'Allow', protocol: 'ICMPv6', ipVersion: 4 }] }), path: 'spec.ingress[0].ipVersion', mentions: ['4', 'ICMPv6'] },
  { name: 'ipVersion not 4 or 6', doc: k('NetworkPolicy', { ingress: [{ action: 'Allow', ipVersion: 5 }] }), path: 'spec.ingress[0].ipVersion', mentions: ['5'] },
  { name: 'rule net with host bits', doc: k('NetworkPolicy', { ingress: [{ action: 'Deny', source: { nets: ['10.1.2.3/16'] } }] }), path: 'spec.ingress[0].source.nets[0]', mentions: ['10.1.2.3/16', '10.1.0.0/16'] },
  { name: 'rule mixes IP versions', doc: k('NetworkPolicy', { ingress: [{ action: 'Deny', source: { nets: ['10.0.0.0/8'] }, destination: { nets: ['fd00::/8'] } }] }), path: 'spec.ingress[0].destination.nets[0]', mentions: ['fd00::/8', 'IPv6', 'IPv4'] },
  { name: 'net family against ipVersion', doc: k('NetworkPolicy', { ingress: [{ action: 'Deny', ipVersion: 6, source: { nets: ['10.0.0.0/8'] } }] }), path: 'spec.ingress[0].source.nets[0]', mentions: ['10.0.0.0/8', 'ipVersion 6'] },
  { name: 'rule selector with a stray character', doc: k('NetworkPolicy', { ingress: [{ action: 'Allow', source: { selector: "app == 'x' ; role == 'y'" } }] }), path: 'spec.ingress[0].source.selector', mentions: ['offset 11', '";"'] },
  { name: 'policy type unknown', doc: k('NetworkPolicy', { types: ['Inbound'] }), path: 'spec.types[0]', mentions: ['"Inbound"', 'Ingress, Egress'] },
  { name: 'policy type repeated', doc: k('NetworkPolicy', { types: ['Ingress', 'Ingress'] }), path: 'spec.types[1]', mentions: ['Ingress', 'twice'] },
  { name: 'ingress rules ignored by types', doc: k('NetworkPolicy', { types: ['Egress'] }), path: 'spec.ingress', mentions: ['1 ingress rule', 'Egress'] },
  { name: 'unknown rule field', doc: k('NetworkPolicy', { ingress: [{ action: 'Allow', http: { methods: ['GET'] } }] }), path: 'spec.ingress[0].http', mentions: ['"http"'] },
  { name: 'rule entity field misspelt', doc: k('NetworkPolicy', { ingress: [{ action: 'Allow', source: { net: ['10.0.0.0/8'] } }] }), path: 'spec.ingress[0].source.net', mentions: ['"net"', 'did you mean "nets"'] },

  // GlobalNetworkPolicy
  { name: 'preDNAT with doNotTrack', doc: k('GlobalNetworkPolicy', { egress: [], preDNAT: true, doNotTrack: true, applyOnForward: true }), path: 'spec.preDNAT', mentions: ['doNotTrack'] },
  { name: 'preDNAT with egress rules', doc: k('GlobalNetworkPolicy', { preDNAT: true, applyOnForward: true }), path: 'spec.egress', mentions: ['2 egress rule'] },
  { name: 'doNotTrack without applyOnForward', doc: k('GlobalNetworkPolicy', { doNotTrack: true }), path: 'spec.applyOnForward', mentions: ['doNotTrack'] },
  { name: 'GNP namespaceSelector unbalanced braces', doc: k('GlobalNetworkPolicy', { namespaceSelector: "name in {'a', 'b'" }), path: 'spec.namespaceSelector', mentions: ["name in {'a', 'b'", 'offset 8'] },
  { name: 'GNP with a namespace', doc: variant('GlobalNetworkPolicy', { metadata: { namespace: 'default' } }), path: 'metadata.namespace', mentions: ['"default"'] },
];

describe('validateResource refuses invalid documents', () => {
  it('has at least 40 cases across every kind', () => {
    expect(cases.length).to.be.at.least(40);
  });

  for (const c of cases) {
    it(`${c.name} -> ${c.path}`, () => {
      let err: unknown;
      try {
        validateResource(c.doc, 'document 1');
      } catch (e) {
        err = e;
      }
      expect(err, 'document was accepted').to.be.instanceOf(ValidationError);
      const v = err as ValidationError;
      expect(v.code).to.equal('VALIDATION_FAILED');
      const at = v.findings.filter((f) => f.path === c.path);
      expect(at, `no finding at ${c.path}; got ${JSON.stringify(v.findings)}`).to.have.length.greaterThan(0);
      for (const m of c.mentions) {
        expect(at.some((f) => f.reason.includes(m)), `reason at ${c.path} should mention ${m}: ${JSON.stringify(at)}`).to.equal(true);
      }
    });
  }
});

describe('ValidationError messages', () => {
  it('name the document by kind and name, then the path and reason', () => {
    const doc = variant('IPPool', { spec: { blockSize: 33 } });
    expect(() => validateResource(doc)).to.throw(ValidationError, 'IPPool "pool-a": spec.blockSize: 33 is out of range 20-32 for an IPv4 pool');
  });

  it('name a document without kind or name by its position', () => {
    expect(() => validateResource({ spec: {} }, 'document 3')).to.throw(ValidationError, /^document 3: /);
  });

  it('name a namespaced document with its namespace', () => {
    const doc = variant('NetworkPolicy', { metadata: { namespace: 'prod' }, spec: { order: -5 } });
    expect(() => validateResource(doc)).to.throw(ValidationError, 'NetworkPolicy "prod/allow-web": spec.order:');
  });

  it('report every bad field of a document at once', () => {
    const doc = variant('IPPool', { spec: { natOutgoing: 'yes', disabled: 'no', colour: 'blue' } });
    try {
      validateResource(doc);
      expect.fail('accepted');
    } catch (e) {
      expect((e as ValidationError).findings.map((f) => f.path)).to.have.members(['spec.natOutgoing', 'spec.disabled', 'spec.colour']);
    }
  });

  const together: [string, Record<string, unknown>, string[]][] = [
    ['a field error and a cross-field error', variant('IPPool', { spec: { natOutgoing: 'yes', blockSize: 33 } }), ['spec.natOutgoing', 'spec.blockSize']],
    [
      'a bad selector and ports without a protocol in one rule',
      variant('NetworkPolicy', { spec: { ingress: [{ action: 'Allow', source: { selector: "a == 'x" }, destination: { ports: [80] } }] } }),
      ['spec.ingress[0].source.selector', 'spec.ingress[0].destination.ports'],
    ],
    ['a bad name and a bad label', variant('Node', { metadata: { name: 'Node_1', labels: { rack: 1 } } }), ['metadata.name', 'metadata.labels.rack']],
    // The second pass must not echo the first: no "asNumber is required" when asNumber was given but bad.
    ['a bad AS number, once', variant('BGPPeer', { spec: { asNumber: 'AS1' } }), ['spec.asNumber']],
  ];
  for (const [name, doc, paths] of together) {
    it(`report ${name} together`, () => {
      try {
        validateResource(doc);
        expect.fail('accepted');
      } catch (e) {
        expect((e as ValidationError).findings.map((f) => f.path)).to.deep.equal(paths);
      }
    });
  }

  it('refuse a document that is not a mapping', () => {
    expect(() => validateResource('IPPool', 'document 2')).to.throw(ValidationError, 'document 2: expected a mapping');
  });

  it('leave the input untouched', () => {
    const doc = validDoc('WorkloadEndpoint');
    const before = structuredClone(doc);
    validateResource(doc);
    expect(doc).to.deep.equal(before);
  });
});
