import { AFI, ATTR_FLAG, ATTR_TYPE, ERROR_ACTION, NOTIFICATION_CODE, SAFI, UPDATE_ERROR } from './constants.ts';
import type { WireContext } from './attr-table.ts';
import { decodeAttributes } from './attributes.ts';
import { BgpWireError } from './errors.ts';
import type { Finding } from './findings.ts';

/**
 * The bulk-ingest path for UPDATE (BIRD's bgp_rx_update shape): prefixes go
 * to sink callbacks as numbers, nothing is allocated per prefix, and the path
 * attribute block is handed over as a view plus a string key so that the
 * receiver decodes each distinct attribute set once (decodeAttributes) and
 * interns it.
 *
 * The key is the block's bytes as latin1 with the NLRI of MP_REACH_NLRI and
 * the whole of MP_UNREACH_NLRI left out, so UPDATEs that share attributes
 * share a key whatever prefixes they carry.
 *
 * Order of calls for one UPDATE: withdraw4 (classic withdrawn routes),
 * withdraw4/withdraw6 (MP_UNREACH), then, when it announces anything,
 * attributes() once, then announce4/announce6 (MP_REACH first, classic NLRI
 * last). When the verdict says treat-as-withdraw (RFC 7606), announcements
 * arrive as withdrawals instead.
 */
export interface AttributeVerdict {
  /** RFC 7606: the attribute set is malformed in a way that withdraws the UPDATE's prefixes. */
  readonly treatAsWithdraw: boolean;
  readonly hasNextHop: boolean;
}

export interface UpdateSink {
  withdraw4(addr: number, len: number): void;
  /** `addr` is a 16-byte scratch buffer, valid only during the call. */
  withdraw6(addr: Buffer, len: number): void;
  attributes(block: Buffer, key: string): AttributeVerdict;
  announce4(addr: number, len: number): void;
  announce6(addr: Buffer, len: number): void;
  /** An UPDATE with no withdrawn routes, attributes or NLRI (RFC 4724 2). */
  endOfRib?(afi: number, safi: number): void;
  /** Faults the scanner found itself (today: classic NLRI without NEXT_HOP). */
  finding?(f: Finding): void;
}

const scratch6 = Buffer.alloc(16);
const NET = UPDATE_ERROR.INVALID_NETWORK_FIELD;
const OPT_ERROR = UPDATE_ERROR.OPTIONAL_ATTRIBUTE_ERROR;

/** `data`: the attribute (flags, type, length, value) for the errors RFC 4271 6.3 says carry it. */
function fail(subcode: number, message: string, offset: number, field: string, data?: Buffer): never {
  throw new BgpWireError({ code: NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, subcode, offset, field, message, ...(data !== undefined ? { data: Buffer.from(data) } : {}) });
}

/**
 * Checks the framing of a run of prefixes without delivering any, so that an
 * UPDATE that resets the session hands nothing to the sink (no half-applied
 * UPDATE, no attribute set interned for prefixes that never arrive).
 */
function checkRun(buf: Buffer, p: number, end: number, max: number, subcode: number, field: string, data?: Buffer): void {
  for (let i = 0; p < end; i++) {
    const len = buf[p]!;
    if (len > max) fail(subcode, `prefix length ${len} exceeds ${max}`, p, `${field}.prefix[${i}]`, data);
    const n = (len + 7) >> 3;
    if (p + 1 + n > end) fail(subcode, `prefix /${len} needs ${n} bytes, ${end - p - 1} left`, p, `${field}.prefix[${i}]`, data);
    p += 1 + n;
  }
}

/** Classic IPv4 prefixes in `buf[p, end)`, framing already checked by checkRun; `withdraw` picks the callback. */
function ipv4Run(buf: Buffer, p: number, end: number, sink: UpdateSink, withdraw: boolean): void {
  while (p < end) {
    const len = buf[p]!;
    const n = (len + 7) >> 3;
    // Bytes past the prefix may belong to the next one, so read only n of them.
    let a = n > 0 ? buf[p + 1]! << 24 : 0;
    if (n > 1) a |= buf[p + 2]! << 16;
    if (n > 2) a |= buf[p + 3]! << 8;
    if (n > 3) a |= buf[p + 4]!;
    if (len < 32) a &= len === 0 ? 0 : -1 << (32 - len);
    if (withdraw) sink.withdraw4(a >>> 0, len);
    else sink.announce4(a >>> 0, len);
    p += 1 + n;
  }
}

function ipv6Run(buf: Buffer, p: number, end: number, sink: UpdateSink, withdraw: boolean): void {
  while (p < end) {
    const len = buf[p]!;
    const n = (len + 7) >> 3;
    scratch6.fill(0);
    buf.copy(scratch6, 0, p + 1, p + 1 + n);
    if (len & 7) scratch6[n - 1] = scratch6[n - 1]! & (0xff00 >> (len & 7));
    if (withdraw) sink.withdraw6(scratch6, len);
    else sink.announce6(scratch6, len);
    p += 1 + n;
  }
}

