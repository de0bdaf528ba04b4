import { expect } from 'chai';
import fc from 'fast-check';
import { encodeMessage, type UpdateMessage } from '../../../bgp/wire/index.ts';
import { update as anyUpdate } from '../wire/arbitraries.ts';
import { attr, hex, message, updateBody } from '../wire/bytes.ts';
import { attrsOf, FUZZ, FUZZ_ROUTES, FUZZ_ROUTES6, FuzzFixture, type Outcome } from './fuzz-fixture.ts';

/**
 * The speaker under malformed input, end to end: a running Speaker, a raw
 * client that reaches Established and then sends bytes no BGP speaker should,
 * and for each the RFC 4271 / RFC 7606 answer the speaker must give. Then
 * random and mutated messages (fast-check), after each of which the speaker
 * must be alive, the other session untouched and nothing of the fuzzed
 * session left behind.
 */

// Attributes of the fuzz peer (AS 65003 = 0xfdeb), as bytes.
const ORIGIN = attr(0x40, 1, '00');
const AS_PATH = attr(0x40, 2, '02 01 0000fdeb');
const NEXT_HOP = attr(0x40, 3, '0a000003');
const BASE = Buffer.concat([ORIGIN, AS_PATH, NEXT_HOP]);
/** 10.3.1.0/24: the prefix each treat-as-withdraw case re-announces. */
const TARGET = '10.3.1.0/24';
const NLRI = '18 0a0301';
const mpReach6 = (nlri: string, nh = '10 20010db8000000000000000000000003'): Buffer => attr(0x80, 14, `0002 01 ${nh} 00 ${nlri}`);
const upd = (attrs: Buffer[], nlri = NLRI, withdrawn = ''): Buffer => message(2, updateBody(withdrawn, Buffer.concat(attrs), nlri));

interface ResetCase {
  readonly name: string;
  readonly bytes: Buffer;
  readonly code: number;
  readonly subcode: number;
  /** NOTIFICATION data in hex, where RFC 4271 6 / RFC 6608 / RFC 7313 say what it holds. */
  readonly data: string;
}

const unknownWellKnown = attr(0x40, 100, 'abcd');
const mpTransitive = attr(0xc0, 14, '0002 01 10 20010db8000000000000000000000003 00');
const mpOverrun = hex('80 0e 30 0002 01 10');
const mpShortNh = mpReach6('', '08 20010db800000001');
const mp129 = mpReach6('81 20010db8');
const mpUnreach2 = attr(0x80, 15, '0002');
const mpFixedShort = attr(0x80, 14, '0002 01');
const openMsg = encodeMessage({ type: 'OPEN', version: 4, myAs: FUZZ.asn, holdTime: 0, bgpId: FUZZ.routerId, capabilities: [] });
const badMarker = (() => {
  const b = upd([BASE]);
  b[3] = 0xfe;
  return b;
})();
const rr24 = message(5, '00010001 00');

