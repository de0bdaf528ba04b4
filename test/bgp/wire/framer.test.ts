import { expect } from 'chai';
import { BgpWireError, encodeMessage, Framer, type Message } from '../../../bgp/wire/index.ts';
import { decodeBody } from '../../../bgp/wire/message.ts';
import { hex, message } from './bytes.ts';

const msgs: Message[] = [
  { type: 'OPEN', version: 4, myAs: 65000, holdTime: 90, bgpId: '10.0.0.1', capabilities: [{ kind: 'route-refresh' }] },
  { type: 'KEEPALIVE' },
  { type: 'UPDATE', withdrawn: [], attributes: { origin: 0, asPath: [], nextHop: '10.0.0.1' }, nlri: [{ afi: 1, addr: 0x0a000000, len: 8 }] },
  { type: 'NOTIFICATION', code: 6, subcode: 2, data: Buffer.alloc(0) },
];
const stream = Buffer.concat(msgs.map((m) => encodeMessage(m)));

function drain(f: Framer): Message[] {
  const out: Message[] = [];
  for (let fr = f.next(); fr !== null; fr = f.next()) out.push(decodeBody(fr.type, fr.buf, fr.start, fr.end, { fourOctetAs: true }).message);
  return out;
}

function framingError(chunks: Buffer[]): BgpWireError {
  const f = new Framer();
  try {
    for (const c of chunks) {
      f.push(c);
      drain(f);
    }
  } catch (e) {
    expect(e).to.be.instanceOf(BgpWireError);
    return e as BgpWireError;
  }
  throw new Error('no error');
}

describe('Framer', () => {
  describe('splits a stream into messages', () => {
    it('when everything arrives at once', () => {
      const f = new Framer();
      f.push(stream);
      expect(drain(f)).to.deep.equal(msgs);
      expect(f.buffered).to.equal(0);
    });

    it(`at every one of the ${stream.length - 1} split points`, () => {
      for (let i = 1; i < stream.length; i++) {
        const f = new Framer();
        f.push(stream.subarray(0, i));
        const got = drain(f);
        f.push(stream.subarray(i));
        got.push(...drain(f));
        expect(got, `split at ${i}`).to.deep.equal(msgs);
      }
    });

    it('at every pair of split points', () => {
      for (let i = 1; i < stream.length; i += 3) {
        for (let j = i + 1; j < stream.length; j += 5) {
          const f = new Framer();
          const got: Message[] = [];
          for (const c of [stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)]) {
            f.push(c);
            got.push(...drain(f));
          }
          expect(got, `split at ${i}, ${j}`).to.deep.equal(msgs);
        }
      }
    });

    it('one byte at a time', () => {
      const f = new Framer();
      const got: Message[] = [];
      for (const b of stream) {
        f.push(Buffer.from([b]));
        got.push(...drain(f));
      }
      expect(got).to.deep.equal(msgs);
    });

    it('when a chunk arrives before the previous frames were read', () => {
      const f = new Framer();
      f.push(stream.subarray(0, 40));
      f.push(stream.subarray(40));
      expect(drain(f)).to.deep.equal(msgs);
    });
  });

  describe('rejects a bad header', () => {
    const cases: { name: string; bytes: Buffer; subcode: number; data: string; offset: number }[] = [
      { name: 'a marker with a zero byte', bytes: Buffer.concat([hex('ff'.repeat(5) + '00' + 'ff'.repeat(10)), hex('0013 04')]), subcode: 1, data: '', offset: 5 },
      { name: 'length 18', bytes: message(4, '', 18), subcode: 2, data: '0012', offset: 16 },
      { name: 'length 4097', bytes: message(2, Buffer.alloc(4097 - 19), 4097), subcode: 2, data: '1001', offset: 16 },
      { name: 'a KEEPALIVE of 20 bytes', bytes: message(4, '00'), subcode: 2, data: '0014', offset: 16 },
      { name: 'an OPEN of 28 bytes', bytes: message(1, Buffer.alloc(9)), subcode: 2, data: '001c', offset: 16 },
      { name: 'an UPDATE of 22 bytes', bytes: message(2, '000000'), subcode: 2, data: '0016', offset: 16 },
      { name: 'a NOTIFICATION of 20 bytes', bytes: message(3, '06'), subcode: 2, data: '0014', offset: 16 },
      { name: 'a ROUTE-REFRESH of 22 bytes', bytes: message(5, '000100'), subcode: 2, data: '0016', offset: 16 },
      { name: 'message type 0', bytes: message(0, ''), subcode: 3, data: '00', offset: 18 },
      { name: 'message type 6', bytes: message(6, ''), subcode: 3, data: '06', offset: 18 },
    ];
    for (const c of cases) {
      it(`${c.name}: Message Header Error / ${c.subcode}, whether whole or split`, () => {
        for (const chunks of [[c.bytes], [c.bytes.subarray(0, 7), c.bytes.subarray(7)], [...c.bytes].map((b) => Buffer.from([b]))]) {
          const e = framingError(chunks);
          expect([e.notificationCode, e.subcode]).to.deep.equal([1, c.subcode]);
          expect(e.data.toString('hex')).to.equal(c.data);
          if (chunks.length === 1) expect(e.offset).to.equal(c.offset);
        }
      });
    }

    it('keeps failing after the first error', () => {
      const f = new Framer();
      f.push(message(9, ''));
      expect(() => f.next()).to.throw(BgpWireError);
      f.push(encodeMessage({ type: 'KEEPALIVE' }));
      expect(() => f.next()).to.throw(BgpWireError);
    });
  });
});
