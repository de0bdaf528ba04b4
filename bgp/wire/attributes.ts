import { AS_TRANS, ATTR_FLAG, ATTR_TYPE, ERROR_ACTION, NOTIFICATION_CODE, UPDATE_ERROR } from './constants.ts';
import { ATTRIBUTE_BY_CODE, ATTRIBUTES, type AttrDraft, type WireContext } from './attr-table.ts';
import { mergeAs4Path } from './as-path.ts';
import { BgpWireError } from './errors.ts';
import type { Finding } from './findings.ts';
import { Reader } from './reader.ts';
import { Writer } from './writer.ts';
import type { PathAttributes, RawAttribute } from './types.ts';

/**
 * The path attribute block of an UPDATE: framing of each attribute, flag and
 * duplicate checks, dispatch to the descriptor table, and the RFC 7606 verdict.
 * Errors whose action is session-reset are thrown as BgpWireError; the rest
 * come back as findings and the attribute is left out of the result.
 */
export interface DecodedAttributes {
  readonly attributes: PathAttributes;
  readonly findings: readonly Finding[];
}

const FIELD = 'UPDATE.attributes';

export function decodeAttributes(block: Buffer, ctx: WireContext, start = 0, end = block.length): DecodedAttributes {
  const findings: Finding[] = [];
  const draft: AttrDraft = {};
  const seen = new Uint8Array(256);
  const unknown: RawAttribute[] = [];
  let pos = start;
  let index = 0;
  while (pos < end) {
    const at = pos;
    const field = `${FIELD}[${index}]`;
    const flags = block[pos]!;
    const headLen = flags & ATTR_FLAG.EXTENDED_LENGTH ? 4 : 3;
    if (pos + headLen > end) {
      findings.push({ action: ERROR_ACTION.TREAT_AS_WITHDRAW, subcode: UPDATE_ERROR.MALFORMED_ATTRIBUTE_LIST, field, offset: at, reason: `${end - pos} bytes left, too few for an attribute header` });
      break;
    }
    const type = block[pos + 1]!;
    const len = headLen === 4 ? block.readUInt16BE(pos + 2) : block[pos + 2]!;
    const vStart = pos + headLen;
    const vEnd = vStart + len;
    const desc = ATTRIBUTE_BY_CODE[type];
    const named = `${field}(${desc?.name ?? `type ${type}`})`;
    if (vEnd > end) {
      // RFC 7606 4: the total attribute length still locates the NLRI, unless the
      // overrunning attribute is one that carries NLRI itself.
      const action = desc?.action === ERROR_ACTION.SESSION_RESET ? ERROR_ACTION.SESSION_RESET : ERROR_ACTION.TREAT_AS_WITHDRAW;
      const f: Finding = { action, attrType: type, subcode: UPDATE_ERROR.ATTRIBUTE_LENGTH_ERROR, field: named, offset: at, reason: `length ${len} overruns the attribute block by ${vEnd - end} bytes` };
      if (action === ERROR_ACTION.SESSION_RESET) throw errorOf(f, block.subarray(at, end));
      findings.push(f);
      break;
    }
    pos = vEnd;
    index++;
    const whole = (): Buffer => Buffer.from(block.subarray(at, vEnd));
    if (desc === undefined) {
      if (!(flags & ATTR_FLAG.OPTIONAL)) {
        throw new BgpWireError({ code: NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, subcode: UPDATE_ERROR.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE, data: whole(), offset: at, field: named, message: `well-known attribute type ${type} is not recognized` });
      }
      if (flags & ATTR_FLAG.TRANSITIVE && !seen[type]) {
        // Passed on to others, so marked Partial now (RFC 4271 5).
        unknown.push({ flags: (flags | ATTR_FLAG.PARTIAL) & ~ATTR_FLAG.EXTENDED_LENGTH & 0xf0, type, value: Buffer.from(block.subarray(vStart, vEnd)) });
      }
      seen[type] = 1;
      continue;
    }
    if (seen[type]) {
      // RFC 7606 3g: keep the first; two of a kind that carry NLRI cannot be sorted out.
      const action = desc.action === ERROR_ACTION.SESSION_RESET ? ERROR_ACTION.SESSION_RESET : ERROR_ACTION.ATTRIBUTE_DISCARD;
      const f: Finding = { action, attrType: type, subcode: UPDATE_ERROR.MALFORMED_ATTRIBUTE_LIST, field: named, offset: at, reason: `${desc.name} appears more than once` };
      if (action === ERROR_ACTION.SESSION_RESET) throw errorOf(f, whole());
      findings.push(f);
      continue;
    }
    seen[type] = 1;
    if ((flags & (ATTR_FLAG.OPTIONAL | ATTR_FLAG.TRANSITIVE)) !== desc.flags) {
      const f: Finding = { action: desc.action, attrType: type, subcode: UPDATE_ERROR.ATTRIBUTE_FLAGS_ERROR, field: named, offset: at, reason: `flags 0x${flags.toString(16)} conflict with ${desc.name}'s 0x${desc.flags.toString(16)}` };
      if (f.action === ERROR_ACTION.SESSION_RESET) throw errorOf(f, whole());
      findings.push(f);
      continue;
    }
    if ((type === ATTR_TYPE.AS4_PATH || type === ATTR_TYPE.AS4_AGGREGATOR) && ctx.fourOctetAs) {
      findings.push({ action: ERROR_ACTION.ATTRIBUTE_DISCARD, attrType: type, subcode: UPDATE_ERROR.OPTIONAL_ATTRIBUTE_ERROR, field: named, offset: at, reason: `${desc.name} between 4-octet AS speakers is discarded (RFC 6793)` });
      continue;
    }
    const r = new Reader(block, vStart, vEnd, named, NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, UPDATE_ERROR.ATTRIBUTE_LENGTH_ERROR);
    try {
      desc.decode(r, ctx, draft);
    } catch (e) {
      if (!(e instanceof BgpWireError)) throw e;
      const f: Finding = { action: desc.action, attrType: type, subcode: e.subcode, field: e.field ?? named, offset: e.offset ?? at, reason: e.message };
      if (desc.action === ERROR_ACTION.SESSION_RESET) throw errorOf(f, whole());
      findings.push(f);
    }
  }
  if (unknown.length > 0) draft.unknown = unknown;
  finishAs4(draft);
  const announces = draft.nextHop !== undefined || draft.mpReach !== undefined;
  if (announces) {
    for (const [key, type, name] of [['origin', ATTR_TYPE.ORIGIN, 'ORIGIN'], ['asPath', ATTR_TYPE.AS_PATH, 'AS_PATH']] as const) {
      if (draft[key] === undefined && !findings.some((f) => f.attrType === type)) {
        findings.push({ action: ERROR_ACTION.TREAT_AS_WITHDRAW, attrType: type, subcode: UPDATE_ERROR.MISSING_WELL_KNOWN_ATTRIBUTE, field: FIELD, reason: `well-known mandatory ${name} is missing` });
      }
    }
  }
  return { attributes: draft, findings };
}

