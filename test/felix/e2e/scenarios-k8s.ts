/**
 * networking.k8s.io/v1 NetworkPolicy as Kubernetes defines it. Pods: web,
 * api, db in prod (team a), dev (team a), ops (team b); node A holds
 * 10.65.1.0/24 (prod/web .2, prod/db .3, dev/api .4, ops/web .5, ops/db .6),
 * node B 10.65.2.0/24 (prod/api .2, dev/web .3, dev/db .4, ops/api .5).
 */
import { knp, ml, type Scenario } from './scenario-types.ts';

export const K8S_SCENARIOS: readonly Scenario[] = [
  {
    name: 'k8s: no policyTypes and no egress section isolates ingress only',
    policies: [knp('prod', 'db-from-api', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ podSelector: ml({ app: 'api' }) }] }] })],
    spots: [
      ['prod/api', 'prod/db', 'tcp/80', true],
      ['prod/web', 'prod/db', 'tcp/80', false],
      ['dev/api', 'prod/db', 'tcp/80', false],
      ['prod/db', 'ops/web', 'udp/53', true],
    ],
  },
  {
    name: 'k8s: no policyTypes with egress rules isolates ingress and egress',
    policies: [knp('dev', 'api-to-db', { podSelector: ml({ app: 'api' }), egress: [{ to: [{ podSelector: ml({ app: 'db' }) }] }] })],
    spots: [
      ['dev/web', 'dev/api', 'tcp/80', false],
      ['dev/api', 'dev/db', 'tcp/8080', true],
      ['dev/api', 'prod/db', 'tcp/80', false],
      ['dev/api', 'dev/web', 'udp/53', false],
      ['prod/web', 'dev/web', 'tcp/80', true],
    ],
  },
  {
    name: 'k8s: policyTypes [Egress] ignores an ingress: [] and leaves ingress open',
    policies: [
      knp('prod', 'web-egress-dns', { podSelector: ml({ app: 'web' }), policyTypes: ['Egress'], ingress: [], egress: [{ ports: [{ protocol: 'UDP', port: 53 }] }] }),
    ],
    spots: [
      ['prod/web', 'ops/db', 'udp/53', true],
      ['prod/web', 'ops/db', 'udp/5353', false],
      ['prod/web', 'prod/api', 'tcp/80', false],
      ['dev/web', 'prod/web', 'tcp/80', true],
    ],
  },
  {
    name: 'k8s: podSelector and namespaceSelector in one peer must both match',
    policies: [
      knp('prod', 'db-from-dev-api', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ namespaceSelector: ml({ env: 'dev' }), podSelector: ml({ app: 'api' }) }] }] }),
    ],
    spots: [
      ['dev/api', 'prod/db', 'tcp/80', true],
      ['dev/web', 'prod/db', 'tcp/80', false],
      ['prod/api', 'prod/db', 'tcp/80', false],
      ['ops/api', 'prod/db', 'udp/53', false],
    ],
  },
  {
    name: 'k8s: podSelector and namespaceSelector in separate peers add up',
    policies: [
      knp('prod', 'db-from-dev-or-api', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ namespaceSelector: ml({ env: 'dev' }) }, { podSelector: ml({ app: 'api' }) }] }] }),
    ],
    spots: [
      ['dev/web', 'prod/db', 'tcp/80', true],
      ['prod/api', 'prod/db', 'udp/5353', true],
      ['ops/api', 'prod/db', 'tcp/80', false],
      ['prod/web', 'prod/db', 'tcp/80', false],
    ],
  },
  {
    name: 'k8s: selectors by expression and by the kubernetes.io/metadata.name namespace label',
    policies: [
      knp('ops', 'back-from-front', {
        podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] },
        ingress: [
          {
            from: [
              { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['a'] }] }, podSelector: ml({ tier: 'front' }) },
              { namespaceSelector: ml({ 'kubernetes.io/metadata.name': 'ops' }), podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['back'] }] } },
            ],
          },
        ],
      }),
    ],
    spots: [
      ['prod/web', 'ops/api', 'tcp/80', true],
      ['dev/web', 'ops/db', 'udp/53', true],
      ['ops/web', 'ops/db', 'tcp/8080', true],
      ['prod/api', 'ops/db', 'tcp/80', false],
      ['ops/api', 'ops/db', 'tcp/80', false],
      ['dev/db', 'ops/web', 'tcp/80', true],
    ],
  },
  {
    name: 'k8s: empty namespaceSelector means every namespace, empty podSelector peer the policy namespace',
    policies: [
      knp('dev', 'db-from-any-api', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ namespaceSelector: {}, podSelector: ml({ app: 'api' }) }] }] }),
      knp('dev', 'web-from-own-namespace', { podSelector: ml({ app: 'web' }), ingress: [{ from: [{ podSelector: {} }] }] }),
    ],
    spots: [
      ['ops/api', 'dev/db', 'tcp/80', true],
      ['prod/web', 'dev/db', 'tcp/80', false],
      ['dev/api', 'dev/web', 'udp/53', true],
      ['prod/api', 'dev/web', 'tcp/80', false],
    ],
  },
  {
    name: 'k8s: ipBlock with except, for ingress and egress',
    policies: [
      knp('ops', 'db-from-node-a', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ ipBlock: { cidr: '10.65.0.0/16', except: ['10.65.2.0/24'] } }] }] }),
      knp('ops', 'web-egress-blocks', {
        podSelector: ml({ app: 'web' }),
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.65.1.0/29', except: ['10.65.1.4/32'] } }, { ipBlock: { cidr: '10.65.2.4/31' } }] }],
      }),
    ],
    spots: [
      ['prod/db', 'ops/db', 'tcp/80', true],
      ['prod/api', 'ops/db', 'tcp/80', false],
      ['ops/web', 'dev/api', 'tcp/80', false],
      ['ops/web', 'prod/db', 'udp/5353', true],
      ['ops/web', 'ops/api', 'tcp/8080', true],
      ['ops/web', 'prod/api', 'tcp/80', false],
    ],
  },
  {
    name: 'k8s: named ports resolve on each destination pod',
    policies: [
      knp('prod', 'http-by-name', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }] }] }),
      knp('dev', 'egress-dns-by-name', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'UDP', port: 'dns' }] }] }),
      // The name exists on web pods, but for UDP: a TCP (the default) named port matches nothing.
      knp('ops', 'dns-as-tcp', { podSelector: ml({ app: 'web' }), ingress: [{ ports: [{ port: 'dns' }] }] }),
    ],
    spots: [
      ['ops/web', 'prod/web', 'tcp/80', true],
      ['ops/web', 'prod/web', 'tcp/8080', false],
      ['ops/web', 'prod/api', 'tcp/8080', true],
      ['ops/web', 'prod/api', 'tcp/80', false],
      ['ops/web', 'prod/db', 'tcp/80', false],
      ['dev/web', 'ops/api', 'udp/5353', true],
      ['dev/web', 'ops/api', 'udp/53', false],
      ['dev/web', 'ops/db', 'udp/53', true],
      ['dev/api', 'ops/web', 'tcp/80', false],
      ['prod/api', 'ops/web', 'udp/53', false],
      ['prod/api', 'ops/web', 'tcp/80', false],
    ],
  },
  {
    name: 'k8s: port ranges with endPort',
    icmp: true,
    policies: [
      knp('ops', 'ingress-ranges', { podSelector: {}, ingress: [{ ports: [{ port: 1, endPort: 8079 }, { protocol: 'UDP', port: 5000, endPort: 6000 }] }] }),
      knp('prod', 'api-egress-ranges', {
        podSelector: ml({ app: 'api' }),
        policyTypes: ['Egress'],
        egress: [{ ports: [{ protocol: 'TCP', port: 8000, endPort: 9000 }, { protocol: 'UDP', port: 53, endPort: 53 }] }],
      }),
    ],
    spots: [
      ['prod/web', 'ops/api', 'tcp/80', true],
      ['prod/web', 'ops/api', 'tcp/8080', false],
      ['prod/web', 'ops/api', 'udp/5353', true],
      ['prod/web', 'ops/api', 'udp/53', false],
      ['prod/web', 'ops/api', 'icmp', false],
      ['prod/api', 'dev/web', 'tcp/8080', true],
      ['prod/api', 'dev/web', 'tcp/80', false],
      ['prod/api', 'dev/web', 'udp/53', true],
      ['prod/api', 'dev/web', 'icmp', false],
    ],
  },
  {
    name: 'k8s: ingress: [] and an absent ingress both deny all ingress',
    policies: [
      knp('prod', 'web-empty-list', { podSelector: ml({ app: 'web' }), ingress: [] }),
      knp('dev', 'web-absent', { podSelector: ml({ app: 'web' }), policyTypes: ['Ingress'] }),
    ],
    spots: [
      ['prod/api', 'prod/web', 'tcp/80', false],
      ['prod/web', 'prod/api', 'tcp/80', true],
      ['dev/db', 'dev/web', 'udp/53', false],
      ['dev/web', 'ops/db', 'tcp/8080', true],
    ],
  },
  {
    name: 'k8s: ingress: [{}] allows everything, from: [] means any source, and policies add up',
    policies: [
      knp('prod', 'db-from-api', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ podSelector: ml({ app: 'api' }) }] }] }),
      knp('prod', 'allow-all-ingress', { podSelector: {}, ingress: [{}] }),
      knp('ops', 'web-deny-all', { podSelector: ml({ app: 'web' }), policyTypes: ['Ingress'] }),
      knp('ops', 'web-port-80-from-anyone', { podSelector: ml({ app: 'web' }), ingress: [{ from: [], ports: [{ port: 80 }] }] }),
    ],
    spots: [
      ['ops/web', 'prod/db', 'tcp/80', true],
      ['dev/db', 'prod/db', 'udp/5353', true],
      ['prod/db', 'ops/web', 'tcp/80', true],
      ['prod/db', 'ops/web', 'tcp/8080', false],
      ['prod/db', 'ops/web', 'udp/53', false],
    ],
  },
  {
    name: 'k8s: egress: [] without policyTypes isolates only ingress; with policyTypes [Egress] it denies all egress',
    policies: [
      knp('prod', 'web-empty-egress', { podSelector: ml({ app: 'web' }), egress: [] }),
      knp('dev', 'api-no-egress', { podSelector: ml({ app: 'api' }), policyTypes: ['Egress'], egress: [] }),
    ],
    spots: [
      ['prod/web', 'ops/db', 'tcp/80', true],
      ['ops/db', 'prod/web', 'tcp/80', false],
      ['dev/api', 'prod/api', 'tcp/80', false],
      ['prod/api', 'dev/api', 'tcp/80', true],
    ],
  },
  {
    name: 'k8s: a pod isolated both ways still reaches itself',
    icmp: true,
    policies: ['prod', 'dev', 'ops'].map((ns) => knp(ns, 'isolate-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })),
    spots: [
      ['prod/web', 'prod/web', 'tcp/80', true],
      ['prod/web', 'prod/web', 'icmp', true],
      ['ops/db', 'ops/db', 'udp/5353', true],
      ['prod/web', 'prod/api', 'tcp/80', false],
      ['dev/api', 'prod/web', 'icmp', false],
    ],
  },
];
