/**
 * rtnetlink route messages, encoded and decoded in TypeScript so that only the
 * socket is native: nlmsghdr, rtmsg, rtattr (RTA_DST, RTA_GATEWAY, RTA_OIF,
 * RTA_PRIORITY, RTA_TABLE, RTA_MULTIPATH with rtnexthop), and nlmsgerr.
 * Layouts from linux/netlink.h and linux/rtnetlink.h; host byte order (little
 * endian on every machine reef runs on), addresses in network order.
 */

export const NLMSG = { NOOP: 1, ERROR: 2, DONE: 3 } as const;
export const RTM = { NEWROUTE: 24, DELROUTE: 25, GETROUTE: 26 } as const;
export const NLM_F = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  DUMP: 0x300,
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
} as const;
export const AF = { INET: 2, INET6: 10 } as const;
export const RTA = { DST: 1, OIF: 4, GATEWAY: 5, PRIORITY: 6, MULTIPATH: 9, TABLE: 15 } as const;
export const RTN = { UNICAST: 1, BLACKHOLE: 6, UNREACHABLE: 7, PROHIBIT: 8 } as const;
export const RT_SCOPE = { UNIVERSE: 0, LINK: 253 } as const;
export const RT_TABLE_MAIN = 254;

const NLMSG_HDRLEN = 16;
const RTMSG_LEN = 12;
const RTNH_LEN = 8;

export interface NextHop {
  /** 4 or 16 bytes; absent for a device-only next hop. */
  readonly gateway?: Uint8Array;
  readonly ifindex?: number;
  /** ECMP weight, 1..256 (the kernel stores weight-1 in rtnh_hops). */
  readonly weight?: number;
}

export interface KernelRoute {
  readonly family: typeof AF.INET | typeof AF.INET6;
  /** Destination network, 4 or 16 bytes. */
  readonly dst: Uint8Array;
  readonly dstLen: number;
  readonly table: number;
  readonly protocol: number;
  readonly type: number;
  readonly scope: number;
  /** The route metric; with table and destination it identifies the route. */
  readonly priority?: number;
  /** One next hop goes in RTA_GATEWAY/RTA_OIF, several in RTA_MULTIPATH. */
  readonly nextHops: readonly NextHop[];
}

export interface NlHeader {
  readonly len: number;
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
}

export type Decoded =
  | { readonly kind: 'route'; readonly header: NlHeader; readonly route: KernelRoute }
  | { readonly kind: 'error'; readonly header: NlHeader; readonly error: number; readonly requestSeq: number }
  | { readonly kind: 'done'; readonly header: NlHeader }
  | { readonly kind: 'other'; readonly header: NlHeader };

const align4 = (n: number): number => (n + 3) & ~3;

/** Bytes `encodeRoute` will write for this route. */
export function routeMessageSize(r: KernelRoute): number {
  let n = NLMSG_HDRLEN + RTMSG_LEN + align4(4 + r.dst.length) + 8 /* table */;
  if (r.priority !== undefined) n += 8;
  if (r.nextHops.length === 1) n += nextHopAttrsSize(r.nextHops[0]!);
  else if (r.nextHops.length > 1) {
    n += 4;
    for (const nh of r.nextHops) n += RTNH_LEN + nextHopGatewaySize(nh);
  }
  return n;
}

const nextHopGatewaySize = (nh: NextHop): number => (nh.gateway !== undefined ? align4(4 + nh.gateway.length) : 0);
const nextHopAttrsSize = (nh: NextHop): number => nextHopGatewaySize(nh) + (nh.ifindex !== undefined ? 8 : 0);

/**
 * Writes one route message at `off` in `buf` and returns the offset after it.
 * The hot path of a table load (once per route): plain byte stores, no
 * Buffer.write* calls (each checks its arguments), no fills of zero length.
 */
