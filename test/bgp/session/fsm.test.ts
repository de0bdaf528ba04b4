import { expect } from 'chai';
import { FakeClock } from '../../../src/lib/fake-clock.ts';
import { Session, type DownReason, type Negotiated, type SessionState } from '../../../bgp/session/index.ts';
import { memoryPair } from '../../../bgp/session/memory-transport.ts';
import { encodeMessage, shutdownCommunication, type NotificationMessage, type OpenMessage } from '../../../bgp/wire/index.ts';
import { A, Pair, quiet, RawPeer, recordingSink } from './harness.ts';

function states(s: Session): SessionState[] {
  const out: SessionState[] = [s.state];
  s.on('stateChange', (_f, to) => out.push(to));
  return out;
}

const peerOpen = (o: Partial<OpenMessage> = {}): OpenMessage => ({
  type: 'OPEN',
  version: 4,
  myAs: 65002,
  holdTime: 90,
  bgpId: '10.0.0.2',
  capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'four-octet-as', asn: 65002 }, { kind: 'route-refresh' }],
  ...o,
});

/** A session whose peer is a RawPeer: the session accepts, the test speaks. */
function withRawPeer(config: Partial<typeof A> = {}): { s: Session; peer: RawPeer; pump: () => void; clock: FakeClock; downs: DownReason[] } {
  const clock = new FakeClock();
  const s = new Session({ config: { ...A, passive: true, ...config }, clock, sink: recordingSink(), random: () => 1, log: quiet });
  const downs: DownReason[] = [];
  s.on('down', (d) => downs.push(d));
  s.start();
  const p = memoryPair();
  const peer = new RawPeer(p.a);
  s.accept(p.b);
  p.pump();
  return { s, peer, pump: () => p.pump(), clock, downs };
}

