import { expect } from 'chai';
import {
  ACTION_NAME,
  applyTreatAsWithdraw,
  decodeMessage,
  ERROR_ACTION,
  prefixToString,
  strongestAction,
  validateAttributes,
  type UpdateMessage,
} from '../../../bgp/wire/index.ts';
import { attr, hex, message, updateBody } from './bytes.ts';
import { scan } from './scan-helper.ts';

const ORIGIN = attr(0x40, 1, '00');
const AS_PATH = attr(0x40, 2, '02 01 0000fde9');
const NEXT_HOP = attr(0x40, 3, '0a000001');
const NLRI = '18 0a0100 18 0a0200'; // 10.1.0.0/24, 10.2.0.0/24
const W = ERROR_ACTION.TREAT_AS_WITHDRAW;
const D = ERROR_ACTION.ATTRIBUTE_DISCARD;

interface Case {
  name: string;
  attrs: Buffer[];
  action: number;
  subcode: number;
  field?: string;
  /** For attribute-discard: what survives. */
  check?: (m: UpdateMessage) => void;
  fourOctetAs?: boolean;
}

const cases: Case[] = [
  { name: 'ORIGIN 3', attrs: [attr(0x40, 1, '03'), AS_PATH, NEXT_HOP], action: W, subcode: 6, field: 'UPDATE.attributes[0](ORIGIN)' },
  { name: 'ORIGIN of 2 bytes', attrs: [attr(0x40, 1, '0000'), AS_PATH, NEXT_HOP], action: W, subcode: 5 },
  { name: 'ORIGIN flagged optional', attrs: [attr(0xc0, 1, '00'), AS_PATH, NEXT_HOP], action: W, subcode: 4 },
  { name: 'AS_PATH segment type 5', attrs: [ORIGIN, attr(0x40, 2, '05 01 0000fde9'), NEXT_HOP], action: W, subcode: 11, field: 'UPDATE.attributes[1](AS_PATH).segment[0]' },
  { name: 'AS_PATH segment overrun', attrs: [ORIGIN, attr(0x40, 2, '02 01 0000fde9 02 02 0000fde9'), NEXT_HOP], action: W, subcode: 11, field: 'UPDATE.attributes[1](AS_PATH).segment[1]' },
  { name: 'AS_PATH empty segment', attrs: [ORIGIN, attr(0x40, 2, '02 00'), NEXT_HOP], action: W, subcode: 11 },
  { name: '2-octet AS_PATH on a 4-octet session (odd length)', attrs: [ORIGIN, attr(0x40, 2, '02 01 fde9'), NEXT_HOP], action: W, subcode: 11 },
  { name: 'NEXT_HOP of 5 bytes', attrs: [ORIGIN, AS_PATH, attr(0x40, 3, '0a00000100')], action: W, subcode: 5 },
  { name: 'MED of 3 bytes', attrs: [ORIGIN, AS_PATH, NEXT_HOP, attr(0x80, 4, '000001')], action: W, subcode: 5 },
  { name: 'LOCAL_PREF of 8 bytes', attrs: [ORIGIN, AS_PATH, NEXT_HOP, attr(0x40, 5, '0000000000000064')], action: W, subcode: 5 },
  { name: 'COMMUNITIES of 5 bytes', attrs: [ORIGIN, AS_PATH, NEXT_HOP, attr(0xc0, 8, '0000000000')], action: W, subcode: 5 },
  { name: 'COMMUNITIES of 0 bytes', attrs: [ORIGIN, AS_PATH, NEXT_HOP, attr(0xc0, 8, '')], action: W, subcode: 5 },
  { name: 'LARGE_COMMUNITIES of 13 bytes', attrs: [ORIGIN, AS_PATH, NEXT_HOP, attr(0xc0, 32, '00'.repeat(13))], action: W, subcode: 5 },
  { name: 'ORIGINATOR_ID of 3 bytes', attrs: [ORIGIN, AS_PATH, NEXT_HOP, attr(0x80, 9, '0a0000')], action: W, subcode: 5 },
  { name: 'CLUSTER_LIST of 6 bytes', attrs: [ORIGIN, AS_PATH, NEXT_HOP, attr(0x80, 10, '0a0000010a00')], action: W, subcode: 5 },
  { name: 'ORIGIN missing', attrs: [AS_PATH, NEXT_HOP], action: W, subcode: 3 },
  { name: 'AS_PATH missing', attrs: [ORIGIN, NEXT_HOP], action: W, subcode: 3 },
  { name: 'NEXT_HOP missing with IPv4 NLRI', attrs: [ORIGIN, AS_PATH], action: W, subcode: 3 },
  { name: 'a truncated attribute header', attrs: [ORIGIN, AS_PATH, NEXT_HOP, hex('c008')], action: W, subcode: 1, field: 'UPDATE.attributes[3]' },
  { name: 'an attribute overrunning the block', attrs: [ORIGIN, AS_PATH, NEXT_HOP, hex('c0 08 08 00000001')], action: W, subcode: 5, field: 'UPDATE.attributes[3](COMMUNITIES)' },
  {
    name: 'ATOMIC_AGGREGATE of 1 byte',
    attrs: [ORIGIN, AS_PATH, NEXT_HOP, attr(0x40, 6, '00')],
    action: D,
    subcode: 5,
    check: (m) => expect(m.attributes.atomicAggregate).to.equal(undefined),
  },
  {
    name: 'AGGREGATOR of 7 bytes',
    attrs: [ORIGIN, AS_PATH, NEXT_HOP, attr(0xc0, 7, '00000001 0a0000')],
    action: D,
    subcode: 5,
    check: (m) => expect(m.attributes).to.not.have.property('aggregator'),
  },
  {
    name: 'a second MED',
    attrs: [ORIGIN, AS_PATH, NEXT_HOP, attr(0x80, 4, '00000005'), attr(0x80, 4, '00000009')],
    action: D,
    subcode: 1,
    check: (m) => expect(m.attributes.med).to.equal(5),
  },
  {
    name: 'AS4_PATH between 4-octet speakers',
    attrs: [ORIGIN, AS_PATH, NEXT_HOP, attr(0xc0, 17, '02 01 fa56ea01')],
    action: D,
    subcode: 9,
    check: (m) => expect(m.attributes.asPath).to.deep.equal([{ type: 2, asns: [65001] }]),
  },
  {
    name: 'a malformed AS4_PATH from a 2-octet speaker',
    fourOctetAs: false,
    attrs: [ORIGIN, attr(0x40, 2, '02 01 5ba0'), NEXT_HOP, attr(0xc0, 17, '02 02 fa56ea01')],
    action: D,
    subcode: 11,
    check: (m) => expect(m.attributes.asPath).to.deep.equal([{ type: 2, asns: [23456] }]),
  },
];

