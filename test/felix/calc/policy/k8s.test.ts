import { expect } from 'chai';
import { convertPolicy } from '../../../../felix/calc/policy/convert.ts';
import { decide, type Packet } from '../../../../felix/calc/policy/decide.ts';
import { PolicyInvalidError } from '../../../../felix/calc/policy/errors.ts';
import type { PolicyInput } from '../../../../felix/calc/policy/types.ts';
import { ENDPOINTS, knp, NAMESPACES } from './world.ts';

const tcp = (src: string, dst: string, dstPort: number): Packet => ({
  src: src.includes('/') ? { endpoint: src } : { ip: src },
  dst: dst.includes('/') ? { endpoint: dst } : { ip: dst },
  protocol: 'TCP',
  srcPort: 40000,
  dstPort,
});
const udp = (src: string, dst: string, dstPort: number): Packet => ({ ...tcp(src, dst, dstPort), protocol: 'UDP' });
const icmp = (src: string, dst: string): Packet => ({ src: { endpoint: src }, dst: { endpoint: dst }, protocol: 'ICMP', icmpType: 8, icmpCode: 0 });

interface Case {
  name: string;
  policies: PolicyInput[];
  allow: Packet[];
  deny: Packet[];
}

const webIngress = (ingress: NonNullable<Parameters<typeof knp>[2]['ingress']>) =>
  knp('prod', 'p', { podSelector: { matchLabels: { app: 'web' } }, ingress });