export function encodeRoute(buf: Buffer, off: number, type: number, flags: number, seq: number, r: KernelRoute): number {
  const start = off;
  const len = routeMessageSize(r);
  u32(buf, off, len);
  u16(buf, off + 4, type);
  u16(buf, off + 6, flags);
  u32(buf, off + 8, seq);
  u32(buf, off + 12, 0);
  off += NLMSG_HDRLEN;
  buf[off] = r.family;
  buf[off + 1] = r.dstLen;
  buf[off + 2] = 0;
  buf[off + 3] = 0;
  // rtm_table is 8 bits; RTA_TABLE carries the full number.
  buf[off + 4] = r.table < 256 ? r.table : 252;
  buf[off + 5] = r.protocol;
  buf[off + 6] = r.scope;
  buf[off + 7] = r.type;
  u32(buf, off + 8, 0);
  off += RTMSG_LEN;
  off = putAttr(buf, off, RTA.DST, r.dst);
  off = putU32(buf, off, RTA.TABLE, r.table);
  if (r.priority !== undefined) off = putU32(buf, off, RTA.PRIORITY, r.priority);
  if (r.nextHops.length === 1) {
    const nh = r.nextHops[0]!;
    if (nh.gateway !== undefined) off = putAttr(buf, off, RTA.GATEWAY, nh.gateway);
    if (nh.ifindex !== undefined) off = putU32(buf, off, RTA.OIF, nh.ifindex);
  } else if (r.nextHops.length > 1) {
    const mpStart = off;
    off += 4;
    for (const nh of r.nextHops) {
      const nhLen = RTNH_LEN + nextHopGatewaySize(nh);
      u16(buf, off, nhLen);
      buf[off + 2] = 0;
      buf[off + 3] = (nh.weight ?? 1) - 1;
      u32(buf, off + 4, nh.ifindex ?? 0);
      off += RTNH_LEN;
      if (nh.gateway !== undefined) off = putAttr(buf, off, RTA.GATEWAY, nh.gateway);
    }
    u16(buf, mpStart, off - mpStart);
    u16(buf, mpStart + 2, RTA.MULTIPATH);
  }
  if (off - start !== len) throw new Error(`route message size ${off - start} differs from the computed ${len}`);
  return off;
}

/** Little-endian stores (netlink uses host order; reef runs on little-endian Linux). */
function u16(buf: Buffer, off: number, v: number): void {
  buf[off] = v & 0xff;
  buf[off + 1] = (v >>> 8) & 0xff;
}

function u32(buf: Buffer, off: number, v: number): void {
  buf[off] = v & 0xff;
  buf[off + 1] = (v >>> 8) & 0xff;
  buf[off + 2] = (v >>> 16) & 0xff;
  buf[off + 3] = (v >>> 24) & 0xff;
}

export function encodeRouteMessage(type: number, flags: number, seq: number, r: KernelRoute): Buffer {
  const buf = Buffer.alloc(routeMessageSize(r));
  encodeRoute(buf, 0, type, flags, seq, r);
  return buf;
}

/** RTM_GETROUTE dump request for one family (0 = all). */
export function encodeDumpRequest(seq: number, family: number): Buffer {
  const buf = Buffer.alloc(NLMSG_HDRLEN + RTMSG_LEN);
  buf.writeUInt32LE(buf.length, 0);
  buf.writeUInt16LE(RTM.GETROUTE, 4);
  buf.writeUInt16LE(NLM_F.REQUEST | NLM_F.DUMP, 6);
  buf.writeUInt32LE(seq >>> 0, 8);
  buf[NLMSG_HDRLEN] = family;
  return buf;
}

function putAttr(buf: Buffer, off: number, type: number, value: Uint8Array): number {
  const n = value.length;
  const len = 4 + n;
  u16(buf, off, len);
  u16(buf, off + 2, type);
  if (n === 4) {
    buf[off + 4] = value[0]!;
    buf[off + 5] = value[1]!;
    buf[off + 6] = value[2]!;
    buf[off + 7] = value[3]!;
    return off + 8;
  }
  buf.set(value, off + 4);
  const end = off + align4(len);
  if (end > off + len) buf.fill(0, off + len, end);
  return end;
}