function errorOf(f: Finding, data: Buffer): BgpWireError {
  return new BgpWireError({ code: NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, subcode: f.subcode, data, offset: f.offset, field: f.field, message: f.reason });
}

/** RFC 6793 4.2.3, then the AS4_* parts leave the draft. */
function finishAs4(d: AttrDraft): void {
  const { as4Path, as4Aggregator } = d;
  delete d.as4Path;
  delete d.as4Aggregator;
  if (as4Aggregator !== undefined && d.aggregator !== undefined) {
    if (d.aggregator.asn !== AS_TRANS) return; // a 4-octet-unaware aggregator: both AS4 parts are stale
    d.aggregator = as4Aggregator;
  }
  if (as4Path !== undefined && d.asPath !== undefined) d.asPath = mergeAs4Path(d.asPath, as4Path);
}

const scratch = new Writer(4096);

/**
 * Writes the attribute block in type-code order, lengths and the extended
 * length flag derived. MP_REACH/MP_UNREACH are passed pre-encoded by the
 * UPDATE encoder because they own NLRI.
 */
export function encodeAttributes(a: PathAttributes, ctx: WireContext, w: Writer, mp: readonly { type: number; value: Buffer }[] = []): void {
  const unknown = [...(a.unknown ?? [])].sort((x, y) => x.type - y.type);
  let u = 0;
  let m = 0;
  const header = (flags: number, type: number, value: Buffer): void => {
    const ext = value.length > 0xff;
    w.u8((flags & ~ATTR_FLAG.EXTENDED_LENGTH) | (ext ? ATTR_FLAG.EXTENDED_LENGTH : 0)).u8(type);
    if (ext) w.u16(value.length);
    else w.u8(value.length);
    w.bytes(value);
  };
  const flushBefore = (code: number): void => {
    while (m < mp.length && mp[m]!.type < code) {
      header(ATTR_FLAG.OPTIONAL, mp[m]!.type, mp[m]!.value);
      m++;
    }
    while (u < unknown.length && unknown[u]!.type < code) {
      const raw = unknown[u++]!;
      const partial = raw.flags & ATTR_FLAG.OPTIONAL && raw.flags & ATTR_FLAG.TRANSITIVE ? ATTR_FLAG.PARTIAL : 0;
      header(raw.flags | partial, raw.type, raw.value);
    }
  };
  for (const d of ATTRIBUTES) {
    flushBefore(d.code);
    scratch.pos = 0;
    if (d.encode(a, ctx, scratch)) header(d.flags, d.code, Buffer.from(scratch.finish()));
  }
  flushBefore(256);
}

export function encodeAttributeBlock(a: PathAttributes, ctx: WireContext): Buffer {
  const w = new Writer();
  encodeAttributes(a, ctx, w);
  return Buffer.from(w.finish());
}
