import { Reader } from './reader.ts';
import { Writer } from './writer.ts';
import { AFI } from './constants.ts';
import type { Afi, Ipv4Prefix, Ipv6Prefix, Prefix } from './types.ts';

/** Textual IPv6 (RFC 5952 form: lower case, longest zero run compressed). */
export function ipv6ToString(b: Uint8Array, off = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

export function ipv6ToBytes(addr: string): Buffer {
  const bad = (): never => {
    throw new RangeError(`not an IPv6 address: ${addr}`);
  };
  const halves = addr.split('::');
  if (halves.length > 2) bad();
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => (/^[0-9a-fA-F]{1,4}$/.test(h) ? parseInt(h, 16) : bad())));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || (halves.length === 2 && fill < 1)) bad();
  const groups = [...head, ...new Array<number>(Math.max(fill, 0)).fill(0), ...tail];
  const out = Buffer.alloc(16);
  groups.forEach((v, i) => out.writeUInt16BE(v, 2 * i));
  return out;
}

export function ipv4ToNumber(addr: string): number {
  const p = addr.split('.').map(Number);
  return (((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0);
}

export function numberToIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

export function prefixToString(p: Prefix): string {
  return p.afi === AFI.IPV4 ? `${numberToIpv4(p.addr)}/${p.len}` : `${ipv6ToString(p.addr)}/${p.len}`;
}

/** Parses "10.0.0.0/8" or "2001:db8::/32", zeroing host bits. */
export function parsePrefix(s: string): Prefix {
  const slash = s.lastIndexOf('/');
  const len = Number(s.slice(slash + 1));
  const addr = s.slice(0, slash);
  if (addr.includes(':')) {
    if (!(len >= 0 && len <= 128)) throw new RangeError(`bad prefix length in ${s}`);
    const b = ipv6ToBytes(addr);
    maskBytes(b, len);
    return { afi: AFI.IPV6, addr: b, len };
  }
  if (!(len >= 0 && len <= 32)) throw new RangeError(`bad prefix length in ${s}`);
  return { afi: AFI.IPV4, addr: mask4(ipv4ToNumber(addr), len), len };
}

export function mask4(addr: number, len: number): number {
  return len === 0 ? 0 : (addr & (0xffffffff << (32 - len))) >>> 0;
}

function maskBytes(b: Buffer, len: number): void {
  for (let i = 0; i < b.length; i++) {
    const keep = Math.min(Math.max(len - 8 * i, 0), 8);
    b[i] = b[i]! & ((0xff00 >> keep) & 0xff);
  }
}

/** RFC 4271 4.3 prefix encoding: length in bits, then just enough bytes. */
export function readPrefix(r: Reader, afi: Afi, what: string): Prefix {
  const max = afi === AFI.IPV4 ? 32 : 128;
  const at = r.pos;
  const len = r.u8(`${what} length`);
  if (len > max) r.fail(`prefix length ${len} exceeds ${max}`, undefined, undefined, undefined, at);
  const n = (len + 7) >> 3;
  r.need(n, `${what} of /${len}`);
  if (afi === AFI.IPV4) {
    let a = 0;
    for (let i = 0; i < 4; i++) a = (a << 8) | (i < n ? r.buf[r.pos + i]! : 0);
    r.pos += n;
    return { afi, addr: mask4(a >>> 0, len), len } satisfies Ipv4Prefix;
  }
  const b = Buffer.alloc(16);
  r.buf.copy(b, 0, r.pos, r.pos + n);
  r.pos += n;
  maskBytes(b, len);
  return { afi, addr: b, len } satisfies Ipv6Prefix;
}

export function readPrefixes(r: Reader, afi: Afi, what: string): Prefix[] {
  const out: Prefix[] = [];
  while (r.remaining > 0) {
    r.enter(`${what}[${out.length}]`);
    out.push(readPrefix(r, afi, 'prefix'));
    r.leave();
  }
  return out;
}

export function writePrefix(w: Writer, p: Prefix): void {
  w.u8(p.len);
  const n = (p.len + 7) >> 3;
  if (p.afi === AFI.IPV4) {
    for (let i = 0; i < n; i++) w.u8(p.addr >>> (24 - 8 * i));
  } else {
    w.bytes(p.addr.subarray(0, n));
  }
}
