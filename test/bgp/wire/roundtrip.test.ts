import { expect } from 'chai';
import { decodeMessage, encodeMessage, type Message } from '../../../bgp/wire/index.ts';
import { parsePrefix } from '../../../bgp/wire/ip.ts';
import type { Ipv4Prefix, PathAttributes, Prefix } from '../../../bgp/wire/types.ts';

const v4 = (s: string): Ipv4Prefix => parsePrefix(s) as Ipv4Prefix;
const p = (s: string): Prefix => parsePrefix(s);
const base: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65001, 65002] }], nextHop: '192.0.2.1' };
const upd = (attributes: PathAttributes, extra: Partial<Extract<Message, { type: 'UPDATE' }>> = {}): Message => ({
  type: 'UPDATE',
  withdrawn: [],
  attributes,
  nlri: [v4('10.1.0.0/16')],
  ...extra,
});

const cases: { name: string; m: Message }[] = [
  { name: 'KEEPALIVE', m: { type: 'KEEPALIVE' } },
  { name: 'NOTIFICATION with data', m: { type: 'NOTIFICATION', code: 6, subcode: 2, data: Buffer.from('\x05bye!!') } },
  { name: 'NOTIFICATION without data', m: { type: 'NOTIFICATION', code: 4, subcode: 0, data: Buffer.alloc(0) } },
  { name: 'ROUTE-REFRESH', m: { type: 'ROUTE-REFRESH', afi: 2, safi: 1, subtype: 0 } },
  { name: 'OPEN without capabilities', m: { type: 'OPEN', version: 4, myAs: 65000, holdTime: 90, bgpId: '10.0.0.1', capabilities: [] } },
  {
    name: 'OPEN with every capability',
    m: {
      type: 'OPEN',
      version: 4,
      myAs: 23456,
      holdTime: 240,
      bgpId: '192.0.2.254',
      capabilities: [
        { kind: 'multiprotocol', afi: 1, safi: 1 },
        { kind: 'multiprotocol', afi: 2, safi: 1 },
        { kind: 'route-refresh' },
        { kind: 'four-octet-as', asn: 4200000001 },
        { kind: 'graceful-restart', restarting: true, notification: false, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: true }, { afi: 2, safi: 1, forwardingPreserved: false }] },
        { kind: 'unknown', code: 70, value: Buffer.alloc(0) },
        { kind: 'unknown', code: 73, value: Buffer.from('host') },
      ],
    },
  },
  { name: 'UPDATE withdraw only (End-of-RIB shape plus withdrawals)', m: { type: 'UPDATE', withdrawn: [v4('10.0.0.0/8'), v4('0.0.0.0/0'), v4('192.0.2.1/32')], attributes: {}, nlri: [] } },
  { name: 'UPDATE End-of-RIB', m: { type: 'UPDATE', withdrawn: [], attributes: {}, nlri: [] } },
  { name: 'ORIGIN, AS_PATH, NEXT_HOP', m: upd(base) },
  { name: 'ORIGIN INCOMPLETE, empty AS_PATH', m: upd({ origin: 2, asPath: [], nextHop: '192.0.2.1' }) },
  { name: 'AS_SET and AS_SEQUENCE', m: upd({ ...base, asPath: [{ type: 2, asns: [1, 2] }, { type: 1, asns: [7, 5, 3] }] }) },
  { name: 'confederation segments', m: upd({ ...base, asPath: [{ type: 3, asns: [64512] }, { type: 4, asns: [64513, 64514] }, { type: 2, asns: [65001] }] }) },
  { name: 'MED', m: upd({ ...base, med: 4294967295 }) },
  { name: 'LOCAL_PREF', m: upd({ ...base, localPref: 100 }) },
  { name: 'ATOMIC_AGGREGATE and AGGREGATOR', m: upd({ ...base, atomicAggregate: true, aggregator: { asn: 4200000000, address: '198.51.100.1' } }) },
  { name: 'COMMUNITIES', m: upd({ ...base, communities: [0xfde90064, 0xffffff01] }) },
  { name: 'LARGE_COMMUNITIES', m: upd({ ...base, largeCommunities: [[4200000000, 1, 2], [65001, 0, 4294967295]] }) },
  { name: 'ORIGINATOR_ID and CLUSTER_LIST', m: upd({ ...base, originatorId: '10.0.0.9', clusterList: ['10.0.0.1', '10.0.0.2'] }) },
  { name: 'unknown optional transitive (Partial set)', m: upd({ ...base, unknown: [{ flags: 0xe0, type: 99, value: Buffer.from('abc') }, { flags: 0xe0, type: 200, value: Buffer.alloc(0) }] }) },
  { name: 'long attribute (extended length)', m: upd({ ...base, communities: Array.from({ length: 300 }, (_, i) => i) }) },
  { name: 'long AS_PATH (> 255 ASes split over segments)', m: upd({ ...base, asPath: [{ type: 2, asns: Array.from({ length: 255 }, (_, i) => i + 1) }, { type: 2, asns: [9, 10] }] }) },
  {
    name: 'MP_REACH IPv6 with link-local next hop',
    m: upd({ origin: 0, asPath: [{ type: 2, asns: [65001] }], mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::1', linkLocalNextHop: 'fe80::1' } }, { nlri: [], mpNlri: [p('2001:db8:1::/48'), p('::/0'), p('2001:db8::1/128')] }),
  },
  { name: 'MP_REACH IPv6 global next hop only', m: upd({ origin: 0, asPath: [], mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::2' } }, { nlri: [], mpNlri: [p('2001:db8:2::/64')] }) },
  { name: 'MP_REACH IPv4', m: upd({ origin: 0, asPath: [], mpReach: { afi: 1, safi: 1, nextHop: '192.0.2.7' } }, { nlri: [], mpNlri: [p('10.9.0.0/16')] }) },
  { name: 'MP_UNREACH IPv6', m: { type: 'UPDATE', withdrawn: [], attributes: {}, nlri: [], mpUnreach: { afi: 2, safi: 1, withdrawn: [p('2001:db8:1::/48')] } } },
  { name: 'MP_UNREACH IPv6 End-of-RIB', m: { type: 'UPDATE', withdrawn: [], attributes: {}, nlri: [], mpUnreach: { afi: 2, safi: 1, withdrawn: [] } } },
  {
    name: 'classic and MP together',
    m: upd({ ...base, med: 5, mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::1' } }, { withdrawn: [v4('10.2.0.0/16')], mpNlri: [p('2001:db8::/32')], mpUnreach: { afi: 2, safi: 1, withdrawn: [p('2001:db9::/32')] } }),
  },
];

describe('wire round trips', () => {
  for (const fourOctetAs of [true, false]) {
    describe(`with fourOctetAs=${fourOctetAs}`, () => {
      for (const c of cases) {
        it(`decode(encode(x)) equals x for ${c.name}`, () => {
          const bytes = encodeMessage(c.m, { fourOctetAs });
          expect(bytes.readUInt16BE(16)).to.equal(bytes.length);
          const { message, findings } = decodeMessage(bytes, { fourOctetAs });
          expect(message).to.deep.equal(c.m);
          expect(findings).to.deep.equal([]);
          // And the bytes are canonical: encoding again gives the same.
          expect(encodeMessage(message, { fourOctetAs }).equals(bytes)).to.equal(true);
        });
      }
    });
  }

  describe('towards a 2-octet speaker', () => {
    it('sends AS_TRANS in AS_PATH and the real path in AS4_PATH', () => {
      const bytes = encodeMessage(upd({ ...base, asPath: [{ type: 2, asns: [4200000001, 65001] }] }), { fourOctetAs: false });
      // AS_PATH: type 2, len 2, AS_TRANS, 65001
      expect(bytes.includes(Buffer.from([0x40, 0x02, 0x06, 0x02, 0x02, 0x5b, 0xa0, 0xfd, 0xe9]))).to.equal(true);
      // AS4_PATH: optional transitive, type 17
      expect(bytes.includes(Buffer.from([0xc0, 0x11, 0x0a, 0x02, 0x02, 0xfa, 0x56, 0xea, 0x01, 0x00, 0x00, 0xfd, 0xe9]))).to.equal(true);
    });

    it('sends AS_TRANS in AGGREGATOR and the real AS in AS4_AGGREGATOR', () => {
      const bytes = encodeMessage(upd({ ...base, aggregator: { asn: 4200000001, address: '10.0.0.1' } }), { fourOctetAs: false });
      expect(bytes.includes(Buffer.from([0xc0, 0x07, 0x06, 0x5b, 0xa0, 10, 0, 0, 1]))).to.equal(true);
      expect(bytes.includes(Buffer.from([0xc0, 0x12, 0x08, 0xfa, 0x56, 0xea, 0x01, 10, 0, 0, 1]))).to.equal(true);
    });
  });
});
