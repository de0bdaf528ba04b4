import { expect } from 'chai';
import { convertPolicy } from '../../../../felix/calc/policy/convert.ts';
import { decide, type Packet } from '../../../../felix/calc/policy/decide.ts';
import { PolicyInvalidError } from '../../../../felix/calc/policy/errors.ts';
import type { PolicyInput } from '../../../../felix/calc/policy/types.ts';
import { ENDPOINTS, gnp, knp, NAMESPACES, np } from './world.ts';

const ref = (s: string) => (s.includes('/') ? { endpoint: s } : { ip: s });
const pkt = (src: string, dst: string, protocol: string, dstPort?: number, extra: Partial<Packet> = {}): Packet => ({
  src: ref(src),
  dst: ref(dst),
  protocol,
  ...(dstPort !== undefined ? { srcPort: 33333, dstPort } : {}),
  ...extra,
});

interface Case {
  name: string;
  policies: PolicyInput[];
  expect: [Packet, 'allow' | 'deny', string?][];
}

const cases: Case[] = [
  {
    name: 'lower order first: a Deny at order 10 beats an Allow at order 20',
    policies: [
      np('prod', 'allow', { order: 20, selector: 'app == "web"', ingress: [{ action: 'Allow' }] }),
      np('prod', 'deny', { order: 10, selector: 'app == "web"', ingress: [{ action: 'Deny', source: { selector: 'app == "db"' } }] }),
    ],
    expect: [
      [pkt('prod/db', 'prod/web', 'TCP', 80), 'deny', 'np:prod/deny#0'],
      [pkt('prod/cache', 'prod/web', 'TCP', 80), 'allow', 'np:prod/allow#0'],
    ],
  },
  {
    name: 'no order sorts last; equal order by key',
    policies: [
      np('prod', 'b', { selector: 'app == "web"', ingress: [{ action: 'Allow' }] }),
      np('prod', 'z', { order: 5, selector: 'app == "web"', ingress: [{ action: 'Deny', protocol: 'UDP' }] }),
      np('prod', 'a', { order: 5, selector: 'app == "web"', ingress: [{ action: 'Allow', protocol: 'UDP', destination: { ports: [53] } }] }),
    ],
    expect: [
      [pkt('prod/db', 'prod/web', 'UDP', 53), 'allow', 'np:prod/a#0'],
      [pkt('prod/db', 'prod/web', 'UDP', 54), 'deny', 'np:prod/z#0'],
      [pkt('prod/db', 'prod/web', 'TCP', 54), 'allow', 'np:prod/b#0'],
    ],
  },
  {
    name: 'Kubernetes policies sit at order 1000 among reef policies',
    policies: [
      knp('prod', 'k', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{}] }),
      gnp('early-deny', { order: 999, selector: 'app == "web"', ingress: [{ action: 'Deny', source: { nets: ['10.0.2.0/24'] } }] }),
      gnp('late-deny', { order: 1001, selector: 'app == "web"', ingress: [{ action: 'Deny' }] }),
    ],
    expect: [
      [pkt('dev/client', 'prod/web', 'TCP', 80), 'deny', 'gnp:early-deny#0'],
      [pkt('prod/db', 'prod/web', 'TCP', 80), 'allow', 'knp:prod/k#0'],
    ],
  },
  {
    name: 'Log continues; Pass ends policy evaluation and the default (deny) applies',
    policies: [
      gnp('a', { order: 1, selector: 'all()', ingress: [{ action: 'Log' }, { action: 'Pass', source: { selector: 'app == "client"' } }] }),
      gnp('b', { order: 2, selector: 'all()', ingress: [{ action: 'Allow' }] }),
    ],
    expect: [
      [pkt('dev/client', 'prod/web', 'TCP', 80), 'deny', 'pass:gnp:a#1'],
      [pkt('prod/db', 'prod/web', 'TCP', 80), 'allow', 'gnp:b#0'],
    ],
  },
  {
    name: 'protocol, notProtocol, icmp and notICMP',
    policies: [
      gnp('p', {
        selector: 'app == "web"',
        ingress: [
          { action: 'Allow', protocol: 'ICMP', icmp: { type: 8, code: 0 } },
          { action: 'Allow', protocol: 'ICMP', notICMP: { type: 8 } },
          { action: 'Allow', notProtocol: 'TCP', source: { selector: 'app == "db"' } },
        ],
      }),
    ],
    expect: [
      [pkt('dev/client', 'prod/web', 'ICMP', undefined, { icmpType: 8, icmpCode: 0 }), 'allow', 'gnp:p#0'],
      [pkt('dev/client', 'prod/web', 'ICMP', undefined, { icmpType: 8, icmpCode: 1 }), 'deny'],
      [pkt('dev/client', 'prod/web', 'ICMP', undefined, { icmpType: 0, icmpCode: 0 }), 'allow', 'gnp:p#1'],
      [pkt('prod/db', 'prod/web', 'UDP', 5), 'allow', 'gnp:p#2'],
      [pkt('prod/db', 'prod/web', 'TCP', 5), 'deny'],
    ],
  },
  {
    name: 'nets, notNets, ports, notPorts and port ranges',
    policies: [
      gnp('p', {
        selector: 'app == "web"',
        ingress: [
          { action: 'Allow', protocol: 'TCP', source: { nets: ['192.168.0.0/16', '172.16.0.0/12'], notNets: ['192.168.9.0/24'] }, destination: { ports: ['8000:8010', 443], notPorts: [8005] } },
        ],
      }),
    ],
    expect: [
      [pkt('192.168.1.1', 'prod/web', 'TCP', 443), 'allow'],
      [pkt('172.20.0.1', 'prod/web', 'TCP', 8010), 'allow'],
      [pkt('172.20.0.1', 'prod/web', 'TCP', 8005), 'deny'],
      [pkt('192.168.9.1', 'prod/web', 'TCP', 443), 'deny'],
      [pkt('10.0.0.1', 'prod/web', 'TCP', 443), 'deny'],
      [pkt('192.168.1.1', 'prod/web', 'TCP', 444), 'deny'],
    ],
  },
  {
    name: 'namespaced rule selectors stay in the namespace unless namespaceSelector says otherwise',
    policies: [
      np('prod', 'p', {
        selector: 'app == "web"',
        ingress: [
          { action: 'Allow', source: { selector: 'app == "web"' } },
          { action: 'Allow', source: { namespaceSelector: 'team == "b"', selector: 'app == "client"' } },
          { action: 'Allow', source: { notSelector: 'app == "db"' }, protocol: 'UDP' },
        ],
      }),
    ],
    expect: [
      [pkt('dev/web', 'prod/web', 'TCP', 80), 'deny'],
      [pkt('dev/client', 'prod/web', 'TCP', 80), 'allow', 'np:prod/p#1'],
      [pkt('prod/cache', 'prod/web', 'UDP', 80), 'allow', 'np:prod/p#2'],
      [pkt('dev/web', 'prod/web', 'UDP', 80), 'deny'],
      [pkt('prod/db', 'prod/web', 'UDP', 80), 'deny'],
    ],
  },
  {
    name: 'a GlobalNetworkPolicy namespaceSelector picks the namespaces it applies to',
    policies: [gnp('p', { namespaceSelector: 'env == "prod"', selector: 'tier == "be"', ingress: [{ action: 'Deny' }] })],
    expect: [
      [pkt('dev/client', 'prod/db', 'TCP', 1), 'deny'],
      [pkt('dev/client', 'prod/web', 'TCP', 1), 'allow'],
    ],
  },
  {
    name: 'global() in a namespaceSelector matches no pod; a GNP rule selector spans namespaces',
    policies: [
      gnp('p', {
        selector: 'app == "web"',
        ingress: [{ action: 'Allow', source: { namespaceSelector: 'global()' } }, { action: 'Allow', source: { selector: 'app == "client"' } }],
      }),
    ],
    expect: [
      [pkt('prod/db', 'prod/web', 'TCP', 1), 'deny'],
      [pkt('dev/client', 'prod/web', 'TCP', 1), 'allow', 'gnp:p#1'],
    ],
  },
  {
    name: 'egress then ingress: both must allow',
    policies: [
      np('dev', 'e', { selector: 'app == "client"', types: ['Egress'], egress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['http'] } }] }),
      np('prod', 'i', { selector: 'app == "web"', ingress: [{ action: 'Deny', source: { namespaceSelector: 'team == "b"' } }, { action: 'Allow' }] }),
    ],
    expect: [
      [pkt('dev/client', 'dev/web', 'TCP', 9090), 'allow'],
      [pkt('dev/client', 'prod/web', 'TCP', 8080), 'deny', 'np:prod/i#0'],
      [pkt('dev/client', 'dev/web', 'TCP', 8080), 'deny'],
      [pkt('prod/db', 'prod/web', 'TCP', 1), 'allow'],
    ],
  },
  {
    name: 'source named ports resolve against the source endpoint',
    policies: [gnp('p', { selector: 'app == "client"', ingress: [{ action: 'Allow', protocol: 'UDP', source: { ports: ['dns'] } }] })],
    expect: [
      [{ src: { endpoint: 'prod/db' }, dst: { endpoint: 'dev/client' }, protocol: 'UDP', srcPort: 53, dstPort: 999 }, 'allow'],
      [{ src: { endpoint: 'prod/web' }, dst: { endpoint: 'dev/client' }, protocol: 'UDP', srcPort: 53, dstPort: 999 }, 'deny'],
    ],
  },
];

