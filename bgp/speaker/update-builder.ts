/**
 * Adj-RIB-Out buckets -> UPDATE bytes (BIRD's bgp_create_update shape). One
 * OutUpdate is one attribute set with many prefixes; it becomes as few
 * 4096-byte UPDATEs as the prefixes fit in. The attribute block of each
 * outgoing set is encoded once per family and reused for every message of the
 * bucket and of later buckets with the same set.
 *
 * IPv4 unicast goes in the classic fields (withdrawn routes, NEXT_HOP + NLRI);
 * IPv6 unicast in MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760), placed first in
 * the block as BIRD does. Prefixes of a family the session did not negotiate
 * are dropped here. The next hop must match the prefix's family: export rules
 * put our session address in NEXT_HOP, which for the other family is replaced
 * by the session's fallback for that family.
 */
import { ATTR_FLAG, ATTR_TYPE, HEADER_LEN, MAX_MESSAGE_LEN, MESSAGE_TYPE } from '../wire/constants.ts';
import { encodeAttributeBlock } from '../wire/attributes.ts';
import type { WireContext } from '../wire/attr-table.ts';
import { ipv6ToBytes } from '../wire/ip.ts';
import type { PathAttributes } from '../wire/types.ts';
import type { AttrSet } from '../rib/attr-set.ts';
import type { OutUpdate } from '../rib/adj-rib-out.ts';
import type { PrefixKey } from '../rib/prefix-key.ts';

export interface BuildContext extends WireContext {
  readonly ipv4: boolean;
  readonly ipv6: boolean;
  /** Our next hop for IPv4 prefixes when the set's NEXT_HOP is not IPv4. */
  readonly nextHopV4: string;
  /** Our next hop for IPv6 prefixes when the set carries no IPv6 one of ours or the peer's. */
  readonly nextHopV6: string;
}

const isIpv4 = (s: string): boolean => !s.includes(':');
/** Where the UPDATE body starts in a message buffer. */
const B = HEADER_LEN;

/** MP_REACH / MP_UNREACH always take the extended-length form, so their length never moves the NLRI. */
const MP_FLAGS = ATTR_FLAG.OPTIONAL | ATTR_FLAG.EXTENDED_LENGTH;

interface Blocks {
  v4?: Buffer;
  v6?: { attrs: Buffer; nextHop: Buffer };
}

export class UpdateBuilder {
  readonly ctx: BuildContext;
  readonly #blocks = new WeakMap<AttrSet, Blocks>();

  constructor(ctx: BuildContext) {
    this.ctx = ctx;
  }

  /** Whole messages (header included), in order. */
  build(u: OutUpdate): Buffer[] {
    const v4: number[] = [];
    const v6: string[] = [];
    for (const k of u.prefixes) {
      if (typeof k === 'number') {
        if (this.ctx.ipv4) v4.push(k);
      } else if (this.ctx.ipv6) v6.push(k);
    }
    const out: Buffer[] = [];
    if (u.kind === 'withdraw') {
      if (v4.length > 0) this.#withdraw4(v4, out);
      if (v6.length > 0) this.#mpUnreach(v6, out);
      return out;
    }
    const blocks = this.#blocksOf(u.attrs);
    if (v4.length > 0) this.#announce4(v4, (blocks.v4 ??= this.#v4Block(u.attrs.attrs)), out);
    if (v6.length > 0) this.#announce6(v6, (blocks.v6 ??= this.#v6Block(u.attrs.attrs)), out);
    return out;
  }

  /** RFC 4724 2: End-of-RIB is an empty UPDATE (IPv4) or an empty MP_UNREACH_NLRI. */
  endOfRib(afi: 1 | 2): Buffer {
    if (afi === 1) return message(Buffer.from([0, 0, 0, 0]));
    return message(Buffer.from([0, 0, 0, 7, MP_FLAGS, ATTR_TYPE.MP_UNREACH_NLRI, 0, 3, 0, 2, 1]));
  }

