/** Random inputs over small domains, so selectors match often and updates collide. */
import fc from 'fast-check';
import type { EndpointInput, NamespaceInput, NamedPort, PolicyInput } from '../../../../felix/calc/policy/types.ts';

const NS = ['a', 'b', 'c'];
const APPS = ['web', 'db', 'cli'];
const PORTS: NamedPort[] = [
  { name: 'http', protocol: 'TCP', port: 80 },
  { name: 'http', protocol: 'TCP', port: 8080 },
  { name: 'dns', protocol: 'UDP', port: 53 },
];

export const namespaceArb: fc.Arbitrary<NamespaceInput> = fc.record({
  name: fc.constantFrom(...NS),
  labels: fc.dictionary(fc.constantFrom('team', 'env'), fc.constantFrom('x', 'y'), { maxKeys: 2 }),
});

export const endpointArb: fc.Arbitrary<EndpointInput> = fc
  .record({
    namespace: fc.constantFrom(...NS),
    n: fc.integer({ min: 0, max: 5 }),
    app: fc.option(fc.constantFrom(...APPS), { nil: undefined }),
    tier: fc.option(fc.constantFrom('fe', 'be'), { nil: undefined }),
    // Addresses collide across endpoints now and then, to exercise member reference counts.
    ip: fc.integer({ min: 1, max: 9 }),
    v6: fc.boolean(),
    node: fc.constantFrom('n1', 'n1', 'n2'),
    ports: fc.subarray(PORTS),
  })
  .map((r) => ({
    namespace: r.namespace,
    name: `e${r.n}`,
    labels: { ...(r.app ? { app: r.app } : {}), ...(r.tier ? { tier: r.tier } : {}) },
    ips: r.v6 ? [`10.0.0.${r.ip}`, `fd00::${r.ip}`] : [`10.0.0.${r.ip}`],
    node: r.node,
    interfaceName: `reef${r.namespace}${r.n}`,
    ports: r.ports,
  }));

const appSel = fc.constantFrom(...APPS).map((a) => `app == "${a}"`);

export const policyArb: fc.Arbitrary<PolicyInput> = fc.oneof(
  fc.record({ name: fc.constantFrom('k1', 'k2'), ns: fc.constantFrom(...NS), app: fc.constantFrom(...APPS), team: fc.constantFrom('x', 'y'), port: fc.constantFrom<number | string>(80, 'http', 'dns') }).map(
    (r): PolicyInput => ({
      kind: 'KubernetesNetworkPolicy',
      namespace: r.ns,
      name: r.name,
      spec: {
        podSelector: { matchLabels: { app: r.app } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: r.team } } }, { podSelector: {} }], ports: [{ port: r.port, protocol: r.port === 'dns' ? 'UDP' : 'TCP' }] }],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/29', except: ['10.0.0.4/32'] } }] }],
      },
    }),
  ),
  fc.record({ name: fc.constantFrom('n1', 'n2'), ns: fc.constantFrom(...NS), sel: appSel, src: appSel, order: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }) }).map(
    (r): PolicyInput => ({
      kind: 'NetworkPolicy',
      namespace: r.ns,
      name: r.name,
      spec: {
        ...(r.order !== undefined ? { order: r.order } : {}),
        selector: r.sel,
        ingress: [{ action: 'Deny', source: { selector: r.src } }, { action: 'Allow', protocol: 'TCP', destination: { ports: ['http', 443] } }],
      },
    }),
  ),
  fc.record({ name: fc.constantFrom('g1', 'g2', 'g3'), team: fc.constantFrom('x', 'y'), tier: fc.constantFrom('fe', 'be'), order: fc.integer({ min: 0, max: 3 }) }).map(
    (r): PolicyInput => ({
      kind: 'GlobalNetworkPolicy',
      name: r.name,
      spec: {
        order: r.order,
        namespaceSelector: `team == "${r.team}"`,
        selector: `tier == "${r.tier}" || !has(tier)`,
        types: ['Ingress', 'Egress'],
        ingress: [{ action: 'Log' }, { action: 'Allow', source: { namespaceSelector: 'all()', notSelector: 'app == "cli"' } }],
        egress: [{ action: 'Pass', destination: { nets: ['10.0.0.0/30', 'fd00::/120'] } }, { action: 'Allow', protocol: 'UDP', destination: { selector: 'has(app)', ports: ['dns'] } }],
      },
    }),
  ),
);

export type Op =
  | { op: 'upsertEndpoint'; ep: EndpointInput }
  | { op: 'removeEndpoint'; i: number }
  | { op: 'upsertNamespace'; ns: NamespaceInput }
  | { op: 'removeNamespace'; name: string }
  | { op: 'upsertPolicy'; p: PolicyInput }
  | { op: 'removePolicy'; i: number };

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: endpointArb.map((ep): Op => ({ op: 'upsertEndpoint', ep })) },
  { weight: 1, arbitrary: fc.nat().map((i): Op => ({ op: 'removeEndpoint', i })) },
  { weight: 2, arbitrary: namespaceArb.map((ns): Op => ({ op: 'upsertNamespace', ns })) },
  { weight: 1, arbitrary: fc.constantFrom(...NS).map((name): Op => ({ op: 'removeNamespace', name })) },
  { weight: 3, arbitrary: policyArb.map((p): Op => ({ op: 'upsertPolicy', p })) },
  { weight: 1, arbitrary: fc.nat().map((i): Op => ({ op: 'removePolicy', i })) },
);
