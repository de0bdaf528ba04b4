import { expect } from 'chai';
import fc from 'fast-check';
import { AttributeCache, BgpWireError, decodeMessage, encodeMessage, Framer, prefixToString, scanUpdate, type UpdateMessage } from '../../../bgp/wire/index.ts';
import { decodeBody } from '../../../bgp/wire/message.ts';
import { open, other, update } from './arbitraries.ts';
import { scan } from './scan-helper.ts';

function onlyWireErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof BgpWireError)) throw e;
  }
}

/** Decodes with every path the speaker has: framer, general decoder, fast path. */
function decodeAll(bytes: Buffer, fourOctetAs: boolean): void {
  const ctx = { fourOctetAs };
  onlyWireErrors(() => decodeMessage(bytes, ctx));
  onlyWireErrors(() => {
    const f = new Framer();
    f.push(bytes);
    for (let fr = f.next(); fr !== null; fr = f.next()) {
      decodeBody(fr.type, fr.buf, fr.start, fr.end, ctx);
      if (fr.type === 2) scan(Buffer.from(fr.buf.subarray(fr.start - 19, fr.end)), ctx);
    }
  });
  if (bytes.length >= 19) {
    onlyWireErrors(() => scan(bytes, ctx));
  }
}

const anyMessage = (as4: boolean): fc.Arbitrary<import('../../../bgp/wire/index.ts').Message> => fc.oneof(update(as4), open, other);

describe('wire properties', () => {
  for (const fourOctetAs of [true, false]) {
    describe(`with fourOctetAs=${fourOctetAs}`, () => {
      it('decode(encode(x)) deep-equals x for any message', () => {
        fc.assert(
          fc.property(anyMessage(fourOctetAs), (m) => {
            const bytes = encodeMessage(m, { fourOctetAs });
            expect(decodeMessage(bytes, { fourOctetAs }).message).to.deep.equal(m);
          }),
          { numRuns: 400 },
        );
      });

      it('scanUpdate delivers the same prefixes as the general decoder', () => {
        fc.assert(
          fc.property(update(fourOctetAs), (m) => {
            const u = m as UpdateMessage;
            const bytes = encodeMessage(u, { fourOctetAs });
            const s = scan(bytes, { fourOctetAs });
            const wantWithdrawn = [...u.withdrawn, ...(u.mpUnreach?.withdrawn ?? [])].map(prefixToString);
            const announced = [...(u.mpNlri ?? []), ...u.nlri].map(prefixToString);
            const hasAnnouncements = u.attributes.mpReach !== undefined || u.nlri.length > 0;
            const { findings } = decodeMessage(bytes, { fourOctetAs });
            const withdrawAll = findings.some((f) => f.action >= 2);
            expect(s.withdrawn).to.deep.equal(withdrawAll ? [...wantWithdrawn, ...announced] : wantWithdrawn);
            expect(s.announced).to.deep.equal(withdrawAll ? [] : announced);
            // An attribute set is made only for prefixes that can be announced: classic NLRI
            // without NEXT_HOP withdraws the whole UPDATE, and an empty MP_REACH_NLRI announces nothing.
            const noNextHop = u.nlri.length > 0 && u.attributes.nextHop === undefined;
            const makesSet = hasAnnouncements && !noNextHop && (u.nlri.length > 0 || (u.mpNlri?.length ?? 0) > 0);
            expect(s.sets.length).to.equal(makesSet ? 1 : 0);
            if (makesSet) {
              const { mpReach: _nh, ...rest } = u.attributes;
              const { mpReach: _nh2, ...got } = s.sets[0]!.attributes;
              expect(got).to.deep.equal(rest);
            }
          }),
          { numRuns: 300 },
        );
      });

      it('random bytes raise nothing but BgpWireError', () => {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(1, 2, 3, 4, 5), (body, type) => {
            const b = Buffer.alloc(19 + body.length, 0xff);
            b.writeUInt16BE(b.length, 16);
            b[18] = type;
            b.set(body, 19);
            decodeAll(b, fourOctetAs);
          }),
          { numRuns: 2000 },
        );
      });

      it('mutated valid messages raise nothing but BgpWireError', () => {
        fc.assert(
          fc.property(anyMessage(fourOctetAs), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }), fc.nat(), (m, flips, cut) => {
            const bytes = Buffer.from(encodeMessage(m, { fourOctetAs }));
            for (const [at, v] of flips) bytes[19 + (at % Math.max(bytes.length - 19, 1))] = v;
            decodeAll(bytes, fourOctetAs);
            // A shortened message with its length fixed up to match.
            const short = Buffer.from(bytes.subarray(0, Math.max(19, bytes.length - (cut % 8))));
            short.writeUInt16BE(short.length, 16);
            decodeAll(short, fourOctetAs);
          }),
          { numRuns: 1500 },
        );
      });
    });
  }

  it('the attribute key is shared by UPDATEs with the same attributes and different prefixes', () => {
    const cache = new AttributeCache({ fourOctetAs: true });
    const attributes = { origin: 0 as const, asPath: [], mpReach: { afi: 2 as const, safi: 1 as const, nextHop: '2001:db8::1' } };
    const mk = (n: number): Buffer => encodeMessage({ type: 'UPDATE', withdrawn: [], attributes, nlri: [], mpNlri: Array.from({ length: n }, (_, i) => ({ afi: 2 as const, addr: Buffer.from([0x20, 1, 0xd, 0xb8, 0, i, ...new Array<number>(10).fill(0)]), len: 48 })) });
    scan(mk(1), { fourOctetAs: true }, cache);
    scan(mk(7), { fourOctetAs: true }, cache);
    expect(cache.size).to.equal(1);
    void scanUpdate;
  });
});