  #blocksOf(set: AttrSet): Blocks {
    let b = this.#blocks.get(set);
    if (b === undefined) this.#blocks.set(set, (b = {}));
    return b;
  }

  #v4Block(a: PathAttributes): Buffer {
    const nextHop = a.nextHop !== undefined && isIpv4(a.nextHop) ? a.nextHop : a.mpReach?.afi === 1 ? a.mpReach.nextHop : this.ctx.nextHopV4;
    const { mpReach: _m, ...rest } = a;
    return encodeAttributeBlock({ ...rest, nextHop }, this.ctx);
  }

  #v6Block(a: PathAttributes): { attrs: Buffer; nextHop: Buffer } {
    // An IPv6 NEXT_HOP is export's "next hop self" on an IPv6 session; otherwise the route's own, else ours.
    const nh = a.nextHop !== undefined && !isIpv4(a.nextHop) ? a.nextHop : a.mpReach?.afi === 2 ? a.mpReach.nextHop : this.ctx.nextHopV6;
    const { mpReach: _m, nextHop: _n, ...rest } = a;
    return { attrs: encodeAttributeBlock(rest, this.ctx), nextHop: v6Bytes(nh) };
  }

  #withdraw4(keys: readonly number[], out: Buffer[]): void {
    const room = MAX_MESSAGE_LEN - HEADER_LEN - 4;
    let i = 0;
    while (i < keys.length) {
      const m = Buffer.allocUnsafe(MAX_MESSAGE_LEN);
      let p = B + 2;
      while (i < keys.length && p - B - 2 + size4(keys[i]!) <= room) p = put4(m, p, keys[i++]!);
      m.writeUInt16BE(p - B - 2, B);
      m.writeUInt16BE(0, p);
      out.push(frame(m, p + 2));
    }
  }

  #announce4(keys: readonly number[], attrs: Buffer, out: Buffer[]): void {
    let i = 0;
    while (i < keys.length) {
      const m = Buffer.allocUnsafe(MAX_MESSAGE_LEN);
      m.writeUInt16BE(0, B);
      m.writeUInt16BE(attrs.length, B + 2);
      attrs.copy(m, B + 4);
      let p = B + 4 + attrs.length;
      while (i < keys.length && p + size4(keys[i]!) <= MAX_MESSAGE_LEN) p = put4(m, p, keys[i++]!);
      out.push(frame(m, p));
    }
  }

  #announce6(keys: readonly string[], b: { attrs: Buffer; nextHop: Buffer }, out: Buffer[]): void {
    // Body: withdrawn len, attr len, MP_REACH header (4) + AFI/SAFI/NH len (4) + next hop + reserved (1), then the other attributes.
    const mpFixed = 4 + 4 + b.nextHop.length + 1;
    let i = 0;
    while (i < keys.length) {
      const m = Buffer.allocUnsafe(MAX_MESSAGE_LEN);
      const room = MAX_MESSAGE_LEN - B - 4 - mpFixed - b.attrs.length;
      let p = B + 4 + mpFixed;
      const start = p;
      while (i < keys.length && p - start + size6(keys[i]!) <= room) p = put6(m, p, keys[i++]!);
      m.writeUInt16BE(0, B);
      m.writeUInt16BE(p - B - 4 + b.attrs.length, B + 2);
      m[B + 4] = MP_FLAGS;
      m[B + 5] = ATTR_TYPE.MP_REACH_NLRI;
      m.writeUInt16BE(p - B - 8, B + 6);
      m.writeUInt16BE(2, B + 8);
      m[B + 10] = 1;
      m[B + 11] = b.nextHop.length;
      b.nextHop.copy(m, B + 12);
      m[B + 12 + b.nextHop.length] = 0;
      b.attrs.copy(m, p);
      out.push(frame(m, p + b.attrs.length));
    }
  }

  #mpUnreach(keys: readonly string[], out: Buffer[]): void {
    let i = 0;
    while (i < keys.length) {
      const m = Buffer.allocUnsafe(MAX_MESSAGE_LEN);
      let p = B + 11;
      while (i < keys.length && p + size6(keys[i]!) <= MAX_MESSAGE_LEN) p = put6(m, p, keys[i++]!);
      m.writeUInt16BE(0, B);
      m.writeUInt16BE(p - B - 4, B + 2);
      m[B + 4] = MP_FLAGS;
      m[B + 5] = ATTR_TYPE.MP_UNREACH_NLRI;
      m.writeUInt16BE(p - B - 8, B + 6);
      m.writeUInt16BE(2, B + 8);
      m[B + 10] = 1;
      out.push(frame(m, p));
    }
  }
}

/** Writes the 19-byte header in front of the body already in `m`. */
function frame(m: Buffer, end: number): Buffer {
  m.fill(0xff, 0, 16);
  m.writeUInt16BE(end, 16);
  m[18] = MESSAGE_TYPE.UPDATE;
  return m.subarray(0, end);
}

function message(body: Buffer): Buffer {
  const m = Buffer.allocUnsafe(HEADER_LEN + body.length);
  body.copy(m, HEADER_LEN);
  return frame(m, m.length);
}

/** Also takes the IPv4-mapped form with a dotted tail (::ffff:192.0.2.1). */
function v6Bytes(a: string): Buffer {
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (m === null) return ipv6ToBytes(a);
  const n = m[2]!.split('.').map(Number);
  return ipv6ToBytes(`${m[1]}${((n[0]! << 8) | n[1]!).toString(16)}:${((n[2]! << 8) | n[3]!).toString(16)}`);
}

function size4(key: number): number {
  return 1 + (((key % 64) + 7) >> 3);
}

function put4(b: Buffer, p: number, key: number): number {
  const len = key % 64;
  const addr = (key - len) / 64;
  b[p++] = len;
  const n = (len + 7) >> 3;
  for (let j = 0; j < n; j++) b[p++] = (addr >>> (24 - 8 * j)) & 0xff;
  return p;
}

function size6(key: PrefixKey): number {
  const k = key as string;
  return 1 + ((Number(k.slice(k.indexOf('/') + 1)) + 7) >> 3);
}

function put6(b: Buffer, p: number, key: string): number {
  const slash = key.indexOf('/');
  const len = Number(key.slice(slash + 1));
  b[p++] = len;
  const n = (len + 7) >> 3;
  b.write(key.slice(0, slash).padEnd(n * 2, '0').slice(0, n * 2), p, 'hex');
  return p + n;
}
