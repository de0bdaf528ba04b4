import { AFI, ATTR_FLAG, ATTR_TYPE, ERROR_ACTION, NOTIFICATION_CODE, UPDATE_ERROR } from './constants.ts';
import { decodeAttributes, encodeAttributes } from './attributes.ts';
import type { WireContext } from './attr-table.ts';
import { type Finding, isTreatAsWithdraw } from './findings.ts';
import { readPrefixes, writePrefix } from './ip.ts';
import { type MpUnreach, isSupportedFamily, readMpNlri, readMpReachHead, readMpUnreachHead, writeMpReach, writeMpUnreach } from './mp.ts';
import { Reader } from './reader.ts';
import { Writer } from './writer.ts';
import type { Afi, Ipv4Prefix, PathAttributes, Prefix, Safi } from './types.ts';

/**
 * UPDATE (RFC 4271 4.3, RFC 4760) as a plain value. This is the general
 * decoder for tests, tools and the occasional UPDATE; bulk ingest goes through
 * scanUpdate, which does not build objects per prefix.
 *
 * `mpNlri` is present exactly when `attributes.mpReach` is; `mpUnreach` when
 * the UPDATE carried MP_UNREACH_NLRI for a supported family.
 */
export interface UpdateMessage {
  readonly type: 'UPDATE';
  readonly withdrawn: readonly Ipv4Prefix[];
  readonly attributes: PathAttributes;
  readonly nlri: readonly Ipv4Prefix[];
  readonly mpNlri?: readonly Prefix[];
  readonly mpUnreach?: MpUnreach;
}

export interface DecodedUpdate {
  readonly message: UpdateMessage;
  /** RFC 7606 findings; when the strongest is treat-as-withdraw, see `applyTreatAsWithdraw`. */
  readonly findings: readonly Finding[];
}

export function encodeUpdate(m: UpdateMessage, ctx: WireContext, w: Writer): void {
  const wd = w.reserveU16();
  for (const p of m.withdrawn) writePrefix(w, p);
  w.patchU16(wd);
  const attrLen = w.reserveU16();
  const mp: { type: number; value: Buffer }[] = [];
  if (m.attributes.mpReach !== undefined) {
    const v = new Writer();
    writeMpReach(v, m.attributes.mpReach, m.mpNlri ?? []);
    mp.push({ type: ATTR_TYPE.MP_REACH_NLRI, value: Buffer.from(v.finish()) });
  }
  if (m.mpUnreach !== undefined) {
    const v = new Writer();
    writeMpUnreach(v, m.mpUnreach);
    mp.push({ type: ATTR_TYPE.MP_UNREACH_NLRI, value: Buffer.from(v.finish()) });
  }
  encodeAttributes(m.attributes, ctx, w, mp);
  w.patchU16(attrLen);
  for (const p of m.nlri) writePrefix(w, p);
}

/** `buf[start, end)` is the UPDATE body, after the 19-byte header. */
export function decodeUpdate(buf: Buffer, start: number, end: number, ctx: WireContext): DecodedUpdate {
  const r = new Reader(buf, start, end, 'UPDATE', NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, UPDATE_ERROR.MALFORMED_ATTRIBUTE_LIST);
  const wdLen = r.u16('withdrawn routes length');
  const withdrawn = r.within(wdLen, 'withdrawn', () => {
    r.onOverrun(NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, UPDATE_ERROR.INVALID_NETWORK_FIELD);
    return readPrefixes(r, AFI.IPV4, 'prefix') as Ipv4Prefix[];
  });
  r.onOverrun(NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, UPDATE_ERROR.MALFORMED_ATTRIBUTE_LIST);
  const attrLen = r.u16('total path attribute length');
  r.need(attrLen, 'path attributes');
  const attrStart = r.pos;
  const attrEnd = attrStart + attrLen;
  const { attributes, findings } = decodeAttributes(buf, ctx, attrStart, attrEnd);
  r.pos = attrEnd;
  const nlri = r.within(r.remaining, 'nlri', () => {
    r.onOverrun(NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, UPDATE_ERROR.INVALID_NETWORK_FIELD);
    return readPrefixes(r, AFI.IPV4, 'prefix') as Ipv4Prefix[];
  });
  const mp = readMpParts(buf, attrStart, attrEnd);
  const message: UpdateMessage = {
    type: 'UPDATE',
    withdrawn,
    attributes,
    nlri,
    ...(attributes.mpReach !== undefined ? { mpNlri: mp.nlri ?? [] } : {}),
    ...(mp.unreach !== undefined ? { mpUnreach: mp.unreach } : {}),
  };
  const all = [...findings];
  if (nlri.length > 0 && attributes.nextHop === undefined && !findings.some((f) => f.attrType === ATTR_TYPE.NEXT_HOP)) {
    all.push({ action: ERROR_ACTION.TREAT_AS_WITHDRAW, attrType: ATTR_TYPE.NEXT_HOP, subcode: UPDATE_ERROR.MISSING_WELL_KNOWN_ATTRIBUTE, field: 'UPDATE.attributes', reason: 'well-known mandatory NEXT_HOP is missing' });
  }
  return { message, findings: all };
}