const cases: Case[] = [
  {
    name: 'no policy: everything is allowed',
    policies: [],
    allow: [tcp('dev/client', 'prod/web', 80), icmp('other/x', 'prod/db')],
    deny: [],
  },
  {
    name: 'ingress absent isolates the selected pods only',
    policies: [knp('prod', 'p', { podSelector: { matchLabels: { app: 'web' } } })],
    allow: [tcp('dev/client', 'prod/db', 80), tcp('prod/web', 'prod/db', 80)],
    deny: [tcp('dev/client', 'prod/web', 80), tcp('prod/db', 'prod/web', 8080)],
  },
  {
    name: 'ingress: [] denies everything to the selected pods',
    policies: [webIngress([])],
    allow: [tcp('prod/web', 'dev/web', 80)],
    deny: [tcp('prod/db', 'prod/web', 80)],
  },
  {
    name: 'ingress: [{}] allows everything',
    policies: [webIngress([{}])],
    allow: [tcp('dev/client', 'prod/web', 80), udp('192.168.1.1', 'prod/web', 53), icmp('other/x', 'prod/web')],
    deny: [],
  },
  {
    name: 'podSelector alone means pods in the policy namespace',
    policies: [webIngress([{ from: [{ podSelector: { matchLabels: { app: 'db' } } }] }])],
    allow: [tcp('prod/db', 'prod/web', 80)],
    deny: [tcp('dev/client', 'prod/web', 80), tcp('prod/cache', 'prod/web', 80)],
  },
  {
    name: 'podSelector {} alone means every pod in the policy namespace',
    policies: [webIngress([{ from: [{ podSelector: {} }] }])],
    allow: [tcp('prod/db', 'prod/web', 80), tcp('prod/cache', 'prod/web', 80)],
    deny: [tcp('dev/client', 'prod/web', 80), tcp('10.9.9.9', 'prod/web', 80)],
  },
  {
    name: 'namespaceSelector alone means every pod in matching namespaces',
    policies: [webIngress([{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } } }] }])],
    allow: [tcp('dev/client', 'prod/web', 80), tcp('dev/web', 'prod/web', 80)],
    deny: [tcp('prod/db', 'prod/web', 80), tcp('other/x', 'prod/web', 80)],
  },
  {
    name: 'namespaceSelector {} means every pod in every namespace, but not outside addresses',
    policies: [webIngress([{ from: [{ namespaceSelector: {} }] }])],
    allow: [tcp('other/x', 'prod/web', 80), tcp('prod/db', 'prod/web', 80)],
    deny: [tcp('192.168.1.1', 'prod/web', 80)],
  },
  {
    name: 'namespaceSelector by the automatic kubernetes.io/metadata.name label',
    policies: [webIngress([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } } }] }])],
    allow: [tcp('other/x', 'prod/web', 80)],
    deny: [tcp('dev/client', 'prod/web', 80)],
  },
  {
    name: 'podSelector and namespaceSelector in one peer are ANDed',
    policies: [webIngress([{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } }, podSelector: { matchLabels: { app: 'client' } } }] }])],
    allow: [tcp('dev/client', 'prod/web', 80)],
    deny: [tcp('dev/web', 'prod/web', 80), tcp('prod/db', 'prod/web', 80)],
  },
  {
    name: 'podSelector and namespaceSelector in separate peers are ORed',
    policies: [webIngress([{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } } }, { podSelector: { matchLabels: { app: 'db' } } }] }])],
    allow: [tcp('dev/web', 'prod/web', 80), tcp('prod/db', 'prod/web', 80)],
    deny: [tcp('prod/cache', 'prod/web', 80), tcp('other/x', 'prod/web', 80)],
  },
  {
    name: 'ipBlock with except',
    policies: [webIngress([{ from: [{ ipBlock: { cidr: '192.168.0.0/16', except: ['192.168.5.0/24'] } }] }])],
    allow: [tcp('192.168.1.1', 'prod/web', 80)],
    deny: [tcp('192.168.5.5', 'prod/web', 80), tcp('10.9.9.9', 'prod/web', 80)],
  },
  {
    name: 'ipBlock matches pod addresses too',
    policies: [webIngress([{ from: [{ ipBlock: { cidr: '10.0.2.0/24' } }] }])],
    allow: [tcp('dev/client', 'prod/web', 80)],
    deny: [tcp('prod/db', 'prod/web', 80)],
  },
  {
    name: 'ports: protocol defaults to TCP',
    policies: [webIngress([{ ports: [{ port: 80 }] }])],
    allow: [tcp('dev/client', 'prod/web', 80)],
    deny: [udp('dev/client', 'prod/web', 80), tcp('dev/client', 'prod/web', 81), icmp('dev/client', 'prod/web')],
  },
  {
    name: 'ports: a protocol without a port opens the whole protocol',
    policies: [webIngress([{ ports: [{ protocol: 'UDP' }, { protocol: 'TCP', port: 443 }] }])],
    allow: [udp('dev/client', 'prod/web', 1), udp('dev/client', 'prod/web', 65000), tcp('dev/client', 'prod/web', 443)],
    deny: [tcp('dev/client', 'prod/web', 80)],
  },
  {
    name: 'ports: endPort makes a range',
    policies: [webIngress([{ ports: [{ port: 8000, endPort: 8100 }] }])],
    allow: [tcp('dev/client', 'prod/web', 8000), tcp('dev/client', 'prod/web', 8100), tcp('dev/client', 'prod/web', 8050)],
    deny: [tcp('dev/client', 'prod/web', 7999), tcp('dev/client', 'prod/web', 8101)],
  },
  {
    name: 'ingress named port resolves against the destination pod',
    policies: [knp('prod', 'p', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }] }] })],
    allow: [tcp('dev/client', 'prod/web', 8080)],
    deny: [tcp('dev/client', 'prod/web', 9090), tcp('dev/client', 'prod/db', 8080), udp('dev/client', 'prod/web', 8080)],
  },
  {
    name: 'egress named port resolves against each peer',
    policies: [knp('dev', 'p', { podSelector: { matchLabels: { app: 'client' } }, egress: [{ ports: [{ port: 'http' }] }] })],
    allow: [tcp('dev/client', 'prod/web', 8080), tcp('dev/client', 'dev/web', 9090)],
    deny: [tcp('dev/client', 'prod/web', 9090), tcp('dev/client', 'dev/web', 8080), tcp('dev/client', '8.8.8.8', 8080)],
  },
  {
    name: 'peers x ports: every peer with every port',
    policies: [webIngress([{ from: [{ podSelector: { matchLabels: { app: 'db' } } }, { ipBlock: { cidr: '8.8.8.0/24' } }], ports: [{ port: 80 }, { protocol: 'UDP', port: 53 }] }])],
    allow: [tcp('prod/db', 'prod/web', 80), udp('8.8.8.8', 'prod/web', 53), udp('prod/db', 'prod/web', 53)],
    deny: [tcp('prod/db', 'prod/web', 53), tcp('prod/cache', 'prod/web', 80)],
  },
  {
    name: 'policyTypes defaults to Ingress + Egress when egress rules exist',
    policies: [knp('dev', 'p', { podSelector: { matchLabels: { app: 'client' } }, egress: [{ to: [{ ipBlock: { cidr: '8.8.8.8/32' } }] }] })],
    allow: [tcp('dev/client', '8.8.8.8', 53)],
    deny: [tcp('dev/client', 'prod/web', 80), tcp('prod/web', 'dev/client', 80)],
  },
  {
    name: 'egress: [] without policyTypes Egress leaves egress open',
    policies: [knp('dev', 'p', { podSelector: { matchLabels: { app: 'client' } }, ingress: [{}], egress: [] })],
    allow: [tcp('dev/client', 'prod/web', 80)],
    deny: [],
  },
  {
    name: 'policyTypes [Egress] with no egress rules denies all egress but leaves ingress open',
    policies: [knp('dev', 'p', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'] })],
    allow: [tcp('prod/web', 'dev/client', 80)],
    deny: [tcp('dev/client', 'prod/web', 80)],
  },
  {
    name: 'policies are unioned: any allowing policy allows',
    policies: [
      webIngress([{ from: [{ podSelector: { matchLabels: { app: 'db' } } }] }]),
      knp('prod', 'q', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'cache' } } }] }] }),
    ],
    allow: [tcp('prod/db', 'prod/web', 80), tcp('prod/cache', 'prod/web', 80)],
    deny: [tcp('dev/client', 'prod/web', 80)],
  },
  {
    name: 'traffic from a pod to itself is always allowed',
    policies: [webIngress([]), knp('prod', 'e', { podSelector: {}, policyTypes: ['Egress'] })],
    allow: [tcp('prod/web', 'prod/web', 80), tcp('prod/web', '10.0.1.1', 80)],
    deny: [tcp('prod/db', 'prod/web', 80)],
  },
  {
    name: 'a policy in another namespace does not select these pods',
    policies: [knp('dev', 'p', { podSelector: { matchLabels: { app: 'web' } } })],
    allow: [tcp('prod/db', 'prod/web', 80)],
    deny: [tcp('prod/db', 'dev/web', 80)],
  },
];

