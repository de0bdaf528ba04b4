import { expect } from 'chai';
import { AttributeCache, BgpWireError, scanUpdate, type UpdateSink } from '../../../bgp/wire/index.ts';
import { attr, BASE_ATTRS, message, updateBody } from './bytes.ts';

/**
 * Faults the speaker-level fuzzing (test/bgp/speaker/fuzz.test.ts) found in
 * scanUpdate, each pinned at the codec level.
 */
const mpReach6 = (nlri: string, flags = 0x80): Buffer => attr(flags, 14, `0002 01 10 20010db8000000000000000000000001 00 ${nlri}`);

function recording(cache = new AttributeCache({ fourOctetAs: true })): { sink: UpdateSink; calls: string[] } {
  const calls: string[] = [];
  const sink: UpdateSink = {
    withdraw4: (_a, l) => void calls.push(`withdraw4 /${l}`),
    withdraw6: (_a, l) => void calls.push(`withdraw6 /${l}`),
    announce4: (_a, l) => void calls.push(`announce4 /${l}`),
    announce6: (_a, l) => void calls.push(`announce6 /${l}`),
    attributes: (b, k) => {
      calls.push('attributes');
      return cache.intern(b, k);
    },
  };
  return { sink, calls };
}

function scanThrown(bytes: Buffer, sink: UpdateSink): BgpWireError {
  try {
    scanUpdate(bytes, 19, bytes.length - 19, { fourOctetAs: true }, sink);
  } catch (e) {
    if (e instanceof BgpWireError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('scanUpdate regressions from speaker fuzzing', () => {
  describe('an UPDATE that resets the session', () => {
    it('hands nothing to the sink when its NLRI is malformed after valid attributes (no attribute set left interned)', () => {
      const { sink, calls } = recording();
      const e = scanThrown(message(2, updateBody('18 0a0900', BASE_ATTRS, '18 0a0100 21 0a020000 00')), sink);
      expect([e.notificationCode, e.subcode, e.field]).to.deep.equal([3, 10, 'UPDATE.nlri.prefix[1]']);
      expect(calls).to.deep.equal([]);
    });

    it('hands nothing to the sink when MP_REACH_NLRI holds a /129', () => {
      const { sink, calls } = recording();
      scanThrown(message(2, updateBody('18 0a0900', Buffer.concat([BASE_ATTRS, mpReach6('30 20010db80001 81 20010db8')]), '')), sink);
      expect(calls).to.deep.equal([]);
    });
  });

  describe('Optional Attribute Error and Attribute Length Error carry the attribute (RFC 4271 6.3)', () => {
    const cases = [
      { name: 'MP_REACH_NLRI with a /129', a: mpReach6('81 20010db8'), subcode: 9 },
      { name: 'MP_REACH_NLRI shorter than its fixed part', a: attr(0x80, 14, '0002 01'), subcode: 9 },
      { name: 'MP_REACH_NLRI whose next hop overruns it', a: attr(0x80, 14, '0002 01 10 2001'), subcode: 9 },
      { name: 'MP_UNREACH_NLRI of 2 bytes', a: attr(0x80, 15, '0002'), subcode: 9 },
      { name: 'MP_UNREACH_NLRI with a /129', a: attr(0x80, 15, '0002 01 81 20010db8'), subcode: 9 },
    ];
    for (const c of cases) {
      it(`${c.name}: 3/${c.subcode} with the attribute as data`, () => {
        const e = scanThrown(message(2, updateBody('', Buffer.concat([BASE_ATTRS, c.a]), '')), recording().sink);
        expect([e.notificationCode, e.subcode]).to.deep.equal([3, c.subcode]);
        expect(e.data.toString('hex')).to.equal(c.a.toString('hex'));
      });
    }
    it('MP_REACH_NLRI overrunning the block: 3/5 with the bytes to the end of the block', () => {
      const overrun = Buffer.from('800e30000201', 'hex');
      const e = scanThrown(message(2, updateBody('', Buffer.concat([BASE_ATTRS, overrun]), '')), recording().sink);
      expect([e.notificationCode, e.subcode, e.data.toString('hex')]).to.deep.equal([3, 5, overrun.toString('hex')]);
    });
  });

  describe('attribute sets', () => {
    it('are not made for classic NLRI without NEXT_HOP: the prefixes are withdrawn', () => {
      const { sink, calls } = recording();
      const noNextHop = Buffer.concat([attr(0x40, 1, '00'), attr(0x40, 2, '02 01 0000fde9')]);
      scanUpdate(...args(message(2, updateBody('', noNextHop, '18 0a0100'))), sink);
      expect(calls).to.deep.equal(['withdraw4 /24']);
    });

    it('are not made for an MP_REACH_NLRI with no prefixes, but its block is still checked', () => {
      const { sink, calls } = recording();
      scanUpdate(...args(message(2, updateBody('', Buffer.concat([BASE_ATTRS, mpReach6('')]), ''))), sink);
      expect(calls).to.deep.equal([]);
      const e = scanThrown(message(2, updateBody('', Buffer.concat([BASE_ATTRS, attr(0x40, 100, '00'), mpReach6('')]), '')), sink);
      expect([e.notificationCode, e.subcode]).to.deep.equal([3, 2]);
    });

    it('are cached by a key that keeps MP_REACH_NLRI’s flags: a transitive one is judged, not served from the cache', () => {
      const cache = new AttributeCache({ fourOctetAs: true });
      const { sink } = recording(cache);
      scanUpdate(...args(message(2, updateBody('', Buffer.concat([BASE_ATTRS, mpReach6('30 20010db80001')]), ''))), sink);
      const bad = mpReach6('30 20010db80001', 0xc0);
      const e = scanThrown(message(2, updateBody('', Buffer.concat([BASE_ATTRS, bad]), '')), sink);
      expect([e.notificationCode, e.subcode, e.data.toString('hex')]).to.deep.equal([3, 4, bad.toString('hex')]);
    });

    it('are cached by a key that keeps MP_UNREACH_NLRI’s flags', () => {
      const cache = new AttributeCache({ fourOctetAs: true });
      const { sink } = recording(cache);
      const unreach = (flags: number): Buffer => attr(flags, 15, '0001 01 18 0a0900');
      scanUpdate(...args(message(2, updateBody('', Buffer.concat([BASE_ATTRS, unreach(0x80)]), '18 0a0100'))), sink);
      const e = scanThrown(message(2, updateBody('', Buffer.concat([BASE_ATTRS, unreach(0x40)]), '18 0a0100')), sink);
      expect([e.notificationCode, e.subcode]).to.deep.equal([3, 4]);
    });
  });
});

function args(bytes: Buffer): [Buffer, number, number, { fourOctetAs: boolean }] {
  return [bytes, 19, bytes.length - 19, { fourOctetAs: true }];
}
