/**
 * Scenarios that change one thing after the first matrix (a policy edited or
 * deleted, a pod or a namespace relabelled) and check the whole matrix again.
 */
import { gnp, knp, ml, np, type Scenario } from './scenario-types.ts';

export const MUTATION_SCENARIOS: readonly Scenario[] = [
  {
    name: 'mutation: a Kubernetes policy edited to allow other peers and fewer ports',
    policies: [knp('prod', 'db-ingress', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ podSelector: ml({ app: 'api' }) }] }] })],
    spots: [
      ['prod/api', 'prod/db', 'tcp/8080', true],
      ['prod/web', 'prod/db', 'tcp/80', false],
    ],
    mutation: {
      change: {
        kind: 'editPolicy',
        policy: knp('prod', 'db-ingress', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ podSelector: ml({ app: 'web' }) }], ports: [{ port: 80 }] }] }),
      },
      spots: [
        ['prod/api', 'prod/db', 'tcp/8080', false],
        ['prod/web', 'prod/db', 'tcp/80', true],
        ['prod/web', 'prod/db', 'tcp/8080', false],
      ],
    },
  },
  {
    name: 'mutation: a reef policy edited to a later order',
    policies: [
      gnp('deny-udp-to-back', { order: 10, selector: "tier == 'back'", ingress: [{ action: 'Deny', protocol: 'UDP' }] }),
      gnp('allow-to-back', { order: 20, selector: "tier == 'back'", ingress: [{ action: 'Allow' }] }),
    ],
    spots: [
      ['prod/web', 'dev/db', 'udp/53', false],
      ['prod/web', 'dev/db', 'tcp/80', true],
    ],
    mutation: {
      change: { kind: 'editPolicy', policy: gnp('deny-udp-to-back', { order: 30, selector: "tier == 'back'", ingress: [{ action: 'Deny', protocol: 'UDP' }] }) },
      spots: [['prod/web', 'dev/db', 'udp/53', true]],
    },
  },
  {
    name: "mutation: a pod's labels change, moving it into one selector and out of another",
    policies: [
      np('prod', 'db-from-api', { selector: "app == 'db'", ingress: [{ action: 'Allow', source: { selector: "app == 'api'" } }] }),
      gnp('isolate-web', { selector: "app == 'web'", types: ['Ingress'] }),
    ],
    spots: [
      ['prod/web', 'prod/db', 'tcp/80', false],
      ['ops/db', 'prod/web', 'tcp/80', false],
      ['prod/api', 'prod/db', 'udp/53', true],
    ],
    mutation: {
      change: { kind: 'podLabels', pod: 'prod/web', labels: { app: 'api', tier: 'back' } },
      spots: [
        ['prod/web', 'prod/db', 'tcp/80', true],
        ['ops/db', 'prod/web', 'tcp/80', true],
      ],
    },
  },
  {
    name: "mutation: a pod's new labels make a policy that selected nobody apply on its node",
    policies: [gnp('cache', { selector: "app == 'cache'", ingress: [{ action: 'Allow', source: { selector: "tier == 'front'" } }], egress: [{ action: 'Allow', protocol: 'UDP' }] })],
    spots: [
      ['prod/api', 'dev/db', 'tcp/80', true],
      ['dev/db', 'prod/web', 'tcp/80', true],
    ],
    mutation: {
      change: { kind: 'podLabels', pod: 'dev/db', labels: { app: 'cache', tier: 'back' } },
      spots: [
        ['prod/api', 'dev/db', 'tcp/80', false],
        ['ops/web', 'dev/db', 'tcp/80', true],
        ['dev/db', 'prod/web', 'tcp/80', false],
        ['dev/db', 'prod/web', 'udp/5353', true],
      ],
    },
  },
  {
    name: "mutation: a namespace's labels change, for rule and policy namespace selectors",
    policies: [
      gnp('api-from-dev', { selector: "app == 'api'", ingress: [{ action: 'Allow', source: { namespaceSelector: "env == 'dev'" } }] }),
      gnp('team-a-web-isolated', { namespaceSelector: "team == 'a'", selector: "app == 'web'", types: ['Ingress'] }),
      knp('prod', 'web-egress-to-dev', { podSelector: ml({ app: 'web' }), policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: ml({ env: 'dev' }) }] }] }),
    ],
    spots: [
      ['ops/web', 'prod/api', 'tcp/80', false],
      ['dev/web', 'prod/api', 'tcp/80', true],
      ['prod/db', 'ops/web', 'tcp/80', true],
      ['prod/web', 'ops/web', 'tcp/80', false],
      ['prod/web', 'ops/db', 'tcp/80', false],
    ],
    mutation: {
      change: { kind: 'namespaceLabels', namespace: 'ops', labels: { env: 'dev', team: 'a' } },
      spots: [
        ['ops/web', 'prod/api', 'tcp/80', true],
        ['prod/db', 'ops/web', 'tcp/80', false],
        ['prod/web', 'ops/db', 'tcp/80', true],
      ],
    },
  },
  {
    name: 'mutation: a reef policy deleted',
    policies: [
      gnp('deny-udp-everywhere', { order: 1, selector: 'all()', ingress: [{ action: 'Deny', protocol: 'UDP' }] }),
      knp('dev', 'dev-from-dev', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] }),
    ],
    spots: [
      ['prod/web', 'ops/db', 'udp/53', false],
      ['dev/web', 'dev/db', 'udp/53', false],
      ['dev/web', 'dev/db', 'tcp/80', true],
    ],
    mutation: {
      change: { kind: 'deletePolicy', key: 'gnp:deny-udp-everywhere' },
      spots: [
        ['prod/web', 'ops/db', 'udp/53', true],
        ['dev/web', 'dev/db', 'udp/53', true],
        ['prod/web', 'dev/db', 'udp/53', false],
      ],
    },
  },
  {
    name: 'mutation: one of two policies sharing a selector (and its ipset) deleted',
    policies: [
      gnp('db-from-api-tcp', { order: 1, selector: "app == 'db'", ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "app == 'api'" } }] }),
      gnp('web-from-api', { order: 2, selector: "app == 'web'", ingress: [{ action: 'Allow', source: { selector: "app == 'api'" } }] }),
      gnp('db-from-api-udp', { order: 3, selector: "app == 'db'", ingress: [{ action: 'Allow', protocol: 'UDP', source: { selector: "app == 'api'" } }] }),
    ],
    spots: [
      ['ops/api', 'prod/db', 'udp/53', true],
      ['ops/api', 'prod/web', 'tcp/80', true],
      ['ops/web', 'prod/web', 'tcp/80', false],
    ],
    mutation: {
      change: { kind: 'deletePolicy', key: 'gnp:db-from-api-tcp' },
      spots: [
        ['ops/api', 'prod/db', 'tcp/80', false],
        ['ops/api', 'prod/db', 'udp/53', true],
        ['dev/api', 'ops/web', 'udp/5353', true],
      ],
    },
  },
  {
    name: 'mutation: the last Kubernetes policy selecting pods deleted',
    icmp: true,
    policies: [knp('ops', 'isolate', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })],
    spots: [
      ['ops/web', 'ops/db', 'tcp/80', false],
      ['prod/web', 'ops/api', 'icmp', false],
    ],
    mutation: {
      change: { kind: 'deletePolicy', key: 'knp:ops/isolate' },
      spots: [
        ['ops/web', 'ops/db', 'tcp/80', true],
        ['prod/web', 'ops/api', 'icmp', true],
      ],
    },
  },
];