/**
 * The prefixes inside MP_REACH/MP_UNREACH. decodeAttributes has already
 * validated their framing, so this walk only reads the NLRI.
 */
function readMpParts(buf: Buffer, start: number, end: number): { nlri?: Prefix[]; unreach?: MpUnreach } {
  const out: { nlri?: Prefix[]; unreach?: MpUnreach } = {};
  let pos = start;
  let index = 0;
  const seen = new Set<number>();
  while (pos < end) {
    const flags = buf[pos]!;
    const headLen = flags & ATTR_FLAG.EXTENDED_LENGTH ? 4 : 3;
    if (pos + headLen > end) break;
    const type = buf[pos + 1]!;
    const len = headLen === 4 ? buf.readUInt16BE(pos + 2) : buf[pos + 2]!;
    const vStart = pos + headLen;
    pos = vStart + len;
    if (pos > end) break;
    const field = `UPDATE.attributes[${index++}]`;
    if (seen.has(type)) continue;
    seen.add(type);
    if (type === ATTR_TYPE.MP_REACH_NLRI) {
      const r = new Reader(buf, vStart, pos, `${field}(MP_REACH_NLRI)`, NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, UPDATE_ERROR.OPTIONAL_ATTRIBUTE_ERROR);
      const head = readMpReachHead(r);
      if (head.nextHop !== null) out.nlri = readMpNlri(r, head.nextHop.afi);
    } else if (type === ATTR_TYPE.MP_UNREACH_NLRI) {
      const r = new Reader(buf, vStart, pos, `${field}(MP_UNREACH_NLRI)`, NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, UPDATE_ERROR.OPTIONAL_ATTRIBUTE_ERROR);
      const { afi, safi } = readMpUnreachHead(r);
      if (isSupportedFamily(afi, safi)) out.unreach = { afi, safi: safi as Safi, withdrawn: readMpNlri(r, afi as Afi) };
    }
  }
  return out;
}

/**
 * RFC 7606 2: an UPDATE whose findings say treat-as-withdraw withdraws every
 * prefix it announced, and the session stays up. Returns `m` itself otherwise.
 */
export function applyTreatAsWithdraw(m: UpdateMessage, findings: readonly Finding[]): UpdateMessage {
  if (!isTreatAsWithdraw(findings)) return m;
  const mpAnnounced = m.mpNlri ?? [];
  const mpWithdrawn = [...(m.mpUnreach?.withdrawn ?? []), ...mpAnnounced];
  const family = m.attributes.mpReach ?? m.mpUnreach;
  return {
    type: 'UPDATE',
    withdrawn: [...m.withdrawn, ...m.nlri],
    attributes: {},
    nlri: [],
    ...(family !== undefined && mpWithdrawn.length > 0 ? { mpUnreach: { afi: family.afi, safi: family.safi, withdrawn: mpWithdrawn } } : {}),
  };
}
