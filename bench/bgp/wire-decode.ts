/**
 * How fast the codec takes in a full table: 1,000,000 /24s packed 1,013 per
 * 4096-byte UPDATE, as ../shared/bench/bgp-ingest/bgp-blaster sends them, fed
 * to the framer in 64 KiB chunks (a typical socket read).
 *
 *   node bench/bgp/wire-decode.ts [prefixes]
 *
 * Prints prefixes/s for: a bare byte walk over the same NLRI (the in-run
 * reference: no codec can beat it), framer + scanUpdate + AttributeCache (the
 * ingest path), and framer + the general decoder (objects per prefix).
 */
import { AttributeCache, decodeBody, encodeMessage, Framer, MESSAGE_TYPE, scanUpdate, type UpdateSink } from '../../bgp/wire/index.ts';
import type { WireContext } from '../../bgp/wire/attr-table.ts';
import type { Ipv4Prefix } from '../../bgp/wire/types.ts';

const COUNT = Number(process.argv[2] ?? 1_000_000);
const PER_UPDATE = 1013;
const CHUNK = 64 * 1024;
const ctx: WireContext = { fourOctetAs: true };

function buildStream(): Buffer {
  const msgs: Buffer[] = [];
  const base = (100 << 24) >>> 0;
  for (let i = 0; i < COUNT; i += PER_UPDATE) {
    const nlri: Ipv4Prefix[] = [];
    for (let j = i; j < Math.min(i + PER_UPDATE, COUNT); j++) nlri.push({ afi: 1, addr: (base + j * 256) >>> 0, len: 24 });
    msgs.push(
      encodeMessage({ type: 'UPDATE', withdrawn: [], attributes: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '10.77.1.1' }, nlri }, ctx),
    );
  }
  return Buffer.concat(msgs);
}

function time(label: string, runs: number, fn: () => number): void {
  let best = Infinity;
  let n = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    n = fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.min(best, s);
  }
  if (n !== COUNT) throw new Error(`${label}: saw ${n} prefixes, expected ${COUNT}`);
  console.log(`${label.padEnd(44)} ${(best * 1000).toFixed(1).padStart(8)} ms  ${Math.round(COUNT / best).toLocaleString('en-US').padStart(13)} prefixes/s  (best of ${runs})`);
}

function chunks(stream: Buffer, each: (c: Buffer) => void): void {
  for (let off = 0; off < stream.length; off += CHUNK) each(stream.subarray(off, Math.min(off + CHUNK, stream.length)));
}

const t0 = process.hrtime.bigint();
const stream = buildStream();
console.log(`built ${COUNT.toLocaleString('en-US')} prefixes in ${Math.ceil(COUNT / PER_UPDATE)} UPDATEs, ${stream.length} bytes, in ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`);

time('reference: bare walk over headers and NLRI', 5, () => {
  let n = 0;
  let sum = 0;
  for (let p = 0; p < stream.length; ) {
    const len = stream.readUInt16BE(p + 16);
    const aLen = stream.readUInt16BE(p + 21);
    for (let q = p + 23 + aLen; q < p + len; ) {
      const l = stream[q]!;
      sum ^= (stream[q + 1]! << 24) | (stream[q + 2]! << 16) | (stream[q + 3]! << 8);
      q += 1 + ((l + 7) >> 3);
      n++;
    }
    p += len;
  }
  if (sum === 42) console.log('');
  return n;
});

time('framer + scanUpdate + AttributeCache', 5, () => {
  const cache = new AttributeCache(ctx);
  let n = 0;
  let sum = 0;
  const sink: UpdateSink = {
    withdraw4() {},
    withdraw6() {},
    attributes: (block, key) => cache.intern(block, key),
    announce4(addr) {
      sum ^= addr;
      n++;
    },
    announce6() {},
  };
  const framer = new Framer();
  chunks(stream, (c) => {
    framer.push(c);
    for (let f = framer.next(); f !== null; f = framer.next()) {
      if (f.type === MESSAGE_TYPE.UPDATE) scanUpdate(f.buf, f.start, f.end - f.start, ctx, sink);
    }
  });
  if (sum === 42) console.log('');
  return n;
});

time('framer + general decoder (decodeBody)', 3, () => {
  let n = 0;
  const framer = new Framer();
  chunks(stream, (c) => {
    framer.push(c);
    for (let f = framer.next(); f !== null; f = framer.next()) {
      const { message } = decodeBody(f.type, f.buf, f.start, f.end, ctx);
      if (message.type === 'UPDATE') n += message.nlri.length;
    }
  });
  return n;
});
