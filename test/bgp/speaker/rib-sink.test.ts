import { expect } from 'chai';
import { Rib } from '../../../bgp/rib/rib.ts';
import type { RibPeer } from '../../../bgp/rib/peer.ts';
import { RibSink } from '../../../bgp/speaker/rib-sink.ts';
import { routesOf } from '../../../bgp/speaker/routes.ts';
import { scanUpdate, type ValidationContext } from '../../../bgp/wire/index.ts';
import { attr, message, updateBody } from '../wire/bytes.ts';

/**
 * RibSink on its own: a Rib, one peer, and the sink fed either directly (any
 * call order a caller might use) or through scanUpdate with real UPDATEs.
 */

// AS 65003 = 0xfdeb, next hop 10.0.0.3.
const ORIGIN = attr(0x40, 1, '00');
const AS_PATH = attr(0x40, 2, '02 01 0000fdeb');
const BLOCK = Buffer.concat([ORIGIN, AS_PATH, attr(0x40, 3, '0a000003')]);
const OTHER = Buffer.concat([ORIGIN, AS_PATH, attr(0x40, 3, '0a000004')]);
const key = (b: Buffer): string => b.toString('latin1');
const A = 0x0a030100; // 10.3.1.0

const EBGP: ValidationContext = { ebgp: true, peerAs: 65003, localRouterId: '10.0.0.1', localAddress: '127.0.0.1' };
const IBGP: ValidationContext = { ebgp: false, peerAs: 65001, localRouterId: '10.0.0.1', localAddress: '127.0.0.1' };

describe('RibSink', () => {
  let rib: Rib;
  let peer: RibPeer;
  let sink: RibSink;
  let logged: string[];

  function setUp(asn: number, ctx?: ValidationContext, extra: { enforceFirstAs?: boolean } = {}): void {
    rib = new Rib({ localAsn: 65001, routerId: '10.0.0.1' });
    peer = rib.addPeer({ address: '127.0.0.3', asn });
    rib.peerUp(peer, '10.0.0.3');
    logged = [];
    sink = new RibSink(rib, peer, { maxPrefix: () => undefined, endOfRib: () => undefined, dirty: () => undefined, treatAsWithdraw: (r) => logged.push(r) });
    sink.reset(true, ctx === undefined ? undefined : { ...ctx, ...extra });
  }

  /** One UPDATE through scanUpdate, then a flush as the speaker does before each Loc-RIB flush. */
  function receive(attrs: Buffer[], nlri = '18 0a0301', withdrawn = ''): void {
    const m = message(2, updateBody(withdrawn, Buffer.concat(attrs), nlri));
    scanUpdate(m, 19, m.length - 19, { fourOctetAs: true }, sink);
    sink.flush();
  }

  const prefixes = (): string[] => routesOf(rib).map((r) => r.prefix);

  describe('interns nothing a caller does not announce with', () => {
    beforeEach(() => setUp(65003));

    it('attributes() then flush(): the table is back to its baseline', () => {
      const base = rib.attrs.size;
      sink.attributes(BLOCK, key(BLOCK));
      expect(rib.attrs.size).to.equal(base);
      sink.flush();
      expect(rib.attrs.size).to.equal(base);
    });

    it('attributes() then a withdrawal, another set, or reset()', () => {
      const base = rib.attrs.size;
      sink.attributes(BLOCK, key(BLOCK));
      sink.withdraw4(A, 24);
      sink.attributes(BLOCK, key(BLOCK));
      sink.attributes(OTHER, key(OTHER));
      sink.reset(true);
      sink.flush();
      expect(rib.attrs.size).to.equal(base);
    });

    it('a set whose run announced was interned, and goes with its last prefix', () => {
      const base = rib.attrs.size;
      sink.attributes(OTHER, key(OTHER));
      sink.attributes(BLOCK, key(BLOCK));
      sink.announce4(A, 24);
      sink.flush();
      expect(rib.attrs.size).to.equal(base + 1);
      expect(prefixes()).to.deep.equal(['10.3.1.0/24']);
      sink.withdraw4(A, 24);
      sink.flush();
      expect(rib.attrs.size).to.equal(base);
      expect(prefixes()).to.deep.equal([]);
    });

    it('an announcement without attributes() first is dropped, not filed under a stale set', () => {
      sink.announce4(A, 24);
      sink.flush();
      expect(rib.attrs.size).to.equal(0);
      expect(prefixes()).to.deep.equal([]);
    });
  });

  describe('applies the session’s validation context (treat-as-withdraw)', () => {
    const announced = (attrs: Buffer[]): string[] => {
      receive([BLOCK]); // 10.3.1.0/24 in first, so a withdrawal shows
      receive(attrs);
      return prefixes();
    };

    it('withdraws a NEXT_HOP of our own address on the session, logging the reason once', () => {
      setUp(65003, EBGP);
      expect(announced([ORIGIN, AS_PATH, attr(0x40, 3, '7f000001')])).to.deep.equal([]);
      receive([ORIGIN, AS_PATH, attr(0x40, 3, '7f000001')], '18 0a0302');
      expect(logged).to.deep.equal(['NEXT_HOP 127.0.0.1: our own address on this session']);
      expect(peer.counters.received).to.equal(0);
      expect(rib.attrs.size).to.equal(0);
    });

    for (const [name, nh] of [['0.0.0.0', '00000000'], ['multicast', 'e0000001'], ['class E', 'f0000001'], ['broadcast', 'ffffffff']] as const) {
      it(`withdraws a ${name} NEXT_HOP`, () => {
        setUp(65003, EBGP);
        expect(announced([ORIGIN, AS_PATH, attr(0x40, 3, nh)])).to.deep.equal([]);
        expect(logged).to.have.length(1);
      });
    }

    it('accepts a loopback NEXT_HOP that is not ours', () => {
      setUp(65003, EBGP);
      expect(announced([ORIGIN, AS_PATH, attr(0x40, 3, '7f000003')])).to.deep.equal(['10.3.1.0/24']);
      expect(routesOf(rib)[0]!.nextHops).to.deep.equal(['127.0.0.3']);
    });

    it('withdraws an eBGP AS_PATH not starting with the peer’s AS, unless enforceFirstAs is off', () => {
      const other = [ORIGIN, attr(0x40, 2, '02 02 0000fdec 0000fdeb'), attr(0x40, 3, '0a000003')];
      setUp(65003, EBGP);
      expect(announced(other)).to.deep.equal([]);
      expect(logged[0]).to.match(/AS_PATH does not start with the peer's AS 65003/);
      setUp(65003, EBGP, { enforceFirstAs: false });
      expect(announced(other)).to.deep.equal(['10.3.1.0/24']);
      expect(routesOf(rib)[0]!.asPath).to.equal('65004 65003');
    });

    it('accepts an iBGP route without LOCAL_PREF as LOCAL_PREF 100', () => {
      setUp(65001, IBGP);
      expect(announced([ORIGIN, attr(0x40, 2, ''), attr(0x40, 3, '0a000003')])).to.deep.equal(['10.3.1.0/24']);
      expect(routesOf(rib)[0]!.localPref).to.equal(100);
      expect(logged).to.deep.equal([]);
    });

    it('without a context (before a session) only syntax counts', () => {
      setUp(65003);
      expect(announced([ORIGIN, AS_PATH, attr(0x40, 3, '7f000001')])).to.deep.equal(['10.3.1.0/24']);
    });
  });
});