const resets: ResetCase[] = [
  { name: 'a marker byte that is not 0xff', bytes: badMarker, code: 1, subcode: 1, data: '' },
  { name: 'a KEEPALIVE with length 18', bytes: message(4, '', 18), code: 1, subcode: 2, data: '0012' },
  { name: 'a KEEPALIVE of 20 bytes', bytes: message(4, '00'), code: 1, subcode: 2, data: '0014' },
  { name: 'an UPDATE of 22 bytes', bytes: message(2, '000000'), code: 1, subcode: 2, data: '0016' },
  { name: 'a length of 4097', bytes: message(2, updateBody('', BASE, NLRI), 4097), code: 1, subcode: 2, data: '1001' },
  { name: 'message type 6', bytes: message(6, ''), code: 1, subcode: 3, data: '06' },
  { name: 'message type 0', bytes: message(0, ''), code: 1, subcode: 3, data: '00' },
  { name: 'an OPEN in Established', bytes: openMsg, code: 5, subcode: 3, data: '01' },
  { name: 'a ROUTE-REFRESH of 24 bytes', bytes: rr24, code: 7, subcode: 1, data: rr24.toString('hex') },
  { name: 'a withdrawn routes length past the end', bytes: message(2, hex('0010 0000')), code: 3, subcode: 1, data: '' },
  { name: 'a total path attribute length past the end', bytes: message(2, hex('0000 0040 400101 00')), code: 3, subcode: 1, data: '' },
  { name: 'an NLRI prefix length of 33', bytes: upd([BASE], '21 0a030100 00'), code: 3, subcode: 10, data: '' },
  { name: 'an NLRI prefix cut short', bytes: upd([BASE], '18 0a03'), code: 3, subcode: 10, data: '' },
  { name: 'a withdrawn prefix length of 33', bytes: upd([], '', '21 0a030100 00'), code: 3, subcode: 10, data: '' },
  { name: 'an unrecognized well-known attribute', bytes: upd([BASE, unknownWellKnown]), code: 3, subcode: 2, data: unknownWellKnown.toString('hex') },
  { name: 'MP_REACH_NLRI flagged transitive', bytes: upd([BASE, mpTransitive], ''), code: 3, subcode: 4, data: mpTransitive.toString('hex') },
  { name: 'MP_REACH_NLRI overrunning the attribute block', bytes: upd([BASE, mpOverrun], ''), code: 3, subcode: 5, data: mpOverrun.toString('hex') },
  { name: 'MP_REACH_NLRI shorter than its fixed part', bytes: upd([BASE, mpFixedShort], ''), code: 3, subcode: 9, data: mpFixedShort.toString('hex') },
  { name: 'MP_REACH_NLRI with an 8-byte IPv6 next hop', bytes: upd([BASE, mpShortNh], ''), code: 3, subcode: 9, data: mpShortNh.toString('hex') },
  { name: 'MP_REACH_NLRI with a /129', bytes: upd([BASE, mp129], ''), code: 3, subcode: 9, data: mp129.toString('hex') },
  { name: 'MP_REACH_NLRI twice', bytes: upd([BASE, mpReach6(''), mpReach6('')], ''), code: 3, subcode: 1, data: '' },
  { name: 'MP_UNREACH_NLRI of 2 bytes', bytes: upd([mpUnreach2], ''), code: 3, subcode: 9, data: mpUnreach2.toString('hex') },
];

interface KeepCase {
  readonly name: string;
  readonly bytes: Buffer;
  /** Prefixes of the fuzz peer expected afterwards. */
  readonly left: readonly string[];
  readonly check?: (f: FuzzFixture) => void;
}

const allFuzz = [...FUZZ_ROUTES, ...FUZZ_ROUTES6];
const withoutTarget = allFuzz.filter((p) => p !== TARGET);
const med = (f: FuzzFixture, prefix: string): number | null | undefined => f.routesFrom(FUZZ.address).find((r) => r.prefix === prefix)?.med;