describe('RFC 7606 error handling', () => {
  for (const c of cases) {
    const ctx = { fourOctetAs: c.fourOctetAs ?? true };
    const bytes = message(2, updateBody('18 0a0300', Buffer.concat(c.attrs), NLRI));
    describe(`${c.name}`, () => {
      it(`is ${ACTION_NAME[c.action as 1 | 2 | 3]} with subcode ${c.subcode}`, () => {
        const { message: m, findings } = decodeMessage(bytes, ctx);
        expect(strongestAction(findings)).to.equal(c.action);
        const top = findings.find((f) => f.action === c.action)!;
        expect(top.subcode, top.reason).to.equal(c.subcode);
        if (c.field !== undefined) expect(top.field).to.equal(c.field);
        c.check?.(m as UpdateMessage);
      });
      if (c.action === W) {
        it('turns the announcements into withdrawals, through both decoders', () => {
          const { message: m, findings } = decodeMessage(bytes, ctx);
          const applied = applyTreatAsWithdraw(m as UpdateMessage, findings);
          expect(applied.nlri).to.deep.equal([]);
          expect(applied.withdrawn.map(prefixToString)).to.deep.equal(['10.3.0.0/24', '10.1.0.0/24', '10.2.0.0/24']);
          const s = scan(bytes, ctx);
          expect(s.announced).to.deep.equal([]);
          expect(s.withdrawn).to.deep.equal(['10.3.0.0/24', '10.1.0.0/24', '10.2.0.0/24']);
        });
      } else {
        it('keeps the announcements', () => {
          expect(scan(bytes, ctx).announced).to.deep.equal(['10.1.0.0/24', '10.2.0.0/24']);
        });
      }
    });
  }

  describe('unknown optional attributes', () => {
    const bytes = message(2, updateBody('', Buffer.concat([ORIGIN, AS_PATH, NEXT_HOP, attr(0x80, 99, 'aa'), attr(0xc0, 98, 'bb'), attr(0xd0, 97, 'cc')]), NLRI));
    it('drops the non-transitive one and keeps the transitive ones with Partial set', () => {
      const { message: m, findings } = decodeMessage(bytes);
      expect(findings).to.deep.equal([]);
      expect((m as UpdateMessage).attributes.unknown).to.deep.equal([
        { flags: 0xe0, type: 98, value: hex('bb') },
        { flags: 0xe0, type: 97, value: hex('cc') },
      ]);
    });
  });

  describe('MP_REACH_NLRI under treat-as-withdraw', () => {
    it('withdraws its prefixes too', () => {
      const mp = attr(0x80, 14, '0002 01 10 20010db8000000000000000000000001 00 30 20010db80001');
      const bytes = message(2, updateBody('', Buffer.concat([attr(0x40, 1, '07'), AS_PATH, mp]), ''));
      const s = scan(bytes, { fourOctetAs: true });
      expect(s.withdrawn).to.deep.equal(['2001:db8:1::/48']);
      const { message: m, findings } = decodeMessage(bytes);
      expect(applyTreatAsWithdraw(m as UpdateMessage, findings).mpUnreach?.withdrawn.map(prefixToString)).to.deep.equal(['2001:db8:1::/48']);
    });
  });

  describe('semantic validation', () => {
    const attrs = { origin: 0 as const, asPath: [{ type: 2 as const, asns: [65002, 65003] }], nextHop: '10.0.0.1', localPref: 100, originatorId: '10.0.0.5', clusterList: ['10.9.9.9'] };
    it('flags what an external peer must not send, and changes nothing', () => {
      const frozen = structuredClone(attrs);
      const f = validateAttributes(attrs, { ebgp: true, peerAs: 65001, localRouterId: '10.0.0.5' });
      expect(f.map((x) => [x.attrType, x.action])).to.deep.equal([
        [2, W],
        [5, D],
        [9, D],
        [10, D],
      ]);
      expect(attrs).to.deep.equal(frozen);
    });
    it('withdraws our own routes reflected back (RFC 4456)', () => {
      const f = validateAttributes(attrs, { ebgp: false, peerAs: 65000, localRouterId: '10.0.0.5', clusterId: '10.9.9.9' });
      expect(f.map((x) => [x.attrType, x.action])).to.deep.equal([
        [9, W],
        [10, W],
      ]);
    });
    it('rejects a next hop that is not unicast', () => {
      const f = validateAttributes({ ...attrs, nextHop: '224.0.0.1' }, { ebgp: false, peerAs: 65000, localRouterId: '10.0.0.1' });
      expect(f.map((x) => x.subcode)).to.deep.equal([8]);
    });
    const ibgp = { ebgp: false, peerAs: 65000, localRouterId: '10.0.0.1', localAddress: '192.0.2.1' };
    const nh = (nextHop: string): number[][] => validateAttributes({ origin: 0, asPath: [], nextHop }, ibgp).map((x) => [x.attrType!, x.action, x.subcode]);
    for (const bad of ['0.0.0.0', '0.1.2.3', '224.0.0.5', '239.255.255.255', '240.0.0.1', '255.255.255.255', '192.0.2.1']) {
      it(`withdraws NEXT_HOP ${bad}`, () => expect(nh(bad)).to.deep.equal([[3, W, 8]]));
    }
    for (const good of ['127.0.0.1', '127.0.0.3', '10.0.0.1', '1.0.0.1', '223.255.255.254', '192.0.2.2']) {
      it(`accepts NEXT_HOP ${good} (loopback included)`, () => expect(nh(good)).to.deep.equal([]));
    }
    const mp = (nextHop: string, localAddress = '2001:db8::1'): number[][] =>
      validateAttributes({ origin: 0, asPath: [], mpReach: { afi: 2, safi: 1, nextHop } }, { ...ibgp, localAddress }).map((x) => [x.attrType!, x.action]);
    for (const bad of ['::', 'ff02::1', 'ff0e::1234', '2001:db8::1', '::ffff:0.0.0.1', '::ffff:e000:1']) {
      it(`withdraws MP_REACH_NLRI next hop ${bad}`, () => expect(mp(bad)).to.deep.equal([[14, W]]));
    }
    it('withdraws an IPv4-mapped MP_REACH_NLRI next hop of our own IPv4 address', () => expect(mp('::ffff:c000:201', '192.0.2.1')).to.deep.equal([[14, W]]));
    for (const good of ['2001:db8::2', '::1', '::ffff:7f00:1', 'fe80::1']) {
      it(`accepts MP_REACH_NLRI next hop ${good}`, () => expect(mp(good)).to.deep.equal([]));
    }
    it('leaves a NEXT_HOP beside MP_REACH_NLRI alone (RFC 4760 3)', () => {
      const f = validateAttributes({ origin: 0, asPath: [], nextHop: '0.0.0.0', mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::2' } }, ibgp);
      expect(f).to.deep.equal([]);
    });
    it('accepts an iBGP route without LOCAL_PREF', () => {
      expect(validateAttributes({ origin: 0, asPath: [], nextHop: '10.0.0.9' }, ibgp)).to.deep.equal([]);
    });
    it('checks the first AS of an eBGP path unless enforceFirstAs is false', () => {
      const a = { origin: 0 as const, asPath: [{ type: 2 as const, asns: [65002, 65001] }], nextHop: '10.0.0.9' };
      const ebgp = { ebgp: true, peerAs: 65001, localRouterId: '10.0.0.1' };
      expect(validateAttributes(a, ebgp).map((x) => [x.attrType, x.action])).to.deep.equal([[2, W]]);
      expect(validateAttributes(a, { ...ebgp, enforceFirstAs: false })).to.deep.equal([]);
      expect(validateAttributes({ ...a, asPath: [{ type: 2 as const, asns: [65001, 65002] }] }, ebgp)).to.deep.equal([]);
    });
  });
});
