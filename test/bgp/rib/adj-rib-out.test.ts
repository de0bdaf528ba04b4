import { expect } from 'chai';
import { AdjRibOut } from '../../../bgp/rib/adj-rib-out.ts';
import type { OutUpdate } from '../../../bgp/rib/adj-rib-out.ts';
import { prependAs } from '../../../bgp/rib/export.ts';
import { REJECT } from '../../../bgp/rib/policy.ts';
import type { RibPeer } from '../../../bgp/rib/peer.ts';
import { formatKey } from '../../../bgp/rib/prefix-key.ts';
import type { Rib } from '../../../bgp/rib/rib.ts';
import { AS_PATH_SEGMENT } from '../../../bgp/wire/types.ts';
import type { PathAttributes } from '../../../bgp/wire/types.ts';
import { LOCAL_AS, P, announce, attrs, makeRib, peer, seq } from './helpers.ts';

function drain(out: AdjRibOut, max = 1000): OutUpdate[] {
  const msgs: OutUpdate[] = [];
  for (let m = out.next(max); m !== null; m = out.next(max)) msgs.push(m);
  return msgs;
}

function sentAttrs(rib: Rib, to: RibPeer, prefix: string): PathAttributes | undefined {
  const out = new AdjRibOut(rib, to);
  out.start();
  drain(out);
  return out.advertised(P(prefix))?.attrs;
}