const keeps: KeepCase[] = [
  { name: 'ORIGIN 3 (invalid ORIGIN)', bytes: upd([attr(0x40, 1, '03'), AS_PATH, NEXT_HOP]), left: withoutTarget },
  { name: 'ORIGIN flagged optional (attribute flags error)', bytes: upd([attr(0xc0, 1, '00'), AS_PATH, NEXT_HOP]), left: withoutTarget },
  { name: 'ORIGIN of 2 bytes (attribute length error)', bytes: upd([attr(0x40, 1, '0000'), AS_PATH, NEXT_HOP]), left: withoutTarget },
  { name: 'an AS_PATH segment overrunning the attribute', bytes: upd([ORIGIN, attr(0x40, 2, '02 02 0000fdeb'), NEXT_HOP]), left: withoutTarget },
  { name: 'an AS_PATH segment of type 5', bytes: upd([ORIGIN, attr(0x40, 2, '05 01 0000fdeb'), NEXT_HOP]), left: withoutTarget },
  { name: 'ORIGIN missing', bytes: upd([AS_PATH, NEXT_HOP]), left: withoutTarget },
  { name: 'AS_PATH missing', bytes: upd([ORIGIN, NEXT_HOP]), left: withoutTarget },
  { name: 'NEXT_HOP missing', bytes: upd([ORIGIN, AS_PATH]), left: withoutTarget },
  { name: 'a NEXT_HOP of 5 bytes', bytes: upd([ORIGIN, AS_PATH, attr(0x40, 3, '0a00000300')]), left: withoutTarget },
  { name: 'a COMMUNITIES attribute overrunning the block', bytes: upd([BASE, hex('c0 08 08 00000001')]), left: withoutTarget },
  { name: 'a truncated attribute header', bytes: upd([BASE, hex('c008')]), left: withoutTarget },
  { name: 'a MED of 3 bytes', bytes: upd([BASE, attr(0x80, 4, '000001')]), left: withoutTarget },
  {
    name: 'an invalid ORIGIN with IPv6 prefixes in MP_REACH_NLRI',
    bytes: upd([attr(0x40, 1, '07'), AS_PATH, mpReach6('30 20010db80003')], ''),
    left: FUZZ_ROUTES,
  },
  // Semantic checks (bgp/wire/validate.ts): well-formed, wrong for this session, treat-as-withdraw.
  { name: 'NEXT_HOP 0.0.0.0', bytes: upd([ORIGIN, AS_PATH, attr(0x40, 3, '00000000')]), left: withoutTarget },
  { name: 'NEXT_HOP in 0.0.0.0/8', bytes: upd([ORIGIN, AS_PATH, attr(0x40, 3, '00010203')]), left: withoutTarget },
  { name: 'a multicast NEXT_HOP', bytes: upd([ORIGIN, AS_PATH, attr(0x40, 3, 'e0000005')]), left: withoutTarget },
  { name: 'a class E NEXT_HOP', bytes: upd([ORIGIN, AS_PATH, attr(0x40, 3, 'f0000001')]), left: withoutTarget },
  { name: 'NEXT_HOP 255.255.255.255', bytes: upd([ORIGIN, AS_PATH, attr(0x40, 3, 'ffffffff')]), left: withoutTarget },
  { name: 'NEXT_HOP equal to the speaker’s own address on the session (RFC 4271 5.1.3)', bytes: upd([ORIGIN, AS_PATH, attr(0x40, 3, '7f000001')]), left: withoutTarget },
  { name: 'an eBGP AS_PATH whose first AS is not the peer’s (RFC 4271 6.3)', bytes: upd([ORIGIN, attr(0x40, 2, '02 02 0000fdec 0000fdeb'), NEXT_HOP]), left: withoutTarget },
  { name: 'an empty AS_PATH from an eBGP peer', bytes: upd([ORIGIN, attr(0x40, 2, ''), NEXT_HOP]), left: withoutTarget },
  { name: 'an AS_SET first from an eBGP peer', bytes: upd([ORIGIN, attr(0x40, 2, '01 01 0000fdeb'), NEXT_HOP]), left: withoutTarget },
  { name: 'an MP_REACH_NLRI next hop ::', bytes: upd([ORIGIN, AS_PATH, mpReach6('30 20010db80003', '10 00000000000000000000000000000000')], ''), left: FUZZ_ROUTES },
  { name: 'a multicast MP_REACH_NLRI next hop', bytes: upd([ORIGIN, AS_PATH, mpReach6('30 20010db80003', '10 ff020000000000000000000000000001')], ''), left: FUZZ_ROUTES },
  { name: 'an MP_REACH_NLRI next hop of our own address, IPv4-mapped', bytes: upd([ORIGIN, AS_PATH, mpReach6('30 20010db80003', '10 00000000000000000000ffff7f000001')], ''), left: FUZZ_ROUTES },
  {
    name: 'a loopback NEXT_HOP that is not ours (accepted)',
    bytes: upd([ORIGIN, AS_PATH, attr(0x40, 3, '7f000003')]),
    left: allFuzz,
    check: (f) => expect(f.routesFrom(FUZZ.address).find((r) => r.prefix === TARGET)?.nextHops).to.deep.equal(['127.0.0.3']),
  },
  {
    name: 'a second MED (attribute discard: the first is kept)',
    bytes: upd([BASE, attr(0x80, 4, '00000005'), attr(0x80, 4, '00000009')]),
    left: allFuzz,
    check: (f) => expect(med(f, TARGET)).to.equal(5),
  },
  {
    name: 'an ATOMIC_AGGREGATE of 1 byte (attribute discard)',
    bytes: upd([BASE, attr(0x40, 6, '00'), attr(0x80, 4, '0000000b')]),
    left: allFuzz,
    check: (f) => expect(med(f, TARGET)).to.equal(11),
  },
  {
    name: 'an AGGREGATOR of 7 bytes (attribute discard)',
    bytes: upd([BASE, attr(0xc0, 7, '00000001 0a0000'), attr(0x80, 4, '0000000c')]),
    left: allFuzz,
    check: (f) => expect(med(f, TARGET)).to.equal(12),
  },
];

