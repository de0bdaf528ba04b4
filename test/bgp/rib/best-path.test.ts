import { expect } from 'chai';
import { AS_PATH_SEGMENT, ORIGIN } from '../../../bgp/wire/types.ts';
import type { PathAttributes } from '../../../bgp/wire/types.ts';
import { REASON } from '../../../bgp/rib/best-path.ts';
import type { BestPathReason } from '../../../bgp/rib/best-path.ts';
import { bestPaths } from '../../../bgp/rib/rib.ts';
import { LOCAL_AS, P, announce, attrs, makeRib, peer, seq } from './helpers.ts';

interface Contender {
  readonly address: string;
  readonly asn: number;
  readonly routerId: string;
  readonly attrs: PathAttributes;
}

interface Case {
  readonly name: string;
  readonly a: Contender;
  readonly b: Contender;
  readonly winner: 'a' | 'b';
  readonly reason: BestPathReason;
  readonly alwaysCompareMed?: boolean;
}

const ibgp = (address: string, routerId: string, a: Partial<PathAttributes>): Contender => ({ address, asn: LOCAL_AS, routerId, attrs: attrs({ asPath: seq(65001), ...a }) });
const ebgp = (address: string, asn: number, routerId: string, a: Partial<PathAttributes>): Contender => ({ address, asn, routerId, attrs: attrs({ asPath: seq(asn), ...a }) });

const cases: Case[] = [
  { name: 'prefers the higher LOCAL_PREF', a: ibgp('10.1.0.1', '1.1.1.1', { localPref: 100 }), b: ibgp('10.1.0.2', '2.2.2.2', { localPref: 200 }), winner: 'b', reason: REASON.LOCAL_PREF },
  { name: 'treats a missing LOCAL_PREF as 100', a: ibgp('10.1.0.1', '1.1.1.1', {}), b: ibgp('10.1.0.2', '2.2.2.2', { localPref: 99 }), winner: 'a', reason: REASON.LOCAL_PREF },
  { name: 'ignores LOCAL_PREF sent by an eBGP peer', a: ebgp('10.1.0.1', 65001, '1.1.1.1', { localPref: 500, asPath: seq(65001, 7) }), b: ebgp('10.1.0.2', 65002, '2.2.2.2', { asPath: seq(65002) }), winner: 'b', reason: REASON.AS_PATH },
  { name: 'prefers the shorter AS_PATH', a: ibgp('10.1.0.1', '1.1.1.1', { asPath: seq(1, 2, 3) }), b: ibgp('10.1.0.2', '2.2.2.2', { asPath: seq(1, 2) }), winner: 'b', reason: REASON.AS_PATH },
  {
    name: 'counts an AS_SET as one',
    a: ibgp('10.1.0.1', '1.1.1.1', { asPath: [{ type: AS_PATH_SEGMENT.AS_SEQUENCE, asns: [1] }, { type: AS_PATH_SEGMENT.AS_SET, asns: [5, 6, 7] }] }),
    b: ibgp('10.1.0.2', '2.2.2.2', { asPath: seq(1, 2, 3) }),
    winner: 'a',
    reason: REASON.AS_PATH,
  },
  {
    name: 'does not count confederation segments',
    a: ibgp('10.1.0.2', '2.2.2.2', { asPath: [{ type: AS_PATH_SEGMENT.AS_CONFED_SEQUENCE, asns: [9, 9, 9] }, { type: AS_PATH_SEGMENT.AS_SEQUENCE, asns: [1] }] }),
    b: ibgp('10.1.0.1', '1.1.1.1', { asPath: seq(1, 2) }),
    winner: 'a',
    reason: REASON.AS_PATH,
  },
  { name: 'prefers the lower ORIGIN', a: ibgp('10.1.0.1', '1.1.1.1', { origin: ORIGIN.INCOMPLETE }), b: ibgp('10.1.0.2', '2.2.2.2', { origin: ORIGIN.EGP }), winner: 'b', reason: REASON.ORIGIN },
  { name: 'prefers the lower MED from the same neighbour AS', a: ibgp('10.1.0.1', '1.1.1.1', { med: 20 }), b: ibgp('10.1.0.2', '2.2.2.2', { med: 10 }), winner: 'b', reason: REASON.MED },
  { name: 'treats a missing MED as 0', a: ibgp('10.1.0.2', '2.2.2.2', {}), b: ibgp('10.1.0.1', '1.1.1.1', { med: 1 }), winner: 'a', reason: REASON.MED },
  {
    name: 'does not compare MED across neighbour ASes',
    a: ibgp('10.1.0.1', '1.1.1.1', { asPath: seq(65001), med: 50 }),
    b: ibgp('10.1.0.2', '2.2.2.2', { asPath: seq(65002), med: 10 }),
    winner: 'a',
    reason: REASON.ROUTER_ID,
  },
  {
    name: 'compares MED across neighbour ASes with always-compare-med',
    a: ibgp('10.1.0.1', '1.1.1.1', { asPath: seq(65001), med: 50 }),
    b: ibgp('10.1.0.2', '2.2.2.2', { asPath: seq(65002), med: 10 }),
    winner: 'b',
    reason: REASON.MED,
    alwaysCompareMed: true,
  },
  { name: 'prefers eBGP over iBGP', a: ibgp('10.1.0.1', '1.1.1.1', { asPath: seq(65001) }), b: ebgp('10.1.0.2', 65001, '2.2.2.2', {}), winner: 'b', reason: REASON.EBGP },
  { name: 'prefers the lower router ID', a: ibgp('10.1.0.1', '3.3.3.3', {}), b: ibgp('10.1.0.2', '2.2.2.2', {}), winner: 'b', reason: REASON.ROUTER_ID },
  { name: 'uses ORIGINATOR_ID as the router ID', a: ibgp('10.1.0.1', '1.1.1.1', { originatorId: '9.9.9.9' }), b: ibgp('10.1.0.2', '2.2.2.2', {}), winner: 'b', reason: REASON.ROUTER_ID },
  {
    name: 'prefers the shorter CLUSTER_LIST',
    a: ibgp('10.1.0.1', '1.1.1.1', { originatorId: '5.5.5.5', clusterList: ['7.7.7.7', '8.8.8.8'] }),
    b: ibgp('10.1.0.2', '2.2.2.2', { originatorId: '5.5.5.5', clusterList: ['7.7.7.7'] }),
    winner: 'b',
    reason: REASON.CLUSTER_LIST,
  },
  {
    name: 'prefers the lower peer address last',
    a: ibgp('10.1.0.9', '2.2.2.2', { originatorId: '5.5.5.5' }),
    b: ibgp('10.1.0.10', '1.1.1.1', { originatorId: '5.5.5.5' }),
    winner: 'a',
    reason: REASON.PEER_ADDRESS,
  },
];

