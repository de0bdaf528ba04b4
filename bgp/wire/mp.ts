import { AFI, NOTIFICATION_CODE, SAFI, UPDATE_ERROR } from './constants.ts';
import { ipv6ToBytes, ipv6ToString, readPrefixes, writePrefix } from './ip.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';
import type { Afi, MpReachNextHop, Prefix, Safi } from './types.ts';

/**
 * MP_REACH_NLRI and MP_UNREACH_NLRI values (RFC 4760 3 and 4) for IPv4 and
 * IPv6 unicast. A malformed one resets the session (RFC 7606 7.11), because
 * the prefixes it carries can no longer be found.
 */
export function isSupportedFamily(afi: number, safi: number): afi is Afi {
  return (afi === AFI.IPV4 || afi === AFI.IPV6) && safi === SAFI.UNICAST;
}

export interface MpReachHead {
  /** null for a family reef does not carry: the attribute is then ignored. */
  readonly nextHop: MpReachNextHop | null;
  readonly afi: number;
  readonly safi: number;
}

/** Reads AFI, SAFI, next hop and the reserved byte, leaving `r` at the NLRI. */
export function readMpReachHead(r: Reader): MpReachHead {
  r.onOverrun(NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, UPDATE_ERROR.OPTIONAL_ATTRIBUTE_ERROR);
  const afi = r.u16('afi');
  const safi = r.u8('safi');
  const nhLen = r.u8('next hop length');
  const nhAt = r.pos;
  r.need(nhLen + 1, 'next hop and reserved byte');
  if (!isSupportedFamily(afi, safi)) {
    r.pos += nhLen + 1;
    return { nextHop: null, afi, safi };
  }
  let nextHop: MpReachNextHop;
  if (afi === AFI.IPV4 && nhLen === 4) {
    nextHop = { afi, safi: safi as Safi, nextHop: r.ipv4('next hop') };
  } else if (afi === AFI.IPV6 && (nhLen === 16 || nhLen === 32)) {
    const global = ipv6ToString(r.buf, r.pos);
    nextHop =
      nhLen === 32
        ? { afi, safi: safi as Safi, nextHop: global, linkLocalNextHop: ipv6ToString(r.buf, r.pos + 16) }
        : { afi, safi: safi as Safi, nextHop: global };
    r.pos += nhLen;
  } else {
    return r.fail(`next hop length ${nhLen} is not valid for AFI ${afi}`, undefined, undefined, undefined, nhAt - 1);
  }
  r.u8('reserved');
  return { nextHop, afi, safi };
}

export function readMpNlri(r: Reader, afi: Afi): Prefix[] {
  r.onOverrun(NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, UPDATE_ERROR.OPTIONAL_ATTRIBUTE_ERROR);
  return readPrefixes(r, afi, 'nlri');
}

export function writeMpReach(w: Writer, nh: MpReachNextHop, nlri: readonly Prefix[]): void {
  w.u16(nh.afi).u8(nh.safi);
  if (nh.afi === AFI.IPV4) {
    w.u8(4).ipv4(nh.nextHop);
  } else {
    w.u8(nh.linkLocalNextHop !== undefined ? 32 : 16).bytes(ipv6ToBytes(nh.nextHop));
    if (nh.linkLocalNextHop !== undefined) w.bytes(ipv6ToBytes(nh.linkLocalNextHop));
  }
  w.u8(0);
  for (const p of nlri) writePrefix(w, p);
}

export interface MpUnreach {
  readonly afi: Afi;
  readonly safi: Safi;
  readonly withdrawn: readonly Prefix[];
}

export function readMpUnreachHead(r: Reader): { afi: number; safi: number } {
  r.onOverrun(NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, UPDATE_ERROR.OPTIONAL_ATTRIBUTE_ERROR);
  const afi = r.u16('afi');
  return { afi, safi: r.u8('safi') };
}

export function writeMpUnreach(w: Writer, u: MpUnreach): void {
  w.u16(u.afi).u8(u.safi);
  for (const p of u.withdrawn) writePrefix(w, p);
}