const fuzzPrefixes = (f: FuzzFixture): string[] => f.routesFrom(FUZZ.address).map((r) => r.prefix).sort();

describe('a running speaker under malformed input', function () {
  this.timeout(60_000);
  const f = new FuzzFixture();
  before(() => f.start());
  after(() => f.stop());
  afterEach(() => f.cleanup());

  describe('answers each malformed message with the RFC’s NOTIFICATION and closes', () => {
    for (const c of resets) {
      it(`${c.name}: ${c.code}/${c.subcode}${c.data ? ` with data ${c.data.length > 20 ? `${c.data.slice(0, 20)}…` : c.data}` : ''}`, async () => {
        const s = await f.fuzzSession();
        const got = await f.judge(s, c.bytes);
        expect(got).to.deep.equal({ up: false, code: c.code, subcode: c.subcode, data: c.data, notificationSent: false });
        await f.afterSession(s);
      });
    }
  });

  describe('keeps the session up where RFC 7606 says treat-as-withdraw or attribute-discard', () => {
    for (const c of keeps) {
      it(c.name, async () => {
        const s = await f.fuzzSession();
        const got = await f.judge(s, c.bytes);
        expect(got, JSON.stringify(got)).to.deep.equal({ up: true, notificationSent: false });
        expect(fuzzPrefixes(f)).to.deep.equal([...c.left].sort());
        c.check?.(f);
        f.checkHealthy();
        await f.afterSession(s);
      });
    }
  });

  describe('survives random and mutated messages', () => {
    const valid = (u: UpdateMessage): Buffer | null => {
      try {
        return encodeMessage(u);
      } catch {
        return null; // over 4096 bytes
      }
    };
    /** A valid UPDATE of the fuzz peer to start mutating from. */
    const seed = fc
      .tuple(anyUpdate(true), fc.boolean())
      .map(([m, own]) => {
        const u = m as UpdateMessage;
        // Half of them with the peer's own AS first, so they pass the import checks and reach the RIB.
        return own ? { ...u, attributes: { ...attrsOf(FUZZ.asn, '10.0.0.3'), ...u.attributes, asPath: [{ type: 2 as const, asns: [FUZZ.asn] }] } } : u;
      })
      .map(valid)
      .filter((b): b is Buffer => b !== null);

    type Mutation = (b: Buffer) => Buffer;
    /** A mutation that cannot find its field in what earlier ones left (a cut header, say) leaves the bytes alone. */
    const safely = (m: Mutation, b: Buffer): Buffer => {
      try {
        return m(b);
      } catch (e) {
        if (e instanceof RangeError) return b;
        throw e;
      }
    };
    const flip = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([i, bit]): Mutation => (b) => {
      const c = Buffer.from(b);
      const at = 16 + (i % (c.length - 16)); // past the marker, mostly: marker flips are one table case
      c[at]! ^= 1 << bit;
      return c;
    });
    const truncate = fc.nat().map((n): Mutation => (b) => {
      const c = Buffer.from(b.subarray(0, 19 + (n % Math.max(1, b.length - 19))));
      c.writeUInt16BE(c.length, 16);
      return c;
    });
    const cut = fc.nat().map((n): Mutation => (b) => Buffer.from(b.subarray(0, n % b.length)));
    /** Rewrites one of the UPDATE's length fields: withdrawn length, total attribute length, or an attribute's length. */
    const lengthEdit = fc.tuple(fc.nat(), fc.integer({ min: -3, max: 3 }), fc.nat()).map(([which, delta, raw]): Mutation => (b) => {
      const c = Buffer.from(b);
      const wd = c.readUInt16BE(19);
      const aAt = 21 + wd;
      const fields: [number, 1 | 2][] = [[19, 2], [aAt, 2]];
      const aEnd = aAt + 2 + c.readUInt16BE(aAt);
      for (let p = aAt + 2; p + 3 <= aEnd && p + 3 <= c.length; ) {
        const ext = (c[p]! & 0x10) !== 0;
        fields.push([p + 2, ext ? 2 : 1]);
        p += (ext ? 4 : 3) + (ext ? c.readUInt16BE(p + 2) : c[p + 2]!);
      }
      const [at, size] = fields[which % fields.length]!;
      if (at + size > c.length) return c;
      const old = size === 2 ? c.readUInt16BE(at) : c[at]!;
      const v = raw % 7 === 0 ? raw % (size === 2 ? 0x10000 : 0x100) : Math.max(0, Math.min(size === 2 ? 0xffff : 0xff, old + delta));
      if (size === 2) c.writeUInt16BE(v, at);
      else c[at] = v;
      return c;
    });
    /** Reorders, drops or repeats attributes of the block (order is free; repeats and drops are RFC 7606 cases). */
    const shuffle = fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('swap', 'drop', 'dup')).map(([i, j, how]): Mutation => (b) => {
      const wd = b.readUInt16BE(19);
      const aAt = 21 + wd;
      const aEnd = aAt + 2 + b.readUInt16BE(aAt);
      const attrs: Buffer[] = [];
      for (let p = aAt + 2; p < aEnd; ) {
        const ext = (b[p]! & 0x10) !== 0;
        const n = (ext ? 4 : 3) + (ext ? b.readUInt16BE(p + 2) : b[p + 2]!);
        attrs.push(b.subarray(p, p + n));
        p += n;
      }
      if (attrs.length === 0) return b;
      const x = i % attrs.length;
      const y = j % attrs.length;
      if (how === 'swap') [attrs[x], attrs[y]] = [attrs[y]!, attrs[x]!];
      else if (how === 'drop') attrs.splice(x, 1);
      else attrs.splice(y, 0, attrs[x]!);
      const body = updateBody(b.subarray(21, 21 + wd), Buffer.concat(attrs), b.subarray(aEnd));
      return body.length + 19 <= 4096 ? message(2, body) : b;
    });
    const mutated = fc.tuple(seed, fc.array(fc.oneof({ weight: 4, arbitrary: flip }, { weight: 2, arbitrary: lengthEdit }, { weight: 2, arbitrary: shuffle }, { weight: 1, arbitrary: truncate }, { weight: 1, arbitrary: cut }), { minLength: 1, maxLength: 4 })).map(([b, ms]) => ms.reduce((x, m) => safely(m, x), b));
    /** A well-formed header of any type and length around a random body. */
    const random = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.uint8Array({ maxLength: 120 }), fc.option(fc.integer({ min: 0, max: 0xffff }), { freq: 4 })).map(([type, body, len]) => message(type, Buffer.from(body), len ?? undefined));

    const property = (gen: fc.Arbitrary<Buffer>) =>
      fc.asyncProperty(gen, async (bytes) => {
        const s = await f.fuzzSession();
        const got: Outcome & { notificationSent: boolean } = await f.judge(s, bytes);
        if (!got.up) {
          // The only close without a NOTIFICATION is the one answering ours (RFC 4271 6.4).
          if (got.code === undefined) expect(got.notificationSent, `silent close after ${bytes.toString('hex')}`).to.equal(true);
          else expect(got.code, `NOTIFICATION ${got.code}/${got.subcode}`).to.be.within(1, 7);
        }
        f.checkHealthy();
        await f.afterSession(s);
      });

    it('mutated UPDATEs (bit flips, truncations, length edits, attribute shuffles)', async () => {
      await fc.assert(property(mutated), { numRuns: 600 });
    });

    it('random messages', async () => {
      await fc.assert(property(random), { numRuns: 300 });
    });
  });
});