function putU32(buf: Buffer, off: number, type: number, value: number): number {
  buf[off] = 8;
  buf[off + 1] = 0;
  u16(buf, off + 2, type);
  u32(buf, off + 4, value >>> 0);
  return off + 8;
}

/** Splits a datagram into messages; truncated trailing bytes are ignored, as the kernel never sends them. */
export function decodeMessages(buf: Buffer): Decoded[] {
  const out: Decoded[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const header: NlHeader = {
      len: buf.readUInt32LE(off),
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
    };
    if (header.len < NLMSG_HDRLEN || off + header.len > buf.length) break;
    const body = buf.subarray(off + NLMSG_HDRLEN, off + header.len);
    if (header.type === NLMSG.ERROR) {
      const requestSeq = body.length >= 16 ? body.readUInt32LE(4 + 8) : header.seq;
      out.push({ kind: 'error', header, error: -body.readInt32LE(0), requestSeq });
    } else if (header.type === NLMSG.DONE) out.push({ kind: 'done', header });
    else if (header.type === RTM.NEWROUTE || header.type === RTM.DELROUTE) out.push({ kind: 'route', header, route: decodeRoute(body) });
    else out.push({ kind: 'other', header });
    off += align4(header.len);
  }
  return out;
}

/** An rtmsg and its attributes (the body after nlmsghdr). */
export function decodeRoute(body: Buffer): KernelRoute {
  const family = body[0] as KernelRoute['family'];
  let table = body[4]!;
  let dst: Uint8Array = Buffer.alloc(family === AF.INET6 ? 16 : 4);
  let priority: number | undefined;
  let gateway: Uint8Array | undefined;
  let ifindex: number | undefined;
  const nextHops: NextHop[] = [];
  forEachAttr(body, RTMSG_LEN, body.length, (type, v) => {
    if (type === RTA.DST) dst = Buffer.from(v);
    else if (type === RTA.TABLE) table = v.readUInt32LE(0);
    else if (type === RTA.PRIORITY) priority = v.readUInt32LE(0);
    else if (type === RTA.GATEWAY) gateway = Buffer.from(v);
    else if (type === RTA.OIF) ifindex = v.readUInt32LE(0);
    else if (type === RTA.MULTIPATH) {
      for (let o = 0; o + RTNH_LEN <= v.length; ) {
        const len = v.readUInt16LE(o);
        if (len < RTNH_LEN) break;
        let gw: Uint8Array | undefined;
        forEachAttr(v, o + RTNH_LEN, o + len, (t, a) => {
          if (t === RTA.GATEWAY) gw = Buffer.from(a);
        });
        nextHops.push({ ...(gw !== undefined ? { gateway: gw } : {}), ifindex: v.readInt32LE(o + 4), weight: v[o + 3]! + 1 });
        o += align4(len);
      }
    }
  });
  if (nextHops.length === 0 && (gateway !== undefined || ifindex !== undefined)) {
    nextHops.push({ ...(gateway !== undefined ? { gateway } : {}), ...(ifindex !== undefined ? { ifindex } : {}) });
  }
  return {
    family,
    dst,
    dstLen: body[1]!,
    table,
    protocol: body[5]!,
    scope: body[6]!,
    type: body[7]!,
    ...(priority !== undefined ? { priority } : {}),
    nextHops,
  };
}

function forEachAttr(buf: Buffer, from: number, to: number, fn: (type: number, value: Buffer) => void): void {
  for (let off = from; off + 4 <= to; ) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > to) break;
    fn(buf.readUInt16LE(off + 2) & 0x3fff, buf.subarray(off + 4, off + len));
    off += align4(len);
  }
}
