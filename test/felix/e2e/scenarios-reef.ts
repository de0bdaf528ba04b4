/**
 * reef's NetworkPolicy and GlobalNetworkPolicy (Calico v3 shape): order,
 * Allow/Deny/Pass/Log, selectors and namespace selectors, nets, ports,
 * protocols and ICMP, on ingress and egress. Pod layout as in scenarios-k8s.ts.
 */
import { gnp, knp, np, type Scenario } from './scenario-types.ts';

export const REEF_SCENARIOS: readonly Scenario[] = [
  {
    name: 'reef: lower order first decides between Deny and Allow',
    policies: [
      gnp('deny-dev-to-back', { order: 10, selector: "tier == 'back'", ingress: [{ action: 'Deny', source: { namespaceSelector: "env == 'dev'" } }] }),
      gnp('allow-to-back', { order: 20, selector: "tier == 'back'", ingress: [{ action: 'Allow' }] }),
      np('prod', 'db-from-dev-web', { order: 5, selector: "app == 'db'", ingress: [{ action: 'Allow', source: { namespaceSelector: "env == 'dev'", selector: "app == 'web'" } }] }),
    ],
    spots: [
      ['dev/web', 'prod/db', 'tcp/80', true],
      ['dev/api', 'prod/db', 'tcp/80', false],
      ['dev/web', 'ops/api', 'udp/53', false],
      ['ops/web', 'ops/api', 'udp/53', true],
      ['dev/db', 'prod/web', 'tcp/80', true],
    ],
  },
  {
    name: 'reef: a policy without order comes after every ordered one',
    policies: [
      gnp('allow-tcp-no-order', { selector: "app == 'api'", ingress: [{ action: 'Allow', protocol: 'TCP' }] }),
      gnp('deny-8080', { order: 1000, selector: "app == 'api'", ingress: [{ action: 'Deny', protocol: 'TCP', destination: { ports: [8080] } }] }),
      np('ops', 'udp-from-web', { order: 2000, selector: "app == 'api'", ingress: [{ action: 'Allow', protocol: 'UDP', source: { selector: "app == 'web'" } }] }),
    ],
    spots: [
      ['prod/web', 'prod/api', 'tcp/80', true],
      ['prod/web', 'prod/api', 'tcp/8080', false],
      ['ops/web', 'ops/api', 'udp/53', true],
      ['prod/web', 'ops/api', 'udp/53', false],
      ['prod/web', 'prod/api', 'udp/5353', false],
    ],
  },
  {
    name: 'reef: Pass ends the policies and the default deny applies, ingress and egress',
    policies: [
      gnp('pass-ops-to-web', { order: 10, selector: "app == 'web'", ingress: [{ action: 'Pass', source: { namespaceSelector: "env == 'ops'" } }, { action: 'Allow', protocol: 'UDP' }] }),
      gnp('allow-all-to-web', { order: 20, selector: "app == 'web'", ingress: [{ action: 'Allow' }] }),
      gnp('pass-db-udp-egress', { order: 10, selector: "app == 'db'", egress: [{ action: 'Pass', protocol: 'UDP' }, { action: 'Allow' }] }),
      gnp('allow-db-egress', { order: 20, selector: "app == 'db'", egress: [{ action: 'Allow' }] }),
    ],
    spots: [
      ['ops/api', 'prod/web', 'tcp/80', false],
      ['dev/api', 'prod/web', 'tcp/80', true],
      ['ops/web', 'dev/web', 'udp/53', false],
      ['prod/db', 'dev/api', 'udp/53', false],
      ['prod/db', 'dev/api', 'tcp/80', true],
      ['ops/web', 'ops/web', 'tcp/80', true],
    ],
  },
  {
    name: 'reef: Log records and evaluation goes on, ingress and egress',
    policies: [
      gnp('log-then-tcp', {
        order: 1,
        selector: "app == 'api'",
        // A named and a numeric port render as two fragments: the LOG must still fire once and clear its mark.
        ingress: [{ action: 'Log' }, { action: 'Log', protocol: 'UDP', destination: { ports: [53, 'dns'] } }, { action: 'Allow', protocol: 'TCP' }],
        egress: [{ action: 'Log' }, { action: 'Allow', destination: { notNets: ['10.65.2.0/24'] } }],
      }),
    ],
    spots: [
      ['prod/web', 'dev/api', 'tcp/80', true],
      ['prod/web', 'dev/api', 'udp/53', false],
      ['dev/api', 'prod/web', 'tcp/80', true],
      ['prod/api', 'dev/web', 'tcp/80', false],
      ['ops/api', 'prod/db', 'udp/53', true],
    ],
  },
  {
    name: 'reef: NetworkPolicy rule selectors stay in the policy namespace',
    policies: [
      np('dev', 'db-from-front', { selector: "app == 'db'", ingress: [{ action: 'Allow', source: { selector: "tier == 'front'" } }] }),
      np('ops', 'web-egress-to-back', { selector: "app == 'web'", types: ['Egress'], egress: [{ action: 'Allow', destination: { selector: "tier == 'back'" } }] }),
    ],
    spots: [
      ['dev/web', 'dev/db', 'tcp/80', true],
      ['prod/web', 'dev/db', 'tcp/80', false],
      ['ops/web', 'ops/api', 'udp/53', true],
      ['ops/web', 'prod/api', 'udp/53', false],
      ['dev/api', 'ops/web', 'tcp/80', true],
    ],
  },
  {
    name: 'reef: rule namespaceSelector and notSelector',
    policies: [
      np('prod', 'api-from-team-a', { selector: "app == 'api'", ingress: [{ action: 'Allow', source: { namespaceSelector: "team == 'a'" } }] }),
      np('ops', 'db-from-any-web', { selector: "app == 'db'", ingress: [{ action: 'Allow', source: { namespaceSelector: 'all()', selector: "app == 'web'" } }] }),
      gnp('web-not-from-api', { selector: "app == 'web'", ingress: [{ action: 'Allow', source: { notSelector: "app == 'api'" } }] }),
    ],
    spots: [
      ['dev/db', 'prod/api', 'tcp/80', true],
      ['ops/web', 'prod/api', 'tcp/80', false],
      ['prod/web', 'ops/db', 'udp/53', true],
      ['ops/api', 'ops/db', 'tcp/80', false],
      ['ops/api', 'dev/web', 'tcp/80', false],
      ['ops/db', 'dev/web', 'tcp/80', true],
    ],
  },
  {
    name: 'reef: GlobalNetworkPolicy namespaceSelector limits where it applies; its rule selectors span namespaces',
    policies: [
      gnp('team-a-web-tcp-only', { namespaceSelector: "team == 'a'", selector: "app == 'web'", ingress: [{ action: 'Allow', protocol: 'TCP' }] }),
      gnp('db-from-any-api', { order: 1, selector: "app == 'db'", ingress: [{ action: 'Allow', source: { selector: "app == 'api'" } }] }),
    ],
    spots: [
      ['ops/api', 'prod/web', 'udp/53', false],
      ['ops/api', 'ops/web', 'udp/53', true],
      ['dev/db', 'dev/web', 'tcp/8080', true],
      ['dev/api', 'ops/db', 'udp/5353', true],
      ['prod/web', 'dev/db', 'tcp/80', false],
    ],
  },
  {
    name: 'reef: nets and notNets on source and destination',
    policies: [
      gnp('db-from-node-a-not-dev-api', { selector: "app == 'db'", ingress: [{ action: 'Allow', source: { nets: ['10.65.1.0/24'], notNets: ['10.65.1.4/32'] } }] }),
      gnp('api-egress-only-node-a', { selector: "app == 'api'", egress: [{ action: 'Deny', destination: { notNets: ['10.65.1.0/24'] } }, { action: 'Allow' }] }),
      gnp('web-egress-nets', { selector: "app == 'web'", egress: [{ action: 'Allow', destination: { nets: ['10.65.2.0/24', '10.65.1.6/32'] } }] }),
    ],
    spots: [
      ['prod/web', 'ops/db', 'tcp/80', true],
      ['ops/web', 'prod/db', 'tcp/80', false],
      ['dev/api', 'prod/db', 'tcp/80', false],
      ['prod/api', 'prod/db', 'tcp/80', false],
      ['dev/api', 'prod/web', 'tcp/80', true],
      ['prod/api', 'dev/web', 'tcp/80', false],
      ['prod/web', 'dev/web', 'udp/53', true],
    ],
  },
  {
    name: 'reef: ports, port ranges, named ports and notPorts',
    policies: [
      gnp('web-ports', {
        selector: "app == 'web'",
        ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [80] } }, { action: 'Allow', protocol: 'UDP', destination: { notPorts: [53] } }],
      }),
      gnp('api-ports', {
        selector: "app == 'api'",
        ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['8000:9000'] } }, { action: 'Allow', protocol: 'UDP', destination: { ports: ['dns'] } }],
      }),
      gnp('db-not-ports', {
        selector: "app == 'db'",
        ingress: [{ action: 'Allow', protocol: 'TCP', destination: { notPorts: ['1:100'] } }, { action: 'Allow', protocol: 'UDP', destination: { ports: [53], notPorts: ['dns'] } }],
        egress: [{ action: 'Deny', protocol: 'UDP', destination: { notPorts: [5353] } }, { action: 'Allow' }],
      }),
    ],
    spots: [
      ['ops/api', 'prod/web', 'tcp/80', true],
      ['ops/api', 'prod/web', 'tcp/8080', false],
      ['ops/api', 'prod/web', 'udp/53', false],
      ['ops/api', 'prod/web', 'udp/5353', true],
      ['prod/web', 'dev/api', 'tcp/8080', true],
      ['prod/web', 'dev/api', 'tcp/80', false],
      ['prod/web', 'dev/api', 'udp/5353', true],
      ['prod/web', 'dev/api', 'udp/53', false],
      ['prod/web', 'ops/db', 'tcp/8080', true],
      ['prod/web', 'ops/db', 'tcp/80', false],
      ['prod/web', 'ops/db', 'udp/53', false],
      ['prod/db', 'ops/web', 'udp/53', false],
      ['prod/db', 'ops/web', 'udp/5353', true],
    ],
  },
  {
    name: 'reef: protocol rules tell TCP from UDP, by name, number and notProtocol',
    icmp: true,
    policies: [
      gnp('back-tcp-only', { selector: "tier == 'back'", ingress: [{ action: 'Deny', protocol: 'UDP' }, { action: 'Allow', protocol: 6 }] }),
      np('dev', 'egress-udp-only', { selector: 'all()', types: ['Egress'], egress: [{ action: 'Allow', protocol: 'udp' }] }),
      np('ops', 'web-not-tcp', { selector: "app == 'web'", ingress: [{ action: 'Allow', notProtocol: 'TCP' }] }),
    ],
    spots: [
      ['prod/web', 'prod/api', 'tcp/80', true],
      ['prod/web', 'prod/api', 'udp/53', false],
      ['dev/web', 'prod/web', 'tcp/80', false],
      ['dev/web', 'prod/web', 'udp/53', true],
      ['dev/web', 'prod/api', 'udp/53', false],
      ['prod/web', 'ops/web', 'tcp/80', false],
      ['prod/web', 'ops/web', 'udp/5353', true],
      ['prod/web', 'ops/web', 'icmp', true],
      ['prod/web', 'prod/db', 'icmp', false],
    ],
  },
  {
    name: 'reef: ICMP type and code on ingress',
    icmp: true,
    policies: [
      gnp('web-echo', { selector: "app == 'web'", ingress: [{ action: 'Allow', protocol: 'ICMP', icmp: { type: 8, code: 0 } }] }),
      gnp('api-other-code', { selector: "app == 'api'", ingress: [{ action: 'Allow', protocol: 'ICMP', icmp: { type: 8, code: 1 } }, { action: 'Allow', protocol: 'TCP' }] }),
      gnp('db-not-echo', { selector: "app == 'db'", ingress: [{ action: 'Allow', protocol: 'ICMP', notICMP: { type: 8 } }, { action: 'Allow', protocol: 'UDP' }] }),
    ],
    spots: [
      ['prod/api', 'dev/web', 'icmp', true],
      ['prod/api', 'dev/web', 'tcp/80', false],
      ['prod/web', 'ops/api', 'icmp', false],
      ['prod/web', 'ops/api', 'tcp/80', true],
      ['prod/web', 'prod/db', 'icmp', false],
      ['prod/web', 'prod/db', 'udp/53', true],
    ],
  },
  {
    name: 'reef: ICMP type and code on egress',
    icmp: true,
    policies: [
      gnp('front-egress', {
        selector: "tier == 'front'",
        types: ['Egress'],
        egress: [{ action: 'Allow', protocol: 'ICMP', icmp: { type: 8 } }, { action: 'Deny', protocol: 'ICMP' }, { action: 'Allow', protocol: 'TCP', destination: { ports: [80] } }],
      }),
      gnp('back-no-echo-out', { selector: "tier == 'back'", egress: [{ action: 'Deny', protocol: 'ICMP', icmp: { type: 8, code: 0 } }, { action: 'Allow' }] }),
    ],
    spots: [
      ['prod/web', 'ops/db', 'icmp', true],
      ['prod/web', 'ops/db', 'tcp/80', true],
      ['prod/web', 'ops/db', 'tcp/8080', false],
      ['prod/web', 'ops/db', 'udp/53', false],
      ['prod/api', 'ops/web', 'icmp', false],
      ['prod/api', 'ops/web', 'udp/53', true],
      ['prod/api', 'prod/api', 'icmp', true],
    ],
  },
  {
    name: 'reef: an endpoint selected for a direction is denied by default in that direction',
    policies: [
      gnp('isolate-api', { selector: "app == 'api'", types: ['Ingress', 'Egress'] }),
      np('ops', 'web-egress-only', { selector: "app == 'web'", types: ['Egress'], ingress: [{ action: 'Allow' }] }),
      gnp('db-from-nobody', { selector: "app == 'db'", ingress: [{ action: 'Allow', source: { selector: "app == 'nobody'" } }] }),
    ],
    spots: [
      ['prod/web', 'prod/api', 'tcp/80', false],
      ['prod/api', 'prod/web', 'tcp/80', false],
      ['prod/api', 'prod/api', 'tcp/80', true],
      ['ops/web', 'dev/web', 'tcp/80', false],
      ['dev/web', 'ops/web', 'tcp/80', true],
      ['dev/web', 'prod/db', 'udp/53', false],
    ],
  },
  {
    name: 'reef: selector operators (in, not in, has, !, starts with, ends with, contains, ||)',
    policies: [
      gnp('set-ops', { selector: "app in {'api', 'db'} && has(tier)", ingress: [{ action: 'Allow', source: { selector: "app not in {'web'} && !has(nothing)" } }] }),
      gnp('string-ops', {
        selector: "app starts with 'we'",
        ingress: [{ action: 'Allow', source: { selector: "(app ends with 'pi' && projectcalico.org/namespace contains 'ro') || projectcalico.org/namespace == 'ops'" } }],
      }),
    ],
    spots: [
      ['prod/api', 'dev/db', 'tcp/80', true],
      ['prod/web', 'dev/db', 'tcp/80', false],
      ['prod/api', 'dev/web', 'udp/53', true],
      ['dev/api', 'dev/web', 'udp/53', false],
      ['ops/db', 'prod/web', 'tcp/8080', true],
    ],
  },
  {
    name: 'reef: Kubernetes policies sit at order 1000 between reef policies',
    policies: [
      gnp('deny-ops-to-prod', { order: 500, selector: "projectcalico.org/namespace == 'prod'", ingress: [{ action: 'Deny', source: { namespaceSelector: "env == 'ops'" } }] }),
      knp('prod', 'allow-from-all-namespaces', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] }),
      gnp('deny-all-to-prod-late', { order: 1500, selector: "projectcalico.org/namespace == 'prod'", ingress: [{ action: 'Deny' }] }),
    ],
    spots: [
      ['ops/web', 'prod/api', 'tcp/80', false],
      ['dev/web', 'prod/api', 'tcp/80', true],
      ['prod/db', 'prod/web', 'udp/53', true],
    ],
  },
];
