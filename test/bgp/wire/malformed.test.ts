import { expect } from 'chai';
import { BgpWireError, decodeMessage, scanUpdate, AttributeCache, type UpdateSink } from '../../../bgp/wire/index.ts';
import { attr, BASE_ATTRS, hex, message, updateBody } from './bytes.ts';

/**
 * Bytes a peer must not send, and the exact NOTIFICATION each one earns.
 * Offsets count from the first marker byte.
 */
interface Case {
  readonly name: string;
  readonly bytes: Buffer;
  readonly code: number;
  readonly subcode: number;
  readonly field?: string;
  readonly offset?: number;
  readonly data?: string;
}

const openBody = (rest: string, version = '04'): Buffer => hex(`${version} fde8 005a 0a000001 ${rest}`);
const mpReach6 = (nlri: string, nh = '10 20010db8000000000000000000000001'): Buffer => attr(0x80, 14, `0002 01 ${nh} 00 ${nlri}`);
const unknownWellKnown = attr(0x40, 100, 'abcd');

const cases: Case[] = [
  { name: 'OPEN version 3', bytes: message(1, openBody('00', '03')), code: 2, subcode: 1, data: '0004', offset: 19 },
  { name: 'OPEN optional parameter type 1', bytes: message(1, openBody('04 01 02 0000')), code: 2, subcode: 4, field: 'OPEN.parameters[0]', offset: 29 },
  { name: 'OPEN optional parameters length longer than the message', bytes: message(1, openBody('05 02 02 0200')), code: 2, subcode: 0, field: 'OPEN' },
  { name: 'OPEN capability overrunning its parameter', bytes: message(1, openBody('04 02 02 0104')), code: 2, subcode: 0, field: 'OPEN.parameters[0]' },
  { name: 'OPEN multiprotocol capability of 3 bytes', bytes: message(1, openBody('07 02 05 0103 000100')), code: 2, subcode: 0, field: 'OPEN.parameters[0].capability(1)' },
  { name: 'OPEN 4-octet AS capability of 2 bytes', bytes: message(1, openBody('06 02 04 4102 fde8')), code: 2, subcode: 0, field: 'OPEN.parameters[0].capability(65)' },
  { name: 'OPEN graceful restart capability of 3 bytes', bytes: message(1, openBody('07 02 05 4003 007800')), code: 2, subcode: 0 },
  { name: 'UPDATE withdrawn length past the end', bytes: message(2, hex('0010 0000')), code: 3, subcode: 1, field: 'UPDATE', offset: 21 },
  { name: 'UPDATE withdrawn /33', bytes: message(2, updateBody('21 0a000000 00', '', '')), code: 3, subcode: 10, field: 'UPDATE.withdrawn.prefix[0]', offset: 21 },
  { name: 'UPDATE withdrawn prefix cut short', bytes: message(2, updateBody('18 0a00', '', '')), code: 3, subcode: 10, field: 'UPDATE.withdrawn.prefix[0]' },
  { name: 'UPDATE total attribute length past the end', bytes: message(2, hex('0000 0040 400101 00')), code: 3, subcode: 1, field: 'UPDATE' },
  { name: 'UPDATE NLRI /40', bytes: message(2, updateBody('', BASE_ATTRS, '28 0a000000 00')), code: 3, subcode: 10, field: 'UPDATE.nlri.prefix[0]' },
  { name: 'UPDATE NLRI cut short', bytes: message(2, updateBody('', BASE_ATTRS, '18 0a01 ')), code: 3, subcode: 10, field: 'UPDATE.nlri.prefix[0]' },
  {
    name: 'an unrecognized well-known attribute',
    bytes: message(2, updateBody('', Buffer.concat([BASE_ATTRS, unknownWellKnown]), '08 0a')),
    code: 3,
    subcode: 2,
    field: 'UPDATE.attributes[3](type 100)',
    data: unknownWellKnown.toString('hex'),
    offset: 23 + BASE_ATTRS.length,
  },
  { name: 'MP_REACH_NLRI twice', bytes: message(2, updateBody('', Buffer.concat([BASE_ATTRS, mpReach6(''), mpReach6('')]), '')), code: 3, subcode: 1, field: 'UPDATE.attributes[4](MP_REACH_NLRI)' },
  { name: 'MP_REACH_NLRI with an 8-byte IPv6 next hop', bytes: message(2, updateBody('', Buffer.concat([BASE_ATTRS, mpReach6('', '08 2001db8000000001')]), '')), code: 3, subcode: 9, field: 'UPDATE.attributes[3](MP_REACH_NLRI)' },
  { name: 'MP_REACH_NLRI with a /129', bytes: message(2, updateBody('', Buffer.concat([BASE_ATTRS, mpReach6('81 20010db8')]), '')), code: 3, subcode: 9, field: 'UPDATE.attributes[3](MP_REACH_NLRI).nlri[0]' },
  { name: 'MP_REACH_NLRI prefix cut short', bytes: message(2, updateBody('', Buffer.concat([BASE_ATTRS, mpReach6('30 20010db8')]), '')), code: 3, subcode: 9 },
  { name: 'MP_REACH_NLRI with transitive flag', bytes: message(2, updateBody('', Buffer.concat([BASE_ATTRS, attr(0xc0, 14, '0002 01 10 20010db8000000000000000000000001 00')]), '')), code: 3, subcode: 4, field: 'UPDATE.attributes[3](MP_REACH_NLRI)' },
  { name: 'MP_REACH_NLRI overrunning the block', bytes: message(2, updateBody('', Buffer.concat([BASE_ATTRS, hex('80 0e 30 0002 01 10')]), '')), code: 3, subcode: 5, field: 'UPDATE.attributes[3](MP_REACH_NLRI)' },
  { name: 'MP_UNREACH_NLRI of 2 bytes', bytes: message(2, updateBody('', attr(0x80, 15, '0002'), '')), code: 3, subcode: 9 },
  { name: 'ROUTE-REFRESH of 24 bytes', bytes: message(5, '00010001 00'), code: 7, subcode: 1 },
];

function thrown(fn: () => unknown): BgpWireError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BgpWireError) return e;
    throw new Error(`threw something else: ${String(e)}`);
  }
  throw new Error('did not throw');
}

const nullSink = (ctx: { fourOctetAs: boolean }): UpdateSink => {
  const cache = new AttributeCache(ctx);
  return { withdraw4() {}, withdraw6() {}, announce4() {}, announce6() {}, attributes: (b, k) => cache.intern(b, k) };
};

describe('malformed messages', () => {
  for (const c of cases) {
    describe(c.name, () => {
      it(`decodeMessage answers ${c.code}/${c.subcode}`, () => {
        const e = thrown(() => decodeMessage(c.bytes, { fourOctetAs: true }));
        expect([e.notificationCode, e.subcode], e.message).to.deep.equal([c.code, c.subcode]);
        if (c.field !== undefined) expect(e.field).to.equal(c.field);
        if (c.offset !== undefined) expect(e.offset).to.equal(c.offset);
        if (c.data !== undefined) expect(e.data.toString('hex')).to.equal(c.data);
        expect(e.code).to.equal('BGP_WIRE_MALFORMED');
      });
      if (c.bytes[18] === 2) {
        it(`scanUpdate answers ${c.code}/${c.subcode} too`, () => {
          const e = thrown(() => scanUpdate(c.bytes, 19, c.bytes.length - 19, { fourOctetAs: true }, nullSink({ fourOctetAs: true })));
          expect([e.notificationCode, e.subcode], e.message).to.deep.equal([c.code, c.subcode]);
        });
      }
    });
  }
});