describe('BGP session FSM', () => {
  describe('two sessions over an in-memory connection', () => {
    it('reach Established and agree on what they negotiated', async () => {
      const pair = new Pair({ gracefulRestart: { restartTime: 120, forwardingPreserved: true } });
      const seenA = states(pair.a);
      const seenB = states(pair.b);
      const est: Negotiated[] = [];
      pair.b.on('established', (n) => est.push(n));
      pair.b.start();
      pair.a.start();
      await pair.settle();
      expect(pair.a.state).to.equal('Established');
      expect(pair.b.state).to.equal('Established');
      expect(seenA).to.deep.equal(['Idle', 'Connect', 'OpenSent', 'OpenConfirm', 'Established']);
      expect(seenB).to.deep.equal(['Idle', 'Active', 'OpenSent', 'OpenConfirm', 'Established']);
      const n = est[0]!;
      expect(n).to.include({ peerAs: 65001, peerRouterId: '10.0.0.1', fourOctetAs: true, routeRefresh: true, holdTime: 90, keepaliveTime: 30 });
      expect(n.families).to.deep.equal([{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }]);
      expect(n.gracefulRestart).to.deep.equal({ restarting: false, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: true }, { afi: 2, safi: 1, forwardingPreserved: true }] });
      pair.a.stop();
      pair.b.stop();
    });

    it('negotiate the smaller hold time and keep the session up with keepalives', async () => {
      const pair = new Pair({ holdTime: 9 }, { holdTime: 30 });
      pair.b.start();
      pair.a.start();
      await pair.settle();
      expect(pair.a.negotiated?.holdTime).to.equal(9);
      expect(pair.a.negotiated?.keepaliveTime).to.equal(3);
      await pair.advance(60_000);
      expect([pair.a.state, pair.b.state]).to.deep.equal(['Established', 'Established']);
      pair.a.stop();
      pair.b.stop();
    });

    it('deliver UPDATEs to the sink and route refresh requests as events', async () => {
      const pair = new Pair();
      pair.b.start();
      pair.a.start();
      await pair.settle();
      const refresh: unknown[] = [];
      pair.b.on('routeRefresh', (m) => refresh.push(m));
      pair.a.send({ type: 'UPDATE', withdrawn: [{ afi: 1, addr: 0x0a090000, len: 16 }], attributes: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '192.0.2.1' }, nlri: [{ afi: 1, addr: 0x0a010000, len: 16 }] });
      expect(pair.a.requestRouteRefresh(1, 1)).to.equal(true);
      await pair.settle();
      expect(pair.sinkB.announced).to.deep.equal(['10.1.0.0/16']);
      expect(pair.sinkB.withdrawn).to.deep.equal(['10.9.0.0/16']);
      expect(refresh).to.deep.equal([{ type: 'ROUTE-REFRESH', afi: 1, safi: 1, subtype: 0 }]);
      pair.a.stop();
      pair.b.stop();
    });

    it('stop sends Cease / Administrative Shutdown with the reason, and the peer goes down saying so', async () => {
      const pair = new Pair();
      pair.b.start();
      pair.a.start();
      await pair.settle();
      const downs: DownReason[] = [];
      pair.b.on('down', (d) => downs.push(d));
      pair.a.stop('maintenance window');
      await pair.settle();
      expect(pair.a.state).to.equal('Idle');
      expect(downs).to.have.length(1);
      expect(downs[0]!.kind).to.equal('notification-received');
      expect([downs[0]!.notification?.code, downs[0]!.notification?.subcode]).to.deep.equal([6, 2]);
      expect(shutdownCommunication(downs[0]!.notification!)).to.equal('maintenance window');
      expect(pair.clock.pending).to.equal(1); // only b's IdleHold restart timer is left; a stopped cleanly
      pair.b.stop();
      expect(pair.clock.pending).to.equal(0);
    });
  });

  describe('the hold timer', () => {
    it('expires when the peer goes silent: Hold Timer Expired is sent and the session goes down', () => {
      const { s, peer, pump, clock, downs } = withRawPeer();
      peer.t.write(encodeMessage(peerOpen()));
      pump();
      peer.t.write(encodeMessage({ type: 'KEEPALIVE' }));
      pump();
      expect(s.state).to.equal('Established');
      clock.advance(89_000);
      pump();
      expect(s.state).to.equal('Established');
      clock.advance(1_000);
      pump();
      const n = peer.last('NOTIFICATION') as NotificationMessage;
      expect([n.code, n.subcode]).to.deep.equal([4, 0]);
      expect(downs.map((d) => d.message)).to.deep.equal(['hold timer expired after 90 s: sent hold timer expired (4/0)']);
      expect(s.state).to.equal('Idle');
      s.stop();
    });

    it('is restarted by keepalives', () => {
      const { s, peer, pump, clock } = withRawPeer();
      peer.t.write(encodeMessage(peerOpen()));
      peer.t.write(encodeMessage({ type: 'KEEPALIVE' }));
      pump();
      for (let i = 0; i < 10; i++) {
        clock.advance(60_000);
        peer.t.write(encodeMessage({ type: 'KEEPALIVE' }));
        pump();
      }
      expect(s.state).to.equal('Established');
      s.stop();
    });

    it('waits while the peer’s input is queued unread, as BIRD does', () => {
      const { s, peer, pump, clock } = withRawPeer();
      peer.t.write(encodeMessage(peerOpen()));
      peer.t.write(encodeMessage({ type: 'KEEPALIVE' }));
      pump();
      s.pauseInput();
      clock.advance(60_000);
      peer.t.write(encodeMessage({ type: 'KEEPALIVE' }));
      pump(); // stays queued: input is paused
      clock.advance(30_000);
      expect(s.state).to.equal('Established');
      s.resumeInput();
      pump();
      clock.advance(80_000);
      expect(s.state).to.equal('Established');
      clock.advance(10_000);
      expect(s.state).to.equal('Idle');
      s.stop();
    });

    it('is off when the hold time is 0', () => {
      const { s, peer, pump, clock } = withRawPeer({ holdTime: 0 });
      peer.t.write(encodeMessage(peerOpen({ holdTime: 0 })));
      peer.t.write(encodeMessage({ type: 'KEEPALIVE' }));
      pump();
      clock.advance(3_600_000);
      expect(s.state).to.equal('Established');
      expect(peer.got.filter((m) => m.type === 'KEEPALIVE')).to.have.length(1);
      s.stop();
    });
  });

  describe('refuses a bad OPEN with the right NOTIFICATION', () => {
    const cases: { name: string; open: Buffer; code: number; subcode: number; reason?: string; config?: Partial<typeof A> }[] = [
      { name: 'hold time 2', open: encodeMessage(peerOpen({ holdTime: 2 })), code: 2, subcode: 6, reason: 'hold time 2 s is below the minimum 3 s' },
      { name: 'hold time 1', open: encodeMessage(peerOpen({ holdTime: 1 })), code: 2, subcode: 6 },
      { name: 'the wrong peer AS', open: encodeMessage(peerOpen({ capabilities: [{ kind: 'four-octet-as', asn: 65009 }] })), code: 2, subcode: 2, reason: 'peer AS 65009 is not the configured 65002' },
      { name: 'the wrong 2-octet AS without the 4-octet capability', open: encodeMessage(peerOpen({ myAs: 65009, capabilities: [] })), code: 2, subcode: 2 },
      { name: 'BGP identifier 0.0.0.0', open: encodeMessage(peerOpen({ bgpId: '0.0.0.0' })), code: 2, subcode: 3 },
      { name: 'our own BGP identifier', open: encodeMessage(peerOpen({ bgpId: '10.0.0.1' })), code: 2, subcode: 3 },
      { name: 'a missing required capability', open: encodeMessage(peerOpen({ capabilities: [{ kind: 'four-octet-as', asn: 65002 }] })), code: 2, subcode: 7, config: { requiredCapabilities: [{ afi: 2, safi: 1 }] } },
      { name: 'version 3', open: (() => { const b = encodeMessage(peerOpen()); b[19] = 3; return b; })(), code: 2, subcode: 1 },
      { name: 'a KEEPALIVE instead of an OPEN', open: encodeMessage({ type: 'KEEPALIVE' }), code: 5, subcode: 1 },
      { name: 'a broken marker', open: (() => { const b = encodeMessage(peerOpen()); b[0] = 0; return b; })(), code: 1, subcode: 1 },
    ];
    for (const c of cases) {
      it(`${c.name}: ${c.code}/${c.subcode}`, () => {
        const { s, peer, pump } = withRawPeer(c.config);
        const seen: [SessionState, SessionState, string][] = [];
        s.on('stateChange', (f, t, r) => seen.push([f, t, r]));
        peer.t.write(c.open);
        pump();
        const n = peer.last('NOTIFICATION') as NotificationMessage;
        expect([n.code, n.subcode]).to.deep.equal([c.code, c.subcode]);
        expect(peer.closed).to.be.a('string');
        expect(s.state).to.equal('Idle');
        if (c.reason !== undefined) expect(seen.at(-1)![2]).to.contain(c.reason);
        if (c.subcode === 7) expect(n.data.toString('hex')).to.equal('010400020001');
        s.stop();
      });
    }
  });

  describe('connection collision', () => {
    for (const [aId, bId, keeper] of [
      ['10.0.0.1', '10.0.0.2', 'b'],
      ['10.0.0.9', '10.0.0.2', 'a'],
    ] as const) {
      it(`with identifiers ${aId} and ${bId}, keeps the connection ${keeper} dialled`, async () => {
        const pair = new Pair({ localRouterId: aId, passive: false }, { localRouterId: bId, passive: false }, { bDials: true });
        const ceases: NotificationMessage[] = [];
        pair.a.on('notificationSent', (m) => ceases.push(m));
        pair.b.on('notificationSent', (m) => ceases.push(m));
        pair.a.start();
        pair.b.start();
        await pair.settle();
        expect([pair.a.state, pair.b.state]).to.deep.equal(['Established', 'Established']);
        // Each side detects the collision and closes the same connection.
        expect(ceases.map((m) => [m.code, m.subcode])).to.deep.equal([[6, 7], [6, 7]]);
        // The surviving connection is the one the keeper dialled: its memory pair is still open.
        const open = pair.pairs.filter((p) => !p.a.closed);
        expect(open).to.have.length(1);
        expect(pair.pairs.indexOf(open[0]!)).to.equal(keeper === 'a' ? 0 : 1);
        pair.a.stop();
        pair.b.stop();
      });
    }

    it('closes a new connection when one is already Established', () => {
      const { s, peer, pump } = withRawPeer();
      peer.t.write(encodeMessage(peerOpen()));
      peer.t.write(encodeMessage({ type: 'KEEPALIVE' }));
      pump();
      s.accept(memoryPair().b); // second incoming while the first is open
      const p2 = memoryPair();
      const peer2 = new RawPeer(p2.a);
      // An outgoing-side connection arriving later is judged at its OPEN.
      (s as unknown as { open(t: unknown, d: string): void }).open(p2.b, 'outgoing');
      p2.pump();
      peer2.t.write(encodeMessage(peerOpen()));
      p2.pump();
      const n = peer2.last('NOTIFICATION') as NotificationMessage;
      expect([n.code, n.subcode]).to.deep.equal([6, 7]);
      expect(s.state).to.equal('Established');
      s.stop();
    });
  });

  describe('a flapping peer', () => {
    it('waits twice as long after each failure, up to the ceiling', async () => {
      const clock = new FakeClock();
      const attempts: number[] = [];
      const s = new Session({
        config: { ...A, idleHoldTime: 5, maxIdleHoldTime: 40, stableTime: 100, connectRetryTime: 1000 },
        clock,
        random: () => 1,
        log: quiet,
        sink: recordingSink(),
        dialer: async () => {
          attempts.push(clock.now());
          const p = memoryPair();
          const peer = new RawPeer(p.b);
          setImmediate(() => {
            p.pump();
            peer.t.write(encodeMessage(peerOpen({ holdTime: 1 }))); // refused every time
            p.pump();
          });
          return p.a;
        },
      });
      s.start();
      for (let i = 0; i < 400; i++) {
        await new Promise((r) => setImmediate(r));
        clock.advance(1000);
      }
      const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
      expect(gaps.slice(0, 6)).to.deep.equal([5000, 10000, 20000, 40000, 40000, 40000]);
      expect(s.flapping.failures).to.be.greaterThan(5);
      s.stop();
      expect(clock.pending).to.equal(0);
    });
  });

  describe('socket backpressure', () => {
    it('reports not writable when write() returns false and calls back on drain', async () => {
      const pair = new Pair({}, {}, { highWaterMark: 200 });
      pair.b.start();
      pair.a.start();
      await pair.settle();
      expect(pair.a.writable).to.equal(true);
      const big = encodeMessage({ type: 'UPDATE', withdrawn: [], attributes: { origin: 0, asPath: [], nextHop: '192.0.2.1' }, nlri: Array.from({ length: 60 }, (_, i) => ({ afi: 1 as const, addr: (0x0a000000 + i * 256) >>> 0, len: 24 })) });
      expect(pair.a.sendRaw(big)).to.equal(false);
      expect(pair.a.writable).to.equal(false);
      let called = 0;
      pair.a.onWritable(() => called++);
      expect(called).to.equal(0);
      await pair.settle();
      expect(called).to.equal(1);
      expect(pair.a.writable).to.equal(true);
      expect(pair.sinkB.announced).to.have.length(60);
      pair.a.stop();
      pair.b.stop();
    });
  });

  describe('errors while Established', () => {
    it('a malformed UPDATE resets the session with the decoder’s code and says why', () => {
      const { s, peer, pump, downs } = withRawPeer();
      peer.t.write(encodeMessage(peerOpen()));
      peer.t.write(encodeMessage({ type: 'KEEPALIVE' }));
      pump();
      const bad = Buffer.from(encodeMessage({ type: 'UPDATE', withdrawn: [], attributes: {}, nlri: [] }));
      const withNlri = Buffer.concat([bad, Buffer.from([40, 1, 2, 3, 4, 5])]);
      withNlri.writeUInt16BE(withNlri.length, 16);
      peer.t.write(withNlri);
      pump();
      const n = peer.last('NOTIFICATION') as NotificationMessage;
      expect([n.code, n.subcode]).to.deep.equal([3, 10]);
      expect(downs[0]!.message).to.match(/^malformed message from peer: prefix length 40 exceeds 32/);
      s.stop();
    });

    it('an OPEN while Established is an FSM error', () => {
      const { s, peer, pump } = withRawPeer();
      peer.t.write(encodeMessage(peerOpen()));
      peer.t.write(encodeMessage({ type: 'KEEPALIVE' }));
      peer.t.write(encodeMessage(peerOpen()));
      pump();
      const n = peer.last('NOTIFICATION') as NotificationMessage;
      expect([n.code, n.subcode]).to.deep.equal([5, 3]);
      s.stop();
    });

    it('maximum prefixes: Cease 6/1 and no restart', () => {
      const { s, peer, pump, clock } = withRawPeer();
      peer.t.write(encodeMessage(peerOpen()));
      peer.t.write(encodeMessage({ type: 'KEEPALIVE' }));
      pump();
      s.cease(1, 'more than 1000 prefixes', { restart: false });
      pump();
      const n = peer.last('NOTIFICATION') as NotificationMessage;
      expect([n.code, n.subcode]).to.deep.equal([6, 1]);
      expect(s.state).to.equal('Idle');
      expect(clock.pending).to.equal(0);
    });

    it('a TCP close without NOTIFICATION is a down with reason connection-closed', () => {
      const { s, peer, pump, downs } = withRawPeer();
      peer.t.write(encodeMessage(peerOpen()));
      peer.t.write(encodeMessage({ type: 'KEEPALIVE' }));
      pump();
      peer.t.destroy();
      expect(downs.map((d) => d.kind)).to.deep.equal(['connection-closed']);
      s.stop();
    });
  });
});