describe('felix/calc policy: Kubernetes NetworkPolicy semantics', () => {
  for (const c of cases) {
    it(c.name, () => {
      const state = { endpoints: ENDPOINTS, namespaces: NAMESPACES, policies: c.policies.map(convertPolicy) };
      for (const p of c.allow) expect(decide(state, p).verdict, `allow ${JSON.stringify(p)}`).to.equal('allow');
      for (const p of c.deny) expect(decide(state, p).verdict, `deny ${JSON.stringify(p)}`).to.equal('deny');
    });
  }

  it('gives Kubernetes policies order 1000 and names them knp:ns/name', () => {
    const p = convertPolicy(knp('prod', 'p', { podSelector: {} }));
    expect(p.order).to.equal(1000);
    expect(p.key).to.equal('knp:prod/p');
    expect(p.selector.text).to.equal('projectcalico.org/namespace == "prod"');
  });

  it('says which rule decided', () => {
    const state = { endpoints: ENDPOINTS, namespaces: NAMESPACES, policies: [convertPolicy(webIngress([{ from: [{ namespaceSelector: {} }] }]))] };
    expect(decide(state, tcp('dev/client', 'prod/web', 80)).by).to.deep.equal({ kind: 'rule', direction: 'ingress', policy: 'knp:prod/p', rule: 0, action: 'Allow' });
    expect(decide(state, tcp('8.8.8.8', 'prod/web', 80)).by).to.deep.equal({ kind: 'default-deny', direction: 'ingress' });
    expect(decide(state, tcp('prod/web', 'prod/web', 80)).by).to.deep.equal({ kind: 'self' });
  });

  describe('rejects what Kubernetes rejects, naming the field', () => {
    const bad: [string, PolicyInput, RegExp][] = [
      ['endPort with a named port', webIngress([{ ports: [{ port: 'http', endPort: 90 }] }]), /spec\.ingress\[0\]\.ports\[0\]\.endPort/],
      ['endPort below port', webIngress([{ ports: [{ port: 90, endPort: 80 }] }]), /endPort 80 is below/],
      ['ipBlock with a selector', webIngress([{ from: [{ ipBlock: { cidr: '1.2.3.0/24' }, podSelector: {} }] }]), /from\[0\]: ipBlock cannot/],
      ['a bad CIDR', webIngress([{ from: [{ ipBlock: { cidr: '1.2.3.0/33' } }] }]), /ipBlock\.cidr/],
      ['an empty peer', webIngress([{ from: [{}] }]), /needs podSelector/],
      ['In without values', knp('prod', 'p', { podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }), /spec\.podSelector\.matchExpressions\[0\]/],
      ['an unknown protocol', webIngress([{ ports: [{ protocol: 'ICMP' as 'TCP' }] }]), /is not TCP, UDP or SCTP/],
    ];
    for (const [name, policy, msg] of bad) {
      it(name, () => {
        expect(() => convertPolicy(policy)).to.throw(PolicyInvalidError, msg);
      });
    }
  });
});