function byText(d: ReturnType<typeof decide>): string {
  const b = d.by;
  if (b.kind === 'rule') return `${b.policy}#${b.rule}`;
  if (b.kind === 'pass') return `pass:${b.policy}#${b.rule}`;
  return b.kind;
}

describe('felix/calc policy: reef (Calico v3) policy semantics', () => {
  for (const c of cases) {
    it(c.name, () => {
      const state = { endpoints: ENDPOINTS, namespaces: NAMESPACES, policies: c.policies.map(convertPolicy) };
      for (const [p, verdict, by] of c.expect) {
        const d = decide(state, p);
        expect(d.verdict, JSON.stringify(p)).to.equal(verdict);
        if (by) expect(byText(d), JSON.stringify(p)).to.equal(by);
      }
    });
  }

  it('records Log rules that matched before the verdict', () => {
    const state = {
      endpoints: ENDPOINTS,
      namespaces: NAMESPACES,
      policies: [convertPolicy(gnp('p', { selector: 'all()', ingress: [{ action: 'Log' }, { action: 'Allow' }] }))],
    };
    expect(decide(state, pkt('prod/db', 'prod/web', 'TCP', 1)).ingress?.logged).to.deep.equal(['gnp:p#0']);
  });

  it('defaults types to the directions that have rules', () => {
    const only = (spec: Parameters<typeof gnp>[1]) => convertPolicy(gnp('p', spec));
    expect(only({ egress: [{ action: 'Allow' }] })).to.include({ ingress: undefined });
    expect(only({ egress: [{ action: 'Allow' }] }).egress).to.have.length(1);
    expect(only({}).ingress).to.deep.equal([]);
    expect(only({}).egress).to.equal(undefined);
  });

  describe('rejects rules the dataplane could not honour', () => {
    const bad: [string, PolicyInput, RegExp][] = [
      ['ports without a port protocol', gnp('p', { ingress: [{ action: 'Allow', destination: { ports: [80] } }] }), /spec\.ingress\[0\]\.destination\.ports/],
      ['icmp code without type', gnp('p', { ingress: [{ action: 'Allow', protocol: 'ICMP', icmp: { code: 1 } }] }), /code needs a type/],
      ['icmp with TCP', gnp('p', { ingress: [{ action: 'Allow', protocol: 'TCP', icmp: { type: 1 } }] }), /ICMP or ICMPv6/],
      ['a bad action', gnp('p', { ingress: [{ action: 'Drop' as 'Deny' }] }), /not Allow, Deny, Pass or Log/],
      ['a bad selector', gnp('p', { selector: 'a ==', ingress: [] }), /spec\.selector: invalid selector at offset 4/],
      ['a bad port range', gnp('p', { ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['90:80'] } }] }), /ports\[0\]/],
      ['namespaceSelector on a namespaced policy', np('prod', 'p', { namespaceSelector: 'all()' }), /only a GlobalNetworkPolicy/],
      ['an unknown protocol', gnp('p', { ingress: [{ action: 'Allow', protocol: 'QUIC' }] }), /unknown protocol "QUIC"/],
    ];
    for (const [name, policy, msg] of bad) {
      it(name, () => expect(() => convertPolicy(policy)).to.throw(PolicyInvalidError, msg));
    }
  });
});
