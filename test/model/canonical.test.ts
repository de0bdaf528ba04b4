import { expect } from 'chai';
import fc from 'fast-check';
import { canonicalApiVersion, KINDS, KUBERNETES_KINDS, validateResource, type Resource } from '../../src/model/index.ts';
import { CALICO, REEF, validDoc, variant } from './fixtures.ts';

describe('validateResource normalises valid documents', () => {
  describe('every kind, in both apiVersions, to the same canonical form', () => {
    for (const kind of KINDS) {
      it(kind, () => {
        const fromCalico = validateResource(validDoc(kind, CALICO));
        const fromReef = validateResource(validDoc(kind, REEF));
        // Kubernetes' own kinds keep their Kubernetes apiVersion (validDoc gives them only that one).
        expect(fromCalico.apiVersion).to.equal(KUBERNETES_KINDS.has(kind) ? canonicalApiVersion(kind) : 'reef.dev/v1');
        expect(fromCalico.kind).to.equal(kind);
        expect(fromReef).to.deep.equal(fromCalico);
      });
    }
  });

  describe('idempotently: validating the canonical form gives it back', () => {
    for (const kind of KINDS) {
      it(kind, () => {
        const once = validateResource(validDoc(kind));
        const twice = validateResource(structuredClone(once));
        expect(twice).to.deep.equal(once);
      });
    }

    it('for generated IPPools', () => {
      const pool = fc.record({
        // Below 169 so no generated pool reaches the link-local 169.254.0.0/16, which is refused.
        a: fc.integer({ min: 1, max: 168 }),
        len: fc.integer({ min: 8, max: 26 }),
        blockSize: fc.option(fc.integer({ min: 26, max: 32 }), { nil: undefined }),
        natOutgoing: fc.option(fc.boolean(), { nil: undefined }),
        ipipMode: fc.option(fc.constantFrom('Never', 'never', 'NEVER'), { nil: undefined }),
      });
      fc.assert(
        fc.property(pool, (p) => {
          const doc = {
            apiVersion: CALICO,
            kind: 'IPPool',
            metadata: { name: 'p' },
            spec: { cidr: `${p.a}.0.0.0/${Math.max(p.len, 8)}`, blockSize: p.blockSize, natOutgoing: p.natOutgoing, ipipMode: p.ipipMode },
          };
          const once = validateResource(JSON.parse(JSON.stringify(doc)));
          expect(validateResource(structuredClone(once))).to.deep.equal(once);
        }),
      );
    });
  });

  const spec = (r: Resource) => r.spec as Record<string, unknown>;

  interface Case {
    name: string;
    doc: Record<string, unknown>;
    expect: (r: Resource) => void;
  }

  const cases: Case[] = [
    {
      name: 'IPv4 pool: blockSize 26 and every flag defaulted',
      doc: validDoc('IPPool'),
      expect: (r) =>
        expect(r.spec).to.deep.equal({
          cidr: '10.244.0.0/16',
          blockSize: 26,
          ipipMode: 'Never',
          vxlanMode: 'Never',
          natOutgoing: true,
          disabled: false,
          disableBGPExport: false,
          nodeSelector: 'all()',
          allowedUses: ['Workload', 'Tunnel'],
          assignmentMode: 'Automatic',
        }),
    },
    {
      name: 'IPv6 pool: blockSize 122, address in RFC 5952 text',
      doc: variant('IPPool', { spec: { cidr: 'FD00:0:0:0::/48' } }),
      expect: (r) => expect(spec(r)).to.include({ cidr: 'fd00::/48', blockSize: 122 }),
    },
    {
      name: 'default BGPConfiguration: AS number canonicalised, mesh and log defaults filled',
      doc: variant('BGPConfiguration', { spec: { nodeToNodeMeshEnabled: undefined, logSeverityScreen: 'warning' } }),
      expect: (r) => expect(spec(r)).to.include({ asNumber: 65000, nodeToNodeMeshEnabled: true, logSeverityScreen: 'Warning', listenPort: 179 }),
    },
    {
      name: 'node BGPConfiguration: no defaults filled, so it overrides nothing',
      doc: { apiVersion: CALICO, kind: 'BGPConfiguration', metadata: { name: 'node.node-1' }, spec: { listenPort: 1179 } },
      expect: (r) => expect(r.spec).to.deep.equal({ listenPort: 1179 }),
    },
    {
      name: 'BGPPeer: asdot AS, bracketed IPv6 with port, defaults',
      doc: variant('BGPPeer', { spec: { asNumber: '1.10', peerIP: '[FD00::0001]:1179' } }),
      expect: (r) =>
        expect(spec(r)).to.include({ asNumber: 65546, peerIP: '[fd00::1]:1179', keepOriginalNextHop: false, sourceAddress: 'UseNodeIP' }),
    },
    {
      name: 'BGPPeer: peerSelector alone is a node-to-node peering',
      doc: variant('BGPPeer', { spec: { peerIP: undefined, asNumber: undefined, peerSelector: 'has(route-reflector)' } }),
      expect: (r) => expect(spec(r).peerSelector).to.equal('has(route-reflector)'),
    },
    {
      name: 'Node: asdot AS becomes a number, interface address keeps its subnet',
      doc: validDoc('Node'),
      expect: (r) => expect(r.spec).to.deep.equal({ bgp: { ipv4Address: '192.0.2.10/24', asNumber: 65546, routeReflectorClusterID: '224.0.0.1' } }),
    },
    {
      name: 'WorkloadEndpoint: namespace default, host networks, MAC and protocol normalised',
      doc: validDoc('WorkloadEndpoint'),
      expect: (r) => {
        expect(r.metadata.namespace).to.equal('default');
        expect(spec(r)).to.include({ mac: 'ee:ee:ee:ee:ee:ee' });
        expect(spec(r).ipNetworks).to.deep.equal(['10.244.1.5/32', 'fd00::5/128']);
        expect(spec(r).ports).to.deep.equal([{ name: 'http', protocol: 'TCP', port: 8080 }]);
      },
    },
    {
      name: 'NetworkPolicy: types defaulted to Ingress, ports canonical, empty sides filled',
      doc: variant('NetworkPolicy', { spec: { ingress: [{ action: 'allow', protocol: 'tcp', destination: { ports: ['443', '80:80', '8000:8080'] } }] } }),
      expect: (r) => {
        expect(spec(r).types).to.deep.equal(['Ingress']);
        expect(spec(r).egress).to.deep.equal([]);
        expect(spec(r).ingress).to.deep.equal([
          { action: 'Allow', protocol: 'TCP', source: {}, destination: { ports: [443, 80, '8000:8080'] } },
        ]);
      },
    },
    {
      name: 'GlobalNetworkPolicy: egress rules only -> types [Egress], as Calico does',
      doc: validDoc('GlobalNetworkPolicy'),
      expect: (r) => expect(spec(r)).to.deep.include({ types: ['Egress'], doNotTrack: false, preDNAT: false, applyOnForward: false }),
    },
    {
      name: 'policy with both directions -> types [Ingress, Egress]; absent selector is all()',
      doc: variant('GlobalNetworkPolicy', { spec: { selector: undefined, ingress: [{ action: 'Pass' }] } }),
      expect: (r) => expect(spec(r)).to.deep.include({ types: ['Ingress', 'Egress'], selector: 'all()' }),
    },
    {
      name: 'policy without rules -> types [Ingress] (default deny for selected endpoints)',
      doc: { apiVersion: REEF, kind: 'GlobalNetworkPolicy', metadata: { name: 'isolate' }, spec: { selector: "app == 'db'" } },
      expect: (r) => expect(spec(r).types).to.deep.equal(['Ingress']),
    },
    {
      name: 'server-owned metadata is kept as given',
      doc: variant('IPPool', { metadata: { resourceVersion: '42', uid: 'u-1', creationTimestamp: '2024-01-01T00:00:00Z' } }),
      expect: (r) => expect(r.metadata).to.deep.equal({ name: 'pool-a', resourceVersion: '42', uid: 'u-1', creationTimestamp: '2024-01-01T00:00:00Z' }),
    },
    {
      name: 'null (an empty YAML value) counts as not set',
      doc: variant('IPPool', { spec: { natOutgoing: null, blockSize: null } }),
      expect: (r) => expect(spec(r)).to.include({ natOutgoing: false, blockSize: 26 }),
    },
    {
      name: 'policy names may carry the default tier prefix',
      doc: variant('GlobalNetworkPolicy', { metadata: { name: 'default.deny-all' } }),
      expect: (r) => expect(r.metadata.name).to.equal('default.deny-all'),
    },
    {
      name: 'an empty types list is defaulted like an absent one',
      doc: variant('NetworkPolicy', { spec: { types: [] } }),
      expect: (r) => expect(spec(r).types).to.deep.equal(['Ingress']),
    },
    {
      name: 'policy names may be longer than a namespace (up to 253)',
      doc: variant('NetworkPolicy', { metadata: { name: `allow-${'x'.repeat(100)}` } }),
      expect: (r) => expect(r.metadata.name).to.have.length(106),
    },
    {
      name: 'numeric protocol and named ports are kept',
      doc: variant('NetworkPolicy', { spec: { ingress: [{ action: 'Allow', protocol: '6', destination: { ports: ['metrics'] } }] } }),
      expect: (r) => expect((spec(r).ingress as { protocol: unknown }[])[0]!.protocol).to.equal(6),
    },
  ];

  describe('with the values people expect', () => {
    for (const c of cases) {
      it(c.name, () => {
        const r = validateResource(c.doc);
        c.expect(r);
        expect(validateResource(structuredClone(r))).to.deep.equal(r);
      });
    }
  });
});
