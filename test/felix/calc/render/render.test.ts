import { expect } from 'chai';
import { CalcGraph } from '../../../../felix/calc/graph/calc-graph.ts';
import { applyEvents, emptyState, type CalcState } from '../../../../felix/calc/graph/model.ts';
import { convertPolicy } from '../../../../felix/calc/policy/convert.ts';
import { decide, type Packet } from '../../../../felix/calc/policy/decide.ts';
import { endpointKey, type EndpointInput, type PolicyInput } from '../../../../felix/calc/policy/types.ts';
import { chainLines, ruleArgs } from '../../../../felix/calc/render/args.ts';
import { MAX_CHAIN_NAME, MAX_IPSET_NAME } from '../../../../felix/calc/render/names.ts';
import { render } from '../../../../felix/calc/render/render.ts';
import { ENDPOINTS, gnp, knp, NAMESPACES, np } from '../policy/world.ts';
import { Sim, type SimPacket } from './iptables-sim.ts';

function nodeState(nodeName: string, policies: PolicyInput[], endpoints: EndpointInput[] = ENDPOINTS): CalcState {
  const state = emptyState();
  const g = new CalcGraph({ nodeName, listener: (ev) => applyEvents(state, ev) });
  for (const ns of NAMESPACES) g.upsertNamespace(ns);
  for (const ep of endpoints) g.upsertEndpoint(ep);
  for (const p of policies) g.upsertPolicy(p);
  return state;
}

const SHAPES: Omit<Packet, 'src' | 'dst'>[] = [
  { protocol: 'TCP', srcPort: 40000, dstPort: 80 },
  { protocol: 'TCP', srcPort: 40000, dstPort: 443 },
  { protocol: 'TCP', srcPort: 40000, dstPort: 5432 },
  { protocol: 'TCP', srcPort: 40000, dstPort: 8005 },
  { protocol: 'TCP', srcPort: 40000, dstPort: 8080 },
  { protocol: 'TCP', srcPort: 40000, dstPort: 8100 },
  { protocol: 'TCP', srcPort: 40000, dstPort: 9090 },
  { protocol: 'UDP', srcPort: 53, dstPort: 53 },
  { protocol: 'ICMP', icmpType: 8, icmpCode: 0 },
  { protocol: 'ICMP', icmpType: 0, icmpCode: 0 },
];
const EXTERNAL = ['192.168.1.1', '192.168.5.5', '8.8.8.8'];

const SCENARIOS: [string, PolicyInput[]][] = [
  ['no policy', []],
  [
    'Kubernetes named ports, a reef policy with order, a global egress Deny and Pass',
    [
      knp('prod', 'web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } } }], ports: [{ port: 'http' }] }] }),
      np('prod', 'db', { order: 10, selector: 'app == "db"', ingress: [{ action: 'Allow', source: { selector: 'app == "web"' } }] }),
      gnp('deny-ext', { order: 1, selector: 'app == "client"', types: ['Egress'], egress: [{ action: 'Deny', destination: { nets: ['8.8.8.8/32'] } }, { action: 'Allow' }] }),
      gnp('pass', { order: 2, selector: 'app == "web"', types: ['Egress'], egress: [{ action: 'Pass', protocol: 'UDP' }, { action: 'Allow' }] }),
    ],
  ],
  [
    'Kubernetes ipBlock except, AND/OR peers, endPort, UDP and egress named ports',
    [
      knp('prod', 'web', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [
          { from: [{ ipBlock: { cidr: '192.168.0.0/16', except: ['192.168.5.0/24'] } }, { namespaceSelector: { matchLabels: { team: 'b' } }, podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 8000, endPort: 8050 }, { protocol: 'UDP', port: 53 }] },
          { from: [{ podSelector: { matchLabels: { tier: 'be' } } }] },
        ],
      }),
      knp('dev', 'client', { podSelector: { matchLabels: { app: 'client' } }, egress: [{ ports: [{ port: 'http' }] }, { to: [{ namespaceSelector: {} }], ports: [{ protocol: 'UDP' }] }] }),
      knp('other', 'iso', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    ],
  ],
  [
    'reef rules: Deny before Allow, Log, notProtocol, icmp, notICMP, nets, notNets, notPorts, notSelector',
    [
      gnp('first', { order: 1, selector: 'has(app)', ingress: [{ action: 'Log', protocol: 'TCP', destination: { ports: [80, 'http'] } }, { action: 'Deny', source: { nets: ['192.168.5.0/24', '8.8.8.8/32'] } }] }),
      np('prod', 'web', {
        order: 5,
        selector: 'app == "web"',
        ingress: [
          { action: 'Allow', protocol: 'ICMP', icmp: { type: 8, code: 0 } },
          { action: 'Deny', protocol: 'ICMP', notICMP: { type: 8 } },
          { action: 'Allow', protocol: 'TCP', source: { namespaceSelector: 'all()', notSelector: 'app == "client"' }, destination: { ports: ['8000:8100'], notPorts: [8005] } },
          { action: 'Allow', notProtocol: 'TCP', source: { nets: ['192.168.0.0/16'], notNets: ['192.168.5.0/24'] } },
        ],
      }),
      gnp('db', { order: 7, namespaceSelector: 'env == "prod"', selector: 'tier == "be"', ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['pg', 443] } }], egress: [{ action: 'Allow', destination: { selector: 'app == "web"' } }], types: ['Ingress', 'Egress'] }),
    ],
  ],
  [
    'long port lists split across multiport rules, with a Log that logs once',
    [
      gnp('many', {
        selector: 'all()',
        ingress: [
          { action: 'Log', protocol: 'TCP', destination: { ports: [1, 2, 3, 4, 5, 6, 7, '10:20', '30:40', '50:60', '70:79', 8080, 'pg'] } },
          { action: 'Allow', protocol: 'TCP', destination: { ports: [1, 2, 3, 4, 5, 6, 7, '10:20', '30:40', '50:60', '70:79', 80, 8005, 'pg'] } },
        ],
      }),
    ],
  ],
];