describe('the Adj-RIB-Out', () => {
  describe('export rules', () => {
    const topology = () => {
      const rib = makeRib({ clusterId: '10.0.0.99' });
      const ebgpA = peer(rib, '10.1.0.1', 65001, '1.1.1.1', { localAddress: '10.1.0.254' });
      const ebgpB = peer(rib, '10.1.0.2', 65002, '2.2.2.2', { localAddress: '10.1.0.253' });
      const client = peer(rib, '10.2.0.1', LOCAL_AS, '3.3.3.3', { rrClient: true, localAddress: '10.2.0.254' });
      const client2 = peer(rib, '10.2.0.2', LOCAL_AS, '3.3.3.4', { rrClient: true, localAddress: '10.2.0.254' });
      const nonClient = peer(rib, '10.2.0.3', LOCAL_AS, '4.4.4.4', { localAddress: '10.2.0.254' });
      const nonClient2 = peer(rib, '10.2.0.4', LOCAL_AS, '4.4.4.5', { localAddress: '10.2.0.254', nextHopSelf: true });
      announce(rib, ebgpA, attrs({ asPath: seq(65001, 7), nextHop: '10.1.0.1', med: 50 }), '10.10.0.0/16');
      announce(rib, client, attrs({ asPath: seq(), nextHop: '10.2.0.1', localPref: 150 }), '10.20.0.0/16');
      announce(rib, nonClient, attrs({ asPath: seq(), nextHop: '10.2.0.3' }), '10.30.0.0/16');
      rib.originate(P('10.244.1.0/26'), { med: 10 });
      return { rib, ebgpA, ebgpB, client, client2, nonClient, nonClient2 };
    };

    it('towards eBGP: prepends our AS, sets next hop self, drops LOCAL_PREF and a foreign MED', () => {
      const t = topology();
      const a = sentAttrs(t.rib, t.ebgpB, '10.10.0.0/16')!;
      expect(a.asPath).to.deep.equal(seq(LOCAL_AS, 65001, 7));
      expect(a.nextHop).to.equal('10.1.0.253');
      expect(a.localPref).to.equal(undefined);
      expect(a.med).to.equal(undefined);
    });

    it('towards eBGP: keeps the MED of our own routes and strips RR attributes', () => {
      const t = topology();
      const own = sentAttrs(t.rib, t.ebgpB, '10.244.1.0/26')!;
      expect(own.med).to.equal(10);
      expect(own.asPath).to.deep.equal(seq(LOCAL_AS));
      const reflected = sentAttrs(t.rib, t.ebgpB, '10.20.0.0/16')!;
      expect(reflected.originatorId).to.equal(undefined);
      expect(reflected.clusterList).to.equal(undefined);
    });

    it('towards eBGP with keepOriginalNextHop: the next hop passes unchanged', () => {
      const t = topology();
      const keep = peer(t.rib, '10.1.0.5', 65005, '5.5.5.5', { localAddress: '10.1.0.250', keepOriginalNextHop: true });
      expect(sentAttrs(t.rib, keep, '10.10.0.0/16')!.nextHop).to.equal('10.1.0.1');
    });

    it('never sends a route back to the peer it came from', () => {
      const t = topology();
      expect(sentAttrs(t.rib, t.ebgpA, '10.10.0.0/16')).to.equal(undefined);
    });

    it('towards iBGP: keeps the eBGP next hop, includes LOCAL_PREF; next-hop-self rewrites it', () => {
      const t = topology();
      const a = sentAttrs(t.rib, t.nonClient, '10.10.0.0/16')!;
      expect(a.nextHop).to.equal('10.1.0.1');
      expect(a.localPref).to.equal(100);
      expect(a.asPath).to.deep.equal(seq(65001, 7));
      expect(sentAttrs(t.rib, t.nonClient2, '10.10.0.0/16')!.nextHop).to.equal('10.2.0.254');
    });

    it('reflects a client’s route to clients and non-clients with ORIGINATOR_ID and our cluster ID', () => {
      const t = topology();
      for (const to of [t.client2, t.nonClient]) {
        const a = sentAttrs(t.rib, to, '10.20.0.0/16')!;
        expect(a.originatorId).to.equal('3.3.3.3');
        expect(a.clusterList).to.deep.equal(['10.0.0.99']);
        expect(a.nextHop).to.equal('10.2.0.1');
        expect(a.localPref).to.equal(150);
      }
    });

    it('reflects a non-client’s route to clients only', () => {
      const t = topology();
      expect(sentAttrs(t.rib, t.client, '10.30.0.0/16')).to.not.equal(undefined);
      expect(sentAttrs(t.rib, t.nonClient2, '10.30.0.0/16')).to.equal(undefined);
    });

    it('does not pass iBGP routes between iBGP peers when nobody is a client', () => {
      const rib = makeRib();
      const i1 = peer(rib, '10.2.0.1', LOCAL_AS, '3.3.3.3');
      const i2 = peer(rib, '10.2.0.2', LOCAL_AS, '3.3.3.4');
      announce(rib, i1, attrs(), '10.20.0.0/16');
      expect(sentAttrs(rib, i2, '10.20.0.0/16')).to.equal(undefined);
    });

    it('prepends into a new segment when the first one is full or a set', () => {
      const full = Array.from({ length: 255 }, (_, i) => i + 1);
      expect(prependAs([{ type: AS_PATH_SEGMENT.AS_SEQUENCE, asns: full }], 9)[0]).to.deep.equal({ type: AS_PATH_SEGMENT.AS_SEQUENCE, asns: [9] });
      expect(prependAs([{ type: AS_PATH_SEGMENT.AS_SET, asns: [1, 2] }], 9)).to.have.length(2);
    });
  });

  describe('buckets and pulling', () => {
    it('groups prefixes that share outgoing attributes into one UPDATE, withdrawals first', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      const b = peer(rib, '10.1.0.2', 65002, '2.2.2.2', { localAddress: '10.1.0.254' });
      const out = new AdjRibOut(rib, b);
      out.start();
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24');
      announce(rib, a, attrs({ asPath: seq(65001, 5) }), '10.0.3.0/24');
      rib.flush();
      const first = drain(out);
      expect(first.map((m) => [m.kind, m.prefixes.length])).to.deep.equal([
        ['announce', 3],
        ['announce', 1],
      ]);
      expect(b.counters.advertised).to.equal(4);
      rib.withdraw(a, [P('10.0.0.0/24'), P('10.0.1.0/24')]);
      announce(rib, a, attrs({ asPath: seq(65001, 6) }), '10.0.2.0/24');
      rib.flush();
      const second = drain(out);
      expect(second[0]).to.deep.include({ kind: 'withdraw' });
      expect(second[0]!.prefixes.map(formatKey)).to.deep.equal(['10.0.0.0/24', '10.0.1.0/24']);
      expect(second).to.have.length(2);
      expect(b.counters.advertised).to.equal(2);
    });

    it('sends nothing when a change is undone before the session pulls', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      const b = peer(rib, '10.1.0.2', 65002, '2.2.2.2');
      const out = new AdjRibOut(rib, b);
      out.start();
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24');
      rib.flush();
      drain(out);
      announce(rib, a, attrs({ asPath: seq(65001, 9) }), '10.0.0.0/24');
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24');
      rib.flush();
      expect(drain(out)).to.deep.equal([]);
      rib.withdraw(a, [P('10.0.0.0/24')]);
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24');
      rib.flush();
      expect(drain(out)).to.deep.equal([]);
    });

    it('respects the per-message prefix cap and tells the session when work appears', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      const b = peer(rib, '10.1.0.2', 65002, '2.2.2.2');
      const out = new AdjRibOut(rib, b);
      let wakeups = 0;
      out.onPending = () => wakeups++;
      out.start();
      announce(rib, a, attrs({ asPath: seq(65001) }), ...Array.from({ length: 10 }, (_, i) => `10.0.${i}.0/24`));
      rib.flush();
      expect(wakeups).to.equal(1);
      expect(drain(out, 4).map((m) => m.prefixes.length)).to.deep.equal([4, 4, 2]);
    });

    it('resync after an export policy change: withdraws what is no longer exported, announces what now is, leaves the rest', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      const deny = (p: string) => (k: Parameters<typeof formatKey>[0]) => (formatKey(k) === p ? REJECT : 'accept');
      const b = peer(rib, '10.1.0.2', 65002, '2.2.2.2', { localAddress: '10.1.0.254', exportPolicy: deny('10.0.1.0/24') });
      const out = new AdjRibOut(rib, b);
      out.start();
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24');
      rib.flush();
      drain(out);
      expect(b.counters.advertised).to.equal(2);

      rib.reconfigure(b, { ...b.config, exportPolicy: deny('10.0.2.0/24') });
      out.resync();
      const msgs = drain(out);
      expect(msgs.map((m) => [m.kind, m.prefixes.map(formatKey)])).to.deep.equal([
        ['withdraw', ['10.0.2.0/24']],
        ['announce', ['10.0.1.0/24']],
      ]);
      expect(b.counters.advertised).to.equal(2);
      expect(out.advertised(P('10.0.2.0/24'))).to.equal(undefined);
      out.resync();
      expect(drain(out), 'nothing changed since').to.deep.equal([]);
    });

    it('resync after a next-hop setting change re-announces with the new next hop', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      const b = peer(rib, '10.1.0.2', 65002, '2.2.2.2', { localAddress: '10.1.0.254' });
      const out = new AdjRibOut(rib, b);
      out.start();
      announce(rib, a, attrs({ asPath: seq(65001), nextHop: '10.1.0.1' }), '10.0.0.0/24');
      rib.flush();
      drain(out);
      expect(out.advertised(P('10.0.0.0/24'))?.attrs.nextHop).to.equal('10.1.0.254');
      rib.reconfigure(b, { ...b.config, keepOriginalNextHop: true });
      out.resync();
      expect(drain(out).map((m) => m.kind)).to.deep.equal(['announce']);
      expect(out.advertised(P('10.0.0.0/24'))?.attrs.nextHop).to.equal('10.1.0.1');
    });

    it('a ROUTE-REFRESH replay (resync all) re-sends everything and withdraws what the peer should no longer have', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      const b = peer(rib, '10.1.0.2', 65002, '2.2.2.2');
      const out = new AdjRibOut(rib, b);
      out.start();
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24', '10.0.1.0/24');
      rib.flush();
      drain(out);
      rib.reconfigure(b, { ...b.config, exportPolicy: (k) => (formatKey(k) === '10.0.1.0/24' ? REJECT : 'accept') });
      out.resync(true);
      expect(drain(out).map((m) => [m.kind, m.prefixes.map(formatKey)])).to.deep.equal([
        ['withdraw', ['10.0.1.0/24']],
        ['announce', ['10.0.0.0/24']],
      ]);
    });

    it('applies the export policy', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      const b = peer(rib, '10.1.0.2', 65002, '2.2.2.2', { exportPolicy: (k) => (formatKey(k) === '10.0.1.0/24' ? REJECT : 'accept') });
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24', '10.0.1.0/24');
      expect(sentAttrs(rib, b, '10.0.0.0/24')).to.not.equal(undefined);
      expect(sentAttrs(rib, b, '10.0.1.0/24')).to.equal(undefined);
    });
  });
});
