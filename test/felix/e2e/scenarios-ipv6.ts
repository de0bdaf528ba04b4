/**
 * IPv6 in particular. Every scenario probes both families (the tcp6/… and
 * udp6/… columns, icmp6 beside icmp); these ones write policy about IPv6
 * addresses and ICMPv6. The pods' IPv6 addresses mirror their IPv4 ones:
 * node A holds fd65:1::/64 (prod/web ::2, prod/db ::3, dev/api ::4,
 * ops/web ::5, ops/db ::6), node B fd65:2::/64 (prod/api ::2, dev/web ::3,
 * dev/db ::4, ops/api ::5).
 */
import { gnp, knp, ml, np, type Scenario } from './scenario-types.ts';

const backEgress = (deniedTo: string) =>
  gnp('back-udp6-egress', {
    selector: "tier == 'back'",
    egress: [{ action: 'Deny', protocol: 'UDP', destination: { nets: ['fd65::/16'], notNets: [deniedTo === 'node-b' ? 'fd65:1::/64' : 'fd65:2::/64'] } }, { action: 'Allow' }],
  });

export const IPV6_SCENARIOS: readonly Scenario[] = [
  {
    name: 'ipv6: k8s ipBlock with an IPv6 cidr and except, for ingress and egress; an IPv6 block never matches IPv4',
    policies: [
      knp('ops', 'db-from-node-a-v6', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ ipBlock: { cidr: 'fd65:1::/64', except: ['fd65:1::4/128'] } }] }] }),
      knp('prod', 'web-egress-by-family', {
        podSelector: ml({ app: 'web' }),
        policyTypes: ['Egress'],
        // IPv6 to node A only, IPv4 to node B only.
        egress: [{ to: [{ ipBlock: { cidr: 'fd65::/16', except: ['fd65:2::/64'] } }, { ipBlock: { cidr: '10.65.2.0/24' } }] }],
      }),
    ],
    spots: [
      ['prod/db', 'ops/db', 'tcp6/80', true],
      ['ops/web', 'ops/db', 'udp6/5353', true],
      ['dev/api', 'ops/db', 'tcp6/80', false],
      ['prod/api', 'ops/db', 'udp6/53', false],
      ['prod/db', 'ops/db', 'tcp/80', false],
      ['prod/web', 'prod/db', 'tcp6/80', true],
      ['prod/web', 'prod/db', 'tcp/80', false],
      ['prod/web', 'prod/api', 'tcp/8080', true],
      ['prod/web', 'prod/api', 'tcp6/8080', false],
      ['dev/web', 'prod/web', 'udp6/53', true],
    ],
  },
  {
    name: 'ipv6: reef nets and notNets with IPv6 CIDRs, mixed with IPv4 ones, and an edit that moves them',
    policies: [
      np('dev', 'api-from-nets', {
        selector: "app == 'api'",
        // The Deny's notNets are IPv6 only, so (as in Calico) it does not apply to IPv4 at all, where it
        // would otherwise deny every source. Then: IPv6 from node B except ::4 and ::5 (dev/db, ops/api);
        // IPv4 from node A except ops/db.
        ingress: [
          { action: 'Deny', source: { notNets: ['fd65::/16'] } },
          { action: 'Allow', source: { nets: ['fd65:2::/64', '10.65.1.0/24'], notNets: ['fd65:2::4/127', '10.65.1.6/32'] } },
        ],
      }),
      backEgress('node-b'),
    ],
    spots: [
      ['prod/api', 'dev/api', 'tcp6/8080', true],
      ['dev/web', 'dev/api', 'udp6/5353', true],
      ['dev/db', 'dev/api', 'tcp6/80', false],
      ['ops/api', 'dev/api', 'udp6/53', false],
      ['prod/web', 'dev/api', 'tcp6/80', false],
      ['prod/web', 'dev/api', 'tcp/80', true],
      ['ops/db', 'dev/api', 'tcp/80', false],
      ['prod/api', 'dev/api', 'tcp/8080', false],
      ['prod/db', 'dev/db', 'udp6/53', false],
      ['prod/db', 'ops/web', 'udp6/53', true],
      ['prod/db', 'dev/db', 'udp/53', true],
      ['prod/db', 'dev/db', 'tcp6/80', true],
    ],
    mutation: {
      // UDP over IPv6 from back pods to node A, allowed before, is denied now: its conntrack entries must go.
      change: { kind: 'editPolicy', policy: backEgress('node-a') },
      spots: [
        ['prod/db', 'dev/db', 'udp6/53', true],
        ['prod/db', 'ops/web', 'udp6/53', false],
        ['prod/db', 'ops/web', 'udp/53', true],
      ],
    },
  },
  {
    name: 'ipv6: ICMPv6 is its own protocol: ICMP rules never match it, ICMPv6 type and code rules do',
    icmp: true,
    policies: [
      gnp('web-echo-v4-only', { selector: "app == 'web'", ingress: [{ action: 'Allow', protocol: 'ICMP', icmp: { type: 8 } }, { action: 'Allow', protocol: 'TCP' }] }),
      gnp('api-echo-v6-only', { selector: "app == 'api'", ingress: [{ action: 'Allow', protocol: 'ICMPv6', icmp: { type: 128, code: 0 } }, { action: 'Allow', protocol: 'UDP' }] }),
      gnp('db-not-icmp', { selector: "app == 'db'", ingress: [{ action: 'Deny', protocol: 58, notICMP: { type: 128 } }, { action: 'Allow', notProtocol: 'ICMP' }] }),
    ],
    spots: [
      ['prod/api', 'dev/web', 'icmp', true],
      ['prod/api', 'dev/web', 'icmp6', false],
      ['prod/api', 'dev/web', 'tcp6/80', true],
      ['prod/web', 'ops/api', 'icmp6', true],
      ['prod/web', 'ops/api', 'icmp', false],
      ['prod/web', 'ops/api', 'tcp6/8080', false],
      ['prod/web', 'prod/db', 'icmp6', true],
      ['prod/web', 'prod/db', 'icmp', false],
      ['prod/web', 'prod/db', 'udp6/53', true],
    ],
  },
];