function mpRun(buf: Buffer, p: number, end: number, afi: number, sink: UpdateSink, withdraw: boolean): void {
  if (afi === AFI.IPV4) ipv4Run(buf, p, end, sink, withdraw);
  else ipv6Run(buf, p, end, sink, withdraw);
}

/**
 * Scans the UPDATE body `buf[start, start + length)`. Throws BgpWireError for
 * what resets the session; the sink's verdict covers the rest.
 */
export function scanUpdate(buf: Buffer, start: number, length: number, ctx: WireContext, sink: UpdateSink): void {
  const end = start + length;
  if (length < 4) fail(UPDATE_ERROR.MALFORMED_ATTRIBUTE_LIST, `UPDATE body of ${length} bytes`, start, 'UPDATE');
  const wdLen = buf.readUInt16BE(start);
  const wdStart = start + 2;
  const wdEnd = wdStart + wdLen;
  if (wdEnd + 2 > end) fail(UPDATE_ERROR.MALFORMED_ATTRIBUTE_LIST, `withdrawn routes length ${wdLen} overruns the message`, start, 'UPDATE.withdrawn');
  const aLen = buf.readUInt16BE(wdEnd);
  const aStart = wdEnd + 2;
  const aEnd = aStart + aLen;
  if (aEnd > end) fail(UPDATE_ERROR.MALFORMED_ATTRIBUTE_LIST, `total path attribute length ${aLen} overruns the message`, wdEnd, 'UPDATE.attributes');
  if (wdLen === 0 && aLen === 0 && aEnd === end) {
    sink.endOfRib?.(AFI.IPV4, SAFI.UNICAST);
    return;
  }
  // Find MP_REACH/MP_UNREACH; decodeAttributes judges everything else.
  let reachAt = -1;
  let reachEnd = 0;
  let unreachAt = -1;
  let unreachEnd = 0;
  let nextHopAt = -1;
  let p = aStart;
  let index = 0;
  while (p < aEnd) {
    const headLen = buf[p]! & ATTR_FLAG.EXTENDED_LENGTH ? 4 : 3;
    if (p + headLen > aEnd) break;
    const type = buf[p + 1]!;
    const vStart = p + headLen;
    const vEnd = vStart + (headLen === 4 ? buf.readUInt16BE(p + 2) : buf[p + 2]!);
    if (vEnd > aEnd) {
      // RFC 7606 4: past this point only the prefixes in MP attributes are lost, and then the session must go.
      if (type === ATTR_TYPE.MP_REACH_NLRI || type === ATTR_TYPE.MP_UNREACH_NLRI) {
        fail(UPDATE_ERROR.ATTRIBUTE_LENGTH_ERROR, `attribute type ${type} overruns the attribute block by ${vEnd - aEnd} bytes`, p, `UPDATE.attributes[${index}]`, buf.subarray(p, aEnd));
      }
      break;
    }
    if (type === ATTR_TYPE.NEXT_HOP) nextHopAt = p;
    if (type === ATTR_TYPE.MP_REACH_NLRI || type === ATTR_TYPE.MP_UNREACH_NLRI) {
      if ((type === ATTR_TYPE.MP_REACH_NLRI ? reachAt : unreachAt) >= 0) {
        fail(UPDATE_ERROR.MALFORMED_ATTRIBUTE_LIST, `attribute type ${type} appears more than once`, p, `UPDATE.attributes[${index}]`);
      }
      if (type === ATTR_TYPE.MP_REACH_NLRI) [reachAt, reachEnd] = [p, vEnd];
      else [unreachAt, unreachEnd] = [p, vEnd];
    }
    p = vEnd;
    index++;
  }

  // Everything that resets the session is found before anything reaches the sink.
  checkRun(buf, wdStart, wdEnd, 32, NET, 'UPDATE.withdrawn');
  let unreachNlri = -1;
  let unreachAfi = 0;
  if (unreachAt >= 0) {
    const v = unreachAt + (buf[unreachAt]! & ATTR_FLAG.EXTENDED_LENGTH ? 4 : 3);
    const field = 'UPDATE.attributes(MP_UNREACH_NLRI)';
    const data = buf.subarray(unreachAt, unreachEnd);
    if (v + 3 > unreachEnd) fail(OPT_ERROR, 'MP_UNREACH_NLRI shorter than AFI and SAFI', unreachAt, field, data);
    unreachAfi = buf.readUInt16BE(v);
    if (supported(unreachAfi, buf[v + 2]!)) {
      unreachNlri = v + 3;
      checkRun(buf, unreachNlri, unreachEnd, unreachAfi === AFI.IPV4 ? 32 : 128, OPT_ERROR, `${field}.withdrawn`, data);
    }
  }
  let reachFixed = -1;
  let reachNlri = -1;
  let reachNlriAt = -1;
  let reachAfi = 0;
  if (reachAt >= 0) {
    const v = reachAt + (buf[reachAt]! & ATTR_FLAG.EXTENDED_LENGTH ? 4 : 3);
    const field = 'UPDATE.attributes(MP_REACH_NLRI)';
    const data = buf.subarray(reachAt, reachEnd);
    if (v + 5 > reachEnd) fail(OPT_ERROR, 'MP_REACH_NLRI shorter than its fixed part', reachAt, field, data);
    reachAfi = buf.readUInt16BE(v);
    reachFixed = v;
    reachNlriAt = v + 5 + buf[v + 3]!;
    if (reachNlriAt > reachEnd) fail(OPT_ERROR, `next hop length ${buf[v + 3]} overruns MP_REACH_NLRI`, v + 3, field, data);
    if (supported(reachAfi, buf[v + 2]!)) {
      reachNlri = reachNlriAt;
      checkRun(buf, reachNlri, reachEnd, reachAfi === AFI.IPV4 ? 32 : 128, OPT_ERROR, `${field}.nlri`, data);
    }
  }
  const hasClassic = aEnd < end;
  if (hasClassic) checkRun(buf, aEnd, end, 32, NET, 'UPDATE.nlri');

  ipv4Run(buf, wdStart, wdEnd, sink, true);
  if (unreachNlri >= 0) {
    if (unreachNlri === unreachEnd && reachAt < 0 && wdLen === 0 && aEnd === end) sink.endOfRib?.(unreachAfi, SAFI.UNICAST);
    mpRun(buf, unreachNlri, unreachEnd, unreachAfi, sink, true);
  }
  if (reachAt < 0 && !hasClassic) return;

  if (hasClassic && nextHopAt < 0) {
    // RFC 7606 3d: classic NLRI without NEXT_HOP withdraws the UPDATE's prefixes. No attribute
    // set is made for it; the block is still checked for what would reset the session.
    decodeAttributes(buf, ctx, aStart, aEnd);
    sink.finding?.({ action: ERROR_ACTION.TREAT_AS_WITHDRAW, attrType: ATTR_TYPE.NEXT_HOP, subcode: UPDATE_ERROR.MISSING_WELL_KNOWN_ATTRIBUTE, field: 'UPDATE.attributes', reason: 'well-known mandatory NEXT_HOP is missing' });
    if (reachNlri >= 0) mpRun(buf, reachNlri, reachEnd, reachAfi, sink, true);
    ipv4Run(buf, aEnd, end, sink, true);
    return;
  }
  if (!hasClassic && (reachNlri < 0 || reachNlri === reachEnd)) {
    // MP_REACH_NLRI with no prefixes of a family we carry: nothing to announce, so no attribute set either.
    decodeAttributes(buf, ctx, aStart, aEnd);
    return;
  }
  // From here on the UPDATE announces something, so its attributes matter.
  const key = reachAt >= 0 || unreachAt >= 0 ? keyWithout(buf, aStart, aEnd, reachAt, reachEnd, unreachAt, unreachEnd, reachFixed, reachNlriAt) : buf.toString('latin1', aStart, aEnd);
  const verdict = sink.attributes(buf.subarray(aStart, aEnd), key);
  const withdraw = verdict.treatAsWithdraw || (hasClassic && !verdict.hasNextHop);
  if (reachNlri >= 0) mpRun(buf, reachNlri, reachEnd, reachAfi, sink, withdraw);
  if (hasClassic) ipv4Run(buf, aEnd, end, sink, withdraw);
}