describe('the decision process', () => {
  for (const c of cases) {
    for (const order of ['a first', 'b first'] as const) {
      it(`${c.name} (${order})`, () => {
        const rib = makeRib({ alwaysCompareMed: c.alwaysCompareMed ?? false });
        const pa = peer(rib, c.a.address, c.a.asn, c.a.routerId);
        const pb = peer(rib, c.b.address, c.b.asn, c.b.routerId);
        const steps = order === 'a first' ? ([[pa, c.a], [pb, c.b]] as const) : ([[pb, c.b], [pa, c.a]] as const);
        for (const [p, contender] of steps) announce(rib, p, contender.attrs, '203.0.113.0/24');
        const d = rib.explain(P('203.0.113.0/24'));
        expect(d.best?.peer).to.equal(c.winner === 'a' ? pa : pb);
        expect(d.reason).to.equal(c.reason);
      });
    }
  }

  it('prefers a locally originated path', () => {
    const rib = makeRib();
    const p = peer(rib, '10.1.0.1', LOCAL_AS, '1.1.1.1');
    announce(rib, p, attrs({ localPref: 100, asPath: seq() }), '203.0.113.0/24');
    rib.originate(P('203.0.113.0/24'));
    const d = rib.explain(P('203.0.113.0/24'));
    expect(d.best?.peer).to.equal(rib.localPeer);
    expect(d.reason).to.equal(REASON.LOCAL_ORIGIN);
  });

  describe('with multipath', () => {
    const setup = (relax: boolean) => {
      const rib = makeRib({ maxPaths: 2, multipathRelax: relax });
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      const b = peer(rib, '10.1.0.2', 65001, '2.2.2.2');
      const c = peer(rib, '10.1.0.3', 65002, '3.3.3.3');
      const i = peer(rib, '10.1.0.4', LOCAL_AS, '0.0.0.4');
      announce(rib, a, attrs({ asPath: seq(65001, 9), nextHop: '10.1.0.1' }), '198.51.100.0/24');
      announce(rib, c, attrs({ asPath: seq(65002, 9), nextHop: '10.1.0.3' }), '198.51.100.0/24');
      announce(rib, b, attrs({ asPath: seq(65001, 8), nextHop: '10.1.0.2' }), '198.51.100.0/24');
      announce(rib, i, attrs({ asPath: seq(65003, 9), nextHop: '10.1.0.4' }), '198.51.100.0/24');
      return { rib, a, b, c };
    };

    it('groups paths equal through the eBGP/iBGP step from the same neighbour AS, up to max paths', () => {
      const { rib, a, b } = setup(false);
      expect(bestPaths(rib.best(P('198.51.100.0/24'))).map((p) => p.peer)).to.deep.equal([a, b]);
    });

    it('mixes neighbour ASes when relaxed, still capped at max paths, best first', () => {
      const { rib, a, b } = setup(true);
      expect(bestPaths(rib.best(P('198.51.100.0/24'))).map((p) => p.peer)).to.deep.equal([a, b]);
      expect(rib.explain(P('198.51.100.0/24')).multipath).to.have.length(2);
    });

    it('relaxed, with room for three, takes the other AS too', () => {
      const rib = makeRib({ maxPaths: 4, multipathRelax: true });
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      const c = peer(rib, '10.1.0.3', 65002, '3.3.3.3');
      announce(rib, c, attrs({ asPath: seq(65002, 9) }), '198.51.100.0/24');
      announce(rib, a, attrs({ asPath: seq(65001, 9) }), '198.51.100.0/24');
      expect(bestPaths(rib.best(P('198.51.100.0/24'))).map((p) => p.peer)).to.deep.equal([a, c]);
    });
  });
});
