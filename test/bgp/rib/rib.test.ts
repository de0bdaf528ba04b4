import { expect } from 'chai';
import type { ChangeBatch } from '../../../bgp/rib/rib.ts';
import { bestPaths } from '../../../bgp/rib/rib.ts';
import { PrefixList, REJECT, chain, rewrite } from '../../../bgp/rib/policy.ts';
import { REJECTED } from '../../../bgp/rib/path.ts';
import { PeerIdentityError } from '../../../bgp/rib/peer.ts';
import { formatKey, v4Key } from '../../../bgp/rib/prefix-key.ts';
import { LOCAL_AS, P, announce, attrs, makeRib, peer, seq } from './helpers.ts';

function collect(rib: ReturnType<typeof makeRib>): Map<string, string[] | null> {
  const seen = new Map<string, string[] | null>();
  rib.subscribe((b: ChangeBatch) => {
    b.keys.forEach((k, i) => seen.set(formatKey(k), b.best[i] === null ? null : bestPaths(b.best[i]!).map((p) => p.peer.address)));
  });
  return seen;
}

describe('the RIB', () => {
  describe('announcements and withdrawals', () => {
    it('emits best-path changes only on flush, as one batch', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      const batches: number[] = [];
      rib.subscribe((b) => batches.push(b.keys.length));
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24', '10.0.1.0/24');
      announce(rib, a, attrs({ asPath: seq(65001, 2) }), '10.0.2.0/24');
      expect(batches).to.deep.equal([]);
      rib.flush();
      expect(batches).to.deep.equal([3]);
      rib.flush();
      expect(batches).to.deep.equal([3]);
    });

    it('hands over a burst larger than the change queue keeps, with each key and its best, and counts without subscribers', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      const keys = Array.from({ length: 70_000 }, (_, i) => v4Key((0x0b000000 + i * 256) >>> 0, 24));
      rib.announce(a, rib.attrs.internAttrs(attrs({ asPath: seq(65001) })), keys);
      expect(rib.pendingChanges).to.equal(70_000);
      rib.flush();
      const seen = new Map<number, string>();
      rib.subscribe((b) => b.keys.forEach((k, i) => seen.set(k as number, bestPaths(b.best[i]!)[0]!.peer.address)));
      rib.announce(a, rib.attrs.internAttrs(attrs({ asPath: seq(65001, 7) })), keys);
      rib.announce(a, rib.attrs.internAttrs(attrs({ asPath: seq(65001, 8) })), keys.slice(0, 10));
      rib.flush();
      expect(seen.size).to.equal(70_000);
      expect([...seen.keys()].sort((x, y) => x - y)).to.deep.equal(keys);
      expect(new Set(seen.values())).to.deep.equal(new Set(['10.1.0.1']));
    });

    it('reports no change when a non-best path arrives, and the fallback when the best is withdrawn', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      const b = peer(rib, '10.1.0.2', 65002, '2.2.2.2');
      const seen = collect(rib);
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24');
      rib.flush();
      seen.clear();
      announce(rib, b, attrs({ asPath: seq(65002, 1) }), '10.0.0.0/24');
      rib.flush();
      expect(seen.size).to.equal(0);
      rib.withdraw(a, [P('10.0.0.0/24')]);
      rib.flush();
      expect(seen.get('10.0.0.0/24')).to.deep.equal(['10.1.0.2']);
      rib.withdraw(b, [P('10.0.0.0/24')]);
      rib.flush();
      expect(seen.get('10.0.0.0/24')).to.equal(null);
      expect(rib.size).to.equal(0);
    });

    it('replaces a peer’s path on re-announcement (implicit withdraw) and counts prefixes once', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      announce(rib, a, attrs({ asPath: seq(65001), med: 1 }), '10.0.0.0/24');
      announce(rib, a, attrs({ asPath: seq(65001), med: 2 }), '10.0.0.0/24');
      expect(rib.paths(P('10.0.0.0/24'))).to.have.length(1);
      expect((rib.best(P('10.0.0.0/24')) as { attrs: { attrs: { med?: number } } }).attrs.attrs.med).to.equal(2);
      expect(a.counters).to.include({ received: 1, accepted: 1 });
    });

    it('frees attribute sets when the last prefix using them goes', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24', '10.0.1.0/24');
      expect(rib.attrs.size).to.be.greaterThan(0);
      rib.withdraw(a, [P('10.0.0.0/24'), P('10.0.1.0/24')]);
      expect(rib.attrs.size).to.equal(0);
    });

    it('keeps IPv6 prefixes apart from IPv4 ones', () => {
      const rib = makeRib();
      const a = peer(rib, '2001:db8::1', 65001, '1.1.1.1');
      announce(rib, a, attrs({ asPath: seq(65001) }), '2001:db8:1::/48', '10.0.0.0/24');
      expect(rib.size).to.equal(2);
      expect(bestPaths(rib.best(P('2001:db8:1::/48')))[0]?.peer).to.equal(a);
    });
  });

  describe('import checks', () => {
    it('drops eBGP routes that contain our AS (loop), counting them received but not accepted', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      announce(rib, a, attrs({ asPath: seq(65001, LOCAL_AS, 3) }), '10.0.0.0/24');
      expect(rib.best(P('10.0.0.0/24'))).to.equal(null);
      expect(rib.paths(P('10.0.0.0/24'))[0]?.rejected).to.equal(REJECTED.AS_LOOP);
      expect(a.counters).to.include({ received: 1, accepted: 0 });
    });

    it('drops iBGP routes carrying our router ID as ORIGINATOR_ID or our cluster ID in CLUSTER_LIST', () => {
      const rib = makeRib({ clusterId: '10.9.9.9' });
      const i = peer(rib, '10.1.0.1', LOCAL_AS, '1.1.1.1');
      announce(rib, i, attrs({ originatorId: '10.0.0.1' }), '10.0.0.0/24');
      announce(rib, i, attrs({ originatorId: '1.1.1.1', clusterList: ['10.8.8.8', '10.9.9.9'] }), '10.0.1.0/24');
      announce(rib, i, attrs({ originatorId: '1.1.1.1', clusterList: ['10.8.8.8'] }), '10.0.2.0/24');
      expect(rib.paths(P('10.0.0.0/24'))[0]?.rejected).to.equal(REJECTED.ORIGINATOR_LOOP);
      expect(rib.paths(P('10.0.1.0/24'))[0]?.rejected).to.equal(REJECTED.CLUSTER_LOOP);
      expect(rib.best(P('10.0.2.0/24'))).to.not.equal(null);
    });
  });

  describe('import policy', () => {
    it('applies a prefix list with ge/le', () => {
      const list = new PrefixList([
        { prefix: '10.0.0.0/8', ge: 16, le: 24, action: 'permit' },
        { prefix: '192.168.0.0/16', action: 'permit' },
      ]);
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1', { importPolicy: list.asPolicy() });
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.2.0/25', '192.168.0.0/16', '192.168.1.0/24');
      const accepted = ['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.2.0/25', '192.168.0.0/16', '192.168.1.0/24'].filter(
        (p) => rib.best(P(p)) !== null,
      );
      expect(accepted).to.deep.equal(['10.1.0.0/16', '10.1.2.0/24', '192.168.0.0/16']);
      expect(a.counters).to.include({ received: 6, accepted: 3 });
    });

    it('uses rewritten attributes, shared across prefixes', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1', {
        importPolicy: chain(
          rewrite((x) => ({ ...x, localPref: 300 })),
          (prefix) => (formatKey(prefix) === '10.0.9.0/24' ? REJECT : 'accept'),
        ),
      });
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24', '10.0.1.0/24', '10.0.9.0/24');
      const b0 = bestPaths(rib.best(P('10.0.0.0/24')))[0]!;
      const b1 = bestPaths(rib.best(P('10.0.1.0/24')))[0]!;
      expect(b0.localPref).to.equal(300);
      expect(b0).to.equal(b1);
      expect(rib.best(P('10.0.9.0/24'))).to.equal(null);
      expect(rib.paths(P('10.0.9.0/24'))[0]?.rejected).to.equal(REJECTED.POLICY);
    });
  });

  describe('a changed import policy (soft reconfiguration)', () => {
    const deny = (...prefixes: string[]) => (prefix: Parameters<typeof formatKey>[0]) => (prefixes.includes(formatKey(prefix)) ? REJECT : 'accept');

    it('accepts what the old policy rejected and drops what it accepted, from the kept Adj-RIB-In', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1', { importPolicy: deny('10.0.1.0/24') });
      const b = peer(rib, '10.1.0.2', 65002, '2.2.2.2');
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24');
      announce(rib, b, attrs({ asPath: seq(65002, 9) }), '10.0.0.0/24');
      rib.flush();
      expect(rib.best(P('10.0.1.0/24'))).to.equal(null);
      expect(a.counters).to.include({ received: 3, accepted: 2 });
      const seen = collect(rib);

      rib.reconfigure(a, { ...a.config, importPolicy: deny('10.0.0.0/24', '10.0.2.0/24') });
      expect(rib.reimport(a)).to.deep.equal({ dropped: 0, maxPrefixExceeded: false });
      rib.flush();
      expect(seen.get('10.0.1.0/24')).to.deep.equal(['10.1.0.1']);
      expect(seen.get('10.0.0.0/24'), 'the other peer’s path takes over').to.deep.equal(['10.1.0.2']);
      expect(seen.get('10.0.2.0/24')).to.equal(null);
      expect(rib.paths(P('10.0.2.0/24'))[0]?.rejected, 'still in the Adj-RIB-In, rejected').to.equal(REJECTED.POLICY);
      expect(a.counters).to.include({ received: 3, accepted: 1 });

      rib.reconfigure(a, { address: a.address, asn: a.asn });
      rib.reimport(a);
      rib.flush();
      expect(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24'].map((p) => bestPaths(rib.best(P(p))).map((x) => x.peer.address)[0])).to.deep.equal([
        '10.1.0.1',
        '10.1.0.1',
        '10.1.0.1',
      ]);
      expect(a.counters).to.include({ received: 3, accepted: 3 });
    });

    it('keeps loop-rejected routes rejected whatever the policy says', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1', { importPolicy: deny('10.0.0.0/24') });
      announce(rib, a, attrs({ asPath: seq(65001, LOCAL_AS) }), '10.0.9.0/24');
      rib.reconfigure(a, { address: a.address, asn: a.asn });
      rib.reimport(a);
      expect(rib.paths(P('10.0.9.0/24'))[0]?.rejected).to.equal(REJECTED.AS_LOOP);
      expect(a.counters).to.include({ received: 1, accepted: 0 });
    });

    it('keeps the limit: newly accepted prefixes over maxPrefixes are dropped, and a lowered limit is reported', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1', { maxPrefixes: 2, importPolicy: deny('10.0.1.0/24', '10.0.2.0/24') });
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24');
      rib.reconfigure(a, { address: a.address, asn: a.asn, maxPrefixes: 2 });
      expect(rib.reimport(a)).to.deep.equal({ dropped: 1, maxPrefixExceeded: true });
      expect(a.counters).to.include({ received: 2, accepted: 2 });

      const c = peer(rib, '10.1.0.3', 65003, '3.3.3.3');
      announce(rib, c, attrs({ asPath: seq(65003) }), '10.3.0.0/24', '10.3.1.0/24');
      rib.reconfigure(c, { address: c.address, asn: c.asn, maxPrefixes: 1 });
      expect(rib.reimport(c)).to.deep.equal({ dropped: 0, maxPrefixExceeded: true });
    });

    it('leaves stale routes (the peer is restarting) as they were', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24');
      rib.peerDown(a, { gracefulRestart: true });
      rib.reconfigure(a, { ...a.config, importPolicy: deny('10.0.0.0/24') });
      rib.reimport(a);
      expect(bestPaths(rib.best(P('10.0.0.0/24')))[0]?.stale).to.equal(true);
      expect(a.staleCount).to.equal(1);
    });

    it('refuses a config naming another neighbour', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      expect(() => rib.reconfigure(a, { address: '10.1.0.1', asn: 65009 })).to.throw(PeerIdentityError);
      expect(a.config.asn).to.equal(65001);
    });
  });

  describe('maximum prefixes', () => {
    it('accepts up to the limit, drops the rest and reports it', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1', { maxPrefixes: 2 });
      const first = announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24', '10.0.1.0/24');
      expect(first.maxPrefixExceeded).to.equal(false);
      const again = announce(rib, a, attrs({ asPath: seq(65001), med: 5 }), '10.0.0.0/24');
      expect(again).to.deep.equal({ dropped: 0, maxPrefixExceeded: false });
      const over = announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.2.0/24', '10.0.3.0/24');
      expect(over).to.deep.equal({ dropped: 2, maxPrefixExceeded: true });
      expect(a.counters.accepted).to.equal(2);
      expect(rib.best(P('10.0.2.0/24'))).to.equal(null);
    });
  });

  describe('peer down', () => {
    it('removes every route of the peer without graceful restart', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      const b = peer(rib, '10.1.0.2', 65002, '2.2.2.2');
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24', '10.0.1.0/24');
      announce(rib, b, attrs({ asPath: seq(65002, 1) }), '10.0.0.0/24');
      const seen = collect(rib);
      rib.peerDown(a);
      rib.flush();
      expect(seen.get('10.0.0.0/24')).to.deep.equal(['10.1.0.2']);
      expect(seen.get('10.0.1.0/24')).to.equal(null);
      expect(a.counters).to.include({ received: 0, accepted: 0 });
      expect(rib.size).to.equal(1);
    });

    it('keeps routes as stale through a graceful restart and sweeps those not re-announced', () => {
      const rib = makeRib();
      const a = peer(rib, '10.1.0.1', 65001, '1.1.1.1');
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24');
      rib.flush();
      const seen = collect(rib);
      rib.peerDown(a, { gracefulRestart: true });
      rib.flush();
      expect(seen.size).to.equal(0);
      expect(a.staleCount).to.equal(3);
      expect(bestPaths(rib.best(P('10.0.0.0/24')))[0]?.stale).to.equal(true);
      rib.peerUp(a, '1.1.1.1');
      announce(rib, a, attrs({ asPath: seq(65001) }), '10.0.0.0/24');
      expect(a.staleCount).to.equal(2);
      expect(rib.sweepStale(a)).to.equal(2);
      rib.flush();
      expect(rib.best(P('10.0.0.0/24'))).to.not.equal(null);
      expect(bestPaths(rib.best(P('10.0.0.0/24')))[0]?.stale).to.equal(false);
      expect(seen.get('10.0.1.0/24')).to.equal(null);
      expect(seen.get('10.0.2.0/24')).to.equal(null);
      expect(a.counters).to.include({ received: 1, accepted: 1 });
    });
  });

  describe('originated prefixes', () => {
    it('are best, and withdrawn on request', () => {
      const rib = makeRib();
      rib.originate(P('10.244.0.0/26'), { nextHop: '10.0.0.1' });
      expect(bestPaths(rib.best(P('10.244.0.0/26')))[0]?.peer.local).to.equal(true);
      rib.withdrawOriginated(P('10.244.0.0/26'));
      expect(rib.best(P('10.244.0.0/26'))).to.equal(null);
    });
  });
});