function supported(afi: number, safi: number): boolean {
  return (afi === AFI.IPV4 || afi === AFI.IPV6) && safi === SAFI.UNICAST;
}

/** The block as latin1 minus MP_UNREACH and minus MP_REACH's length and NLRI (its flags and fixed part stay). */
function keyWithout(buf: Buffer, aStart: number, aEnd: number, rAt: number, rEnd: number, uAt: number, uEnd: number, rFixed: number, rNlri: number): string {
  // Each cut leaves a character no latin1 byte decodes to, so a key cannot
  // collide with the key of a block that really holds the remaining bytes.
  const cuts: [number, number, string][] = [];
  // The flags stay in the key (less Extended Length, which follows the NLRI's size):
  // decodeAttributes judges them, and its verdict is cached by this key.
  const flags = (at: number): string => String.fromCharCode(buf[at]! & ~ATTR_FLAG.EXTENDED_LENGTH & 0xff);
  if (rAt >= 0) cuts.push([rAt, rFixed, '\u0100' + flags(rAt)], [rNlri, rEnd, '\u0101']);
  if (uAt >= 0) cuts.push([uAt, uEnd, '\u0102' + flags(uAt)]);
  cuts.sort((x, y) => x[0] - y[0]);
  let key = '';
  let p = aStart;
  for (const [s, e, mark] of cuts) {
    key += buf.toString('latin1', p, s) + mark;
    p = e;
  }
  return key + buf.toString('latin1', p, aEnd);
}
