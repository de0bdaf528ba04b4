import { expect } from 'chai';
import { toDocument, validateResource, ValidationError, type Resource } from '../../src/model/index.ts';

type Doc = Record<string, unknown>;

const knp = (spec: Doc, extra: Doc = {}): Doc => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'web', namespace: 'shop' },
  spec,
  ...extra,
});

const ns = (metadata: Doc, extra: Doc = {}): Doc => ({ apiVersion: 'v1', kind: 'Namespace', metadata, ...extra });

const ingressPort = (port: Doc): Doc => knp({ podSelector: {}, ingress: [{ ports: [port] }] });
const ingressPeer = (peer: Doc): Doc => knp({ podSelector: {}, ingress: [{ from: [peer] }] });

function refusal(doc: unknown): ValidationError {
  try {
    validateResource(doc);
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('the document was accepted');
}

describe('Kubernetes NetworkPolicy and Namespace in the model', () => {
  describe('routing by (apiVersion, kind)', () => {
    const body = { metadata: { name: 'web', namespace: 'shop' } };
    for (const c of [
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', spec: { podSelector: {} }, stored: 'KubernetesNetworkPolicy' },
      { apiVersion: 'networking.k8s.io/v1', kind: 'KubernetesNetworkPolicy', spec: { podSelector: {} }, stored: 'KubernetesNetworkPolicy' },
      { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', spec: { selector: 'all()' }, stored: 'NetworkPolicy' },
      { apiVersion: 'reef.dev/v1', kind: 'NetworkPolicy', spec: { selector: 'all()' }, stored: 'NetworkPolicy' },
    ]) {
      it(`stores ${c.apiVersion} ${c.kind} as ${c.stored}`, () => {
        const r = validateResource({ apiVersion: c.apiVersion, kind: c.kind, ...body, spec: c.spec });
        expect(r.kind).to.equal(c.stored);
      });
    }

    it('checks a Kubernetes policy against Kubernetes fields, not reef ones', () => {
      const e = refusal(knp({ selector: 'all()' }));
      expect(e.findings.map((f) => f.path)).to.deep.equal(['spec.selector']);
      expect(e.message).to.contain('KubernetesNetworkPolicy "shop/web"');
    });

    it('refuses a reef kind under a Kubernetes apiVersion, and a Kubernetes kind under reef.dev/v1', () => {
      const gnp = refusal({ apiVersion: 'networking.k8s.io/v1', kind: 'GlobalNetworkPolicy', metadata: { name: 'g' }, spec: {} });
      expect(gnp.findings[0]).to.deep.include({ path: 'apiVersion' });
      expect(gnp.findings[0]!.reason).to.contain('reef.dev/v1');
      const n = refusal(ns({ name: 'shop' }, { apiVersion: 'reef.dev/v1' }));
      expect(n.findings).to.deep.equal([{ path: 'apiVersion', reason: '"reef.dev/v1" is not supported for Namespace; use v1' }]);
    });
  });

  describe('a valid Kubernetes NetworkPolicy', () => {
    it('gets the API server defaults and keeps its Kubernetes apiVersion', () => {
      const r = validateResource(knp({ podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 80 }] }] }));
      expect(r.apiVersion).to.equal('networking.k8s.io/v1');
      expect(r.spec).to.deep.equal({
        podSelector: { matchLabels: { app: 'web' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 80 }] }],
      });
    });

    it('defaults policyTypes to Ingress and Egress when there are egress rules; podSelector to everything', () => {
      const r = validateResource(knp({ egress: [{ to: [{ ipBlock: { cidr: '10.0.0.1/8' } }] }] }));
      expect(r.spec).to.deep.equal({ podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] });
    });

    it('leaves empty lists out and keeps an explicit policyTypes (deny-all egress)', () => {
      const r = validateResource(knp({ podSelector: { matchLabels: {}, matchExpressions: [] }, policyTypes: ['Egress'], ingress: [], egress: [] }));
      expect(r.spec).to.deep.equal({ podSelector: {}, policyTypes: ['Egress'] });
    });

    it('accepts named ports, ranges, SCTP, IPv6 blocks and every selector operator', () => {
      const spec = {
        podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }, { key: 'legacy', operator: 'DoesNotExist' }] },
        ingress: [{
          from: [{ ipBlock: { cidr: 'fd00::/48', except: ['fd00:0:0:1::/64'] } }, { namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'Exists', values: [] }] } }],
          ports: [{ port: 'metrics' }, { protocol: 'SCTP', port: 3868 }, { protocol: 'UDP', port: 5000, endPort: 5000 }, { protocol: 'UDP' }],
        }],
      };
      const r = validateResource(knp(spec));
      const ingress = (r.spec as { ingress: { from: Doc[]; ports: Doc[] }[] }).ingress[0]!;
      expect(ingress.from[1]).to.deep.equal({ namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'Exists' }] } });
      expect(ingress.ports).to.deep.equal([{ protocol: 'TCP', port: 'metrics' }, { protocol: 'SCTP', port: 3868 }, { protocol: 'UDP', port: 5000, endPort: 5000 }, { protocol: 'UDP' }]);
    });

    it('accepts what kubectl prints (status, generation) and drops it', () => {
      const r = validateResource(knp({ podSelector: {} }, { status: {}, metadata: { name: 'web', namespace: 'shop', generation: 3 } }));
      expect(r.metadata).to.deep.equal({ name: 'web', namespace: 'shop' });
      expect(r).to.not.have.property('status');
    });

    it('is idempotent and prints as networking.k8s.io/v1 NetworkPolicy', () => {
      const once = validateResource(knp({ ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } } }] }] }));
      expect(validateResource(structuredClone(once))).to.deep.equal(once);
      const doc = toDocument(once);
      expect([doc.apiVersion, doc.kind]).to.deep.equal(['networking.k8s.io/v1', 'NetworkPolicy']);
      expect(validateResource(doc)).to.deep.equal(once);
    });
  });

  describe('an invalid Kubernetes NetworkPolicy is refused, naming the field', () => {
    const cases: { name: string; doc: Doc; path: string; mentions: string[] }[] = [
      { name: 'endPort after a named port', doc: ingressPort({ port: 'http', endPort: 90 }), path: 'spec.ingress[0].ports[0].endPort', mentions: ['named port "http"', 'numeric'] },
      { name: 'endPort below port', doc: ingressPort({ port: 90, endPort: 80 }), path: 'spec.ingress[0].ports[0].endPort', mentions: ['80 is below port 90'] },
      { name: 'endPort without port', doc: ingressPort({ endPort: 80 }), path: 'spec.ingress[0].ports[0].endPort', mentions: ['needs a port'] },
      { name: 'endPort out of range', doc: ingressPort({ port: 80, endPort: 70000 }), path: 'spec.ingress[0].ports[0].endPort', mentions: ['70000'] },
      { name: 'port out of range', doc: ingressPort({ port: 0 }), path: 'spec.ingress[0].ports[0].port', mentions: ['0 is out of range 1-65535'] },
      { name: 'port number in quotes', doc: ingressPort({ port: '80' }), path: 'spec.ingress[0].ports[0].port', mentions: ['"80"', 'unquoted'] },
      { name: 'port name not an IANA name', doc: ingressPort({ port: 'Web_Port' }), path: 'spec.ingress[0].ports[0].port', mentions: ['"Web_Port"', 'port name'] },
      { name: 'protocol ICMP', doc: ingressPort({ protocol: 'ICMP', port: 80 }), path: 'spec.ingress[0].ports[0].protocol', mentions: ['"ICMP"', 'TCP, UDP, SCTP'] },
      { name: 'protocol in lower case', doc: ingressPort({ protocol: 'udp', port: 53 }), path: 'spec.ingress[0].ports[0].protocol', mentions: ['"udp"', 'spells it "UDP"'] },
      { name: 'except outside cidr', doc: ingressPeer({ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] } }), path: 'spec.ingress[0].from[0].ipBlock.except[0]', mentions: ['10.1.0.0/24', 'strict subset', '10.0.0.0/16'] },
      { name: 'except equal to cidr', doc: ingressPeer({ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.0.0/16'] } }), path: 'spec.ingress[0].from[0].ipBlock.except[0]', mentions: ['strict subset'] },
      { name: 'except of the other family', doc: ingressPeer({ ipBlock: { cidr: '10.0.0.0/8', except: ['fd00::/64'] } }), path: 'spec.ingress[0].from[0].ipBlock.except[0]', mentions: ['fd00::/64'] },
      { name: 'cidr missing', doc: ingressPeer({ ipBlock: { except: ['10.0.0.0/24'] } }), path: 'spec.ingress[0].from[0].ipBlock.cidr', mentions: ['required'] },
      { name: 'cidr prefix too long', doc: ingressPeer({ ipBlock: { cidr: '10.0.0.0/33' } }), path: 'spec.ingress[0].from[0].ipBlock.cidr', mentions: ['"33"'] },
      { name: 'ipBlock with a podSelector', doc: ingressPeer({ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }), path: 'spec.ingress[0].from[0]', mentions: ['ipBlock cannot be combined'] },
      { name: 'egress ipBlock with a namespaceSelector', doc: knp({ egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' }, namespaceSelector: {} }] }] }), path: 'spec.egress[0].to[0]', mentions: ['ipBlock cannot be combined'] },
      { name: 'a peer that names nothing', doc: ingressPeer({}), path: 'spec.ingress[0].from[0]', mentions: ['names no peer'] },
      { name: 'In without values', doc: knp({ podSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] } }), path: 'spec.podSelector.matchExpressions[0].values', mentions: ['at least one value', 'In'] },
      { name: 'NotIn with an empty list', doc: knp({ podSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: [] }] } }), path: 'spec.podSelector.matchExpressions[0].values', mentions: ['NotIn'] },
      { name: 'Exists with values', doc: ingressPeer({ namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'Exists', values: ['prod'] }] } }), path: 'spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values', mentions: ['may not be given', 'Exists'] },
      { name: 'DoesNotExist with values', doc: ingressPeer({ podSelector: { matchExpressions: [{ key: 'env', operator: 'DoesNotExist', values: ['x'] }] } }), path: 'spec.ingress[0].from[0].podSelector.matchExpressions[0].values', mentions: ['DoesNotExist'] },
      { name: 'unknown operator', doc: knp({ podSelector: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['a'] }] } }), path: 'spec.podSelector.matchExpressions[0].operator', mentions: ['"Equals"', 'In, NotIn, Exists, DoesNotExist'] },
      { name: 'operator in the wrong case', doc: knp({ podSelector: { matchExpressions: [{ key: 'app', operator: 'in', values: ['a'] }] } }), path: 'spec.podSelector.matchExpressions[0].operator', mentions: ['spells it "In"'] },
      { name: 'selector key not a label key', doc: knp({ podSelector: { matchExpressions: [{ key: 'my app', operator: 'Exists' }] } }), path: 'spec.podSelector.matchExpressions[0].key', mentions: ['"my app"'] },
      { name: 'selector value not a label value', doc: knp({ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['-web'] }] } }), path: 'spec.podSelector.matchExpressions[0].values[0]', mentions: ['"-web"'] },
      { name: 'matchLabels key with a space', doc: knp({ podSelector: { matchLabels: { 'my app': 'web' } } }), path: 'spec.podSelector.matchLabels["my app"]', mentions: ['"my app"'] },
      { name: 'policy type unknown', doc: knp({ policyTypes: ['Both'] }), path: 'spec.policyTypes[0]', mentions: ['"Both"', 'Ingress, Egress'] },
      { name: 'more than two policy types', doc: knp({ policyTypes: ['Ingress', 'Egress', 'Ingress'] }), path: 'spec.policyTypes', mentions: ['at most two'] },
      { name: 'from in an egress rule', doc: knp({ egress: [{ from: [{ podSelector: {} }] }] }), path: 'spec.egress[0].from', mentions: ['unknown field "from"', 'to, ports'] },
      { name: 'reef selector in a Kubernetes peer', doc: ingressPeer({ selector: "app == 'x'" }), path: 'spec.ingress[0].from[0].selector', mentions: ['unknown field "selector"'] },
      { name: 'policy name not a DNS subdomain', doc: knp({}, { metadata: { name: 'Web', namespace: 'shop' } }), path: 'metadata.name', mentions: ['"Web"'] },
      { name: 'old beta apiVersion', doc: knp({}, { apiVersion: 'networking.k8s.io/v1beta1' }), path: 'apiVersion', mentions: ['"networking.k8s.io/v1beta1"', 'networking.k8s.io/v1'] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const e = refusal(c.doc);
        const hit = e.findings.find((f) => f.path === c.path);
        expect(hit, `${c.path} in ${JSON.stringify(e.findings)}`).to.not.equal(undefined);
        for (const m of c.mentions) expect(hit!.reason).to.contain(m);
      });
    }

    it('reports every bad field of one document at once', () => {
      const e = refusal(knp({ podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] }, ingress: [{ ports: [{ port: 'http', endPort: 9 }], from: [{}] }] }));
      expect(e.findings.map((f) => f.path).sort()).to.deep.equal(
        ['spec.ingress[0].from[0]', 'spec.ingress[0].ports[0].endPort', 'spec.podSelector.matchExpressions[0].values'].sort(),
      );
    });
  });

  describe('Namespace', () => {
    it('keeps its name and labels, with an empty spec; kubectl\'s status is dropped', () => {
      const r: Resource = validateResource(ns({ name: 'shop', labels: { team: 'shop' } }, { status: { phase: 'Active' } }));
      expect(r).to.deep.equal({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'shop' } }, spec: {} });
      expect(validateResource(structuredClone(r))).to.deep.equal(r);
    });

    it('keeps finalizers as given', () => {
      expect(validateResource(ns({ name: 'shop' }, { spec: { finalizers: ['kubernetes'] } })).spec).to.deep.equal({ finalizers: ['kubernetes'] });
    });

    const cases: { name: string; doc: Doc; path: string; mentions: string[] }[] = [
      { name: 'a name with a dot', doc: ns({ name: 'shop.eu' }), path: 'metadata.name', mentions: ['"shop.eu"', 'DNS-1123 label'] },
      { name: 'a namespace of its own', doc: ns({ name: 'shop', namespace: 'default' }), path: 'metadata.namespace', mentions: ['cluster-wide'] },
      { name: 'a bad label value', doc: ns({ name: 'shop', labels: { team: 'a b' } }), path: 'metadata.labels.team', mentions: ['"a b"'] },
      { name: 'an unknown spec field', doc: ns({ name: 'shop' }, { spec: { labels: { a: 'b' } } }), path: 'spec.labels', mentions: ['unknown field "labels"'] },
    ];
    for (const c of cases) {
      it(`refuses ${c.name}`, () => {
        const hit = refusal(c.doc).findings.find((f) => f.path === c.path);
        expect(hit, c.path).to.not.equal(undefined);
        for (const m of c.mentions) expect(hit!.reason).to.contain(m);
      });
    }
  });
});