describe('felix/calc render', () => {
  describe('agrees with the reference evaluator when the rendered chains are run', () => {
    for (const [name, policies] of SCENARIOS) {
      it(name, () => {
        const oracle = { endpoints: ENDPOINTS, namespaces: NAMESPACES, policies: policies.map(convertPolicy) };
        const sims = new Map(['n1', 'n2'].map((n) => {
          const r = render(nodeState(n, policies), { family: 4 });
          return [n, new Sim(r.tables.filter, r.ipsets)];
        }));
        const byKey = new Map(ENDPOINTS.map((e) => [endpointKey(e), e]));
        const peers = [...byKey.keys(), ...EXTERNAL];
        let checked = 0;
        for (const src of peers) {
          for (const dst of peers) {
            const s = byKey.get(src);
            const d = byKey.get(dst);
            if (!s && !d) continue;
            for (const shape of SHAPES) {
              const pkt: Packet = { ...shape, src: s ? { endpoint: src } : { ip: src }, dst: d ? { endpoint: dst } : { ip: dst } };
              const want = decide(oracle, pkt).verdict;
              const base: Omit<SimPacket, 'inIface' | 'outIface'> = {
                srcIp: s ? s.ips[0]!.split('/')[0]! : src,
                dstIp: d ? d.ips[0]!.split('/')[0]! : dst,
                proto: String(shape.protocol).toLowerCase(),
                ...(shape.srcPort !== undefined ? { srcPort: shape.srcPort, dstPort: shape.dstPort! } : {}),
                ...(shape.icmpType !== undefined ? { icmpType: shape.icmpType, icmpCode: shape.icmpCode! } : {}),
                ctstate: 'NEW',
              };
              // Traffic to itself never leaves the pod; otherwise each node on the path filters it.
              const hops: { node: string; inIface: string; outIface: string }[] = [];
              if (s && d && s === d) hops.length = 0;
              else if (s && d && s.node === d.node) hops.push({ node: s.node, inIface: s.interfaceName, outIface: d.interfaceName });
              else {
                if (s) hops.push({ node: s.node, inIface: s.interfaceName, outIface: 'eth0' });
                if (d) hops.push({ node: d.node, inIface: 'eth0', outIface: d.interfaceName });
              }
              const got = hops.every((h) => sims.get(h.node)!.run('reef-FORWARD', { ...base, inIface: h.inIface, outIface: h.outIface }).verdict !== 'DROP') ? 'allow' : 'deny';
              expect(got, `${src} -> ${dst} ${JSON.stringify(shape)}`).to.equal(want);
              checked++;
            }
          }
        }
        expect(checked).to.be.greaterThan(400);
      });
    }
  });

  describe('structure', () => {
    const policies = SCENARIOS[3]![1];
    const rendered = render(nodeState('n1', policies), { family: 4 });

    it('keeps chain names within 28 characters and ipset names within 31', () => {
      for (const c of rendered.tables.filter) expect(c.name.length, c.name).to.be.at.most(MAX_CHAIN_NAME);
      for (const s of rendered.ipsets) expect(s.name.length, s.name).to.be.at.most(MAX_IPSET_NAME);
      expect(rendered.ipsets.map((s) => s.name).every((n) => /^reef-[scn]4-/.test(n))).to.equal(true);
    });

    it('marks every rule with a reef:<hash> comment, equal within a chain exactly when the rules are', () => {
      for (const c of rendered.tables.filter) {
        for (const r of c.rules) expect(ruleArgs(r).join(' ')).to.include(`-m comment --comment reef:${r.hash}`);
        for (const a of c.rules) for (const b of c.rules) expect(a.hash === b.hash).to.equal(a.text === b.text);
      }
    });

    it('renders the same state to the same rules', () => {
      expect(render(nodeState('n1', policies), { family: 4 })).to.deep.equal(rendered);
    });

    it('uses hash:ip,port sets for named ports and matches them on dst,dst', () => {
      const named = rendered.ipsets.filter((s) => s.type === 'hash:ip,port');
      expect(named.length).to.be.greaterThan(0);
      expect(named.flatMap((s) => s.members)).to.include('10.0.1.2,tcp:5432');
      const lines = rendered.tables.filter.flatMap(chainLines);
      expect(lines.some((l) => / -m set --match-set reef-n4-\S+ dst,dst /.test(l))).to.equal(true);
      expect(lines.some((l) => / -m multiport ! --dports 8005 /.test(l))).to.equal(true);
      expect(lines.some((l) => / -m icmp --icmp-type 8\/0 /.test(l))).to.equal(true);
      expect(lines.some((l) => / ! -p tcp /.test(l))).to.equal(true);
    });

    it('ends an endpoint chain with a DROP only when a policy applies in that direction', () => {
      const tw = rendered.tables.filter.find((c) => c.name === 'reef-tw-reef0a1')!;
      expect(tw.rules.at(-1)!.action).to.deep.equal({ kind: 'DROP' });
      const fw = rendered.tables.filter.find((c) => c.name === 'reef-fw-reef0a1')!;
      expect(fw.rules).to.deep.equal([]);
    });

    it('drops traffic from a workload interface reef does not know', () => {
      const sim = new Sim(rendered.tables.filter, rendered.ipsets);
      const p: SimPacket = { srcIp: '10.9.9.9', dstIp: '8.8.8.8', proto: 'tcp', srcPort: 1, dstPort: 2, inIface: 'reef0ffffff', outIface: 'eth0', ctstate: 'NEW' };
      expect(sim.run('reef-FORWARD', p).verdict).to.equal('DROP');
      expect(sim.run('reef-FORWARD', { ...p, inIface: 'eth0', outIface: 'reef0ffffff' }).verdict).to.equal('DROP');
      expect(sim.run('reef-FORWARD', { ...p, ctstate: 'ESTABLISHED' }).verdict).to.equal('ACCEPT');
    });

    it('logs a multi-fragment Log rule once', () => {
      const r = render(nodeState('n1', SCENARIOS[4]![1]), { family: 4 });
      const sim = new Sim(r.tables.filter, r.ipsets);
      // Port 5432 is both the named port pg on prod/db and outside the ranges: one fragment matches.
      const res = sim.run('reef-FORWARD', { srcIp: '8.8.8.8', dstIp: '10.0.1.2', proto: 'tcp', srcPort: 1, dstPort: 5432, inIface: 'eth0', outIface: 'reef0a2', ctstate: 'NEW' });
      expect(res.logged).to.have.length(1);
      expect(res.verdict).to.equal('ACCEPT');
    });

    it('renders IPv6 from the same state with inet6 sets and v6 members only', () => {
      const eps = ENDPOINTS.map((e) => (e.name === 'db' ? { ...e, ips: [...e.ips, 'fd00::2'] } : e));
      const r6 = render(nodeState('n1', policies, eps), { family: 6 });
      expect(r6.ipsets.every((s) => s.family === 'inet6' && /^reef-[scn]6-/.test(s.name))).to.equal(true);
      expect(r6.ipsets.flatMap((s) => s.members)).to.include('fd00::2,tcp:5432');
      expect(r6.ipsets.flatMap((s) => s.members).some((m) => m.startsWith('10.'))).to.equal(false);
      // ICMP (v4) rules are left out of the v6 chains.
      expect(r6.tables.filter.flatMap(chainLines).some((l) => l.includes('-p icmp '))).to.equal(false);
    });

    it('writes iptables-restore lines', () => {
      const fwd = rendered.tables.filter.find((c) => c.name === 'reef-FORWARD')!;
      const lines = chainLines(fwd);
      expect(lines[0]).to.match(/^-A reef-FORWARD -i reef\+ -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment reef:[A-Za-z0-9_-]{16} -j ACCEPT$/);
    });
  });
});
