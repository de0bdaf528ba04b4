/**
 * Compact prefix keys. The RIB holds millions of prefixes, so a prefix is not
 * an object but a key: IPv4 as the number addr*64+len (< 2^38, exact in a
 * double, cheap to hash), IPv6 as the string "<hex of the significant
 * bytes>/<len>". `typeof key` tells the family apart.
 */
import type { Prefix } from '../wire/types.ts';
import { AFI } from '../wire/types.ts';

export type V4Key = number;
export type V6Key = string;
export type PrefixKey = V4Key | V6Key;

export function v4Key(addr: number, len: number): V4Key {
  return (addr >>> 0) * 64 + len;
}

export function v4Addr(key: V4Key): number {
  return Math.floor(key / 64);
}

export function v4Len(key: V4Key): number {
  return key % 64;
}

export function v6Key(addr: Uint8Array, len: number): V6Key {
  return Buffer.from(addr.buffer, addr.byteOffset, (len + 7) >> 3).toString('hex') + '/' + len;
}

export function v6Parts(key: V6Key): { addr: Buffer; len: number } {
  const slash = key.indexOf('/');
  const addr = Buffer.alloc(16);
  Buffer.from(key.slice(0, slash), 'hex').copy(addr);
  return { addr, len: Number(key.slice(slash + 1)) };
}

export function keyLen(key: PrefixKey): number {
  return typeof key === 'number' ? key % 64 : Number(key.slice(key.indexOf('/') + 1));
}

export function prefixKey(p: Prefix): PrefixKey {
  return p.afi === AFI.IPV4 ? v4Key(p.addr, p.len) : v6Key(p.addr, p.len);
}

export function keyToPrefix(key: PrefixKey): Prefix {
  if (typeof key === 'number') return { afi: AFI.IPV4, addr: v4Addr(key), len: v4Len(key) };
  const { addr, len } = v6Parts(key);
  return { afi: AFI.IPV6, addr, len };
}

export function formatV4(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}`;
}

export function parseV4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${text}`);
  let v = 0;
  for (const p of parts) {
    const n = Number(p);
    if (!/^\d{1,3}$/.test(p) || n > 255) throw new RangeError(`not an IPv4 address: ${text}`);
    v = v * 256 + n;
  }
  return v;
}

export function formatV6(addr: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((addr[i]! << 8) | addr[i + 1]!);
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first if tied.
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return hex.slice(0, bestAt).join(':') + '::' + hex.slice(bestAt + bestLen).join(':');
}

/** Parses "a.b.c.d/len" or an IPv6 "x::y/len" into a key; host bits must be zero. */
export function parsePrefix(text: string): PrefixKey {
  const slash = text.indexOf('/');
  if (slash < 0) throw new RangeError(`prefix without length: ${text}`);
  const addrText = text.slice(0, slash);
  const len = Number(text.slice(slash + 1));
  if (!addrText.includes(':')) {
    if (!Number.isInteger(len) || len < 0 || len > 32) throw new RangeError(`bad IPv4 prefix length in ${text}`);
    const addr = parseV4(addrText);
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    if (((addr & ~mask) >>> 0) !== 0) throw new RangeError(`host bits set in ${text}`);
    return v4Key(addr, len);
  }
  if (!Number.isInteger(len) || len < 0 || len > 128) throw new RangeError(`bad IPv6 prefix length in ${text}`);
  const addr = parseV6(addrText);
  for (let bit = len; bit < 128; bit++) {
    if (addr[bit >> 3]! & (0x80 >> (bit & 7))) throw new RangeError(`host bits set in ${text}`);
  }
  return v6Key(addr, len);
}

export function parseV6(text: string): Buffer {
  const out = Buffer.alloc(16);
  const halves = text.split('::');
  if (halves.length > 2) throw new RangeError(`not an IPv6 address: ${text}`);
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  if (halves.length === 1 && head.length !== 8) throw new RangeError(`not an IPv6 address: ${text}`);
  const put = (groups: string[], at: number): void => {
    groups.forEach((g, i) => {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new RangeError(`not an IPv6 address: ${text}`);
      out.writeUInt16BE(parseInt(g, 16), (at + i) * 2);
    });
  };
  put(head, 0);
  put(tail, 8 - tail.length);
  return out;
}

export function formatKey(key: PrefixKey): string {
  if (typeof key === 'number') return `${formatV4(v4Addr(key))}/${v4Len(key)}`;
  const { addr, len } = v6Parts(key);
  return `${formatV6(addr)}/${len}`;
}
