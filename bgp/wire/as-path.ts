import { AS_PATH_SEGMENT, AS_TRANS, NOTIFICATION_CODE, UPDATE_ERROR } from './constants.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';
import type { AsPathSegment, AsPathSegmentType } from './types.ts';

/**
 * AS_PATH and AS4_PATH values (RFC 4271 4.3, RFC 6793). Decoded paths always
 * hold 4-octet numbers; towards a 2-octet speaker the encoder substitutes
 * AS_TRANS and the caller sends the full path again in AS4_PATH.
 */
const MAX_SEGMENT_ASNS = 255;

function isSegmentType(t: number): t is AsPathSegmentType {
  return t >= AS_PATH_SEGMENT.AS_SET && t <= AS_PATH_SEGMENT.AS_CONFED_SET;
}

export function isConfed(t: AsPathSegmentType): boolean {
  return t === AS_PATH_SEGMENT.AS_CONFED_SEQUENCE || t === AS_PATH_SEGMENT.AS_CONFED_SET;
}

/** Reads the whole value in `r`; every fault is Malformed AS_PATH (RFC 7606 7.2). */
export function readAsPath(r: Reader, asnBytes: 2 | 4): AsPathSegment[] {
  r.onOverrun(NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, UPDATE_ERROR.MALFORMED_AS_PATH);
  const segments: AsPathSegment[] = [];
  while (r.remaining > 0) {
    r.enter(`segment[${segments.length}]`);
    const at = r.pos;
    const type = r.u8('segment type');
    const count = r.u8('segment length');
    if (!isSegmentType(type)) r.fail(`segment type ${type} is unknown`, undefined, undefined, undefined, at);
    if (count === 0) r.fail('segment holds no AS numbers', undefined, undefined, undefined, at);
    r.need(count * asnBytes, `${count} AS numbers of ${asnBytes} bytes`);
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++) asns[i] = asnBytes === 4 ? r.u32('asn') : r.u16('asn');
    segments.push({ type, asns });
    r.leave();
  }
  return segments;
}

export function writeAsPath(w: Writer, path: readonly AsPathSegment[], asnBytes: 2 | 4): void {
  for (const seg of path) {
    for (let i = 0; i < seg.asns.length || i === 0; i += MAX_SEGMENT_ASNS) {
      const chunk = seg.asns.slice(i, i + MAX_SEGMENT_ASNS);
      if (chunk.length === 0) break;
      w.u8(seg.type).u8(chunk.length);
      for (const asn of chunk) {
        if (asnBytes === 4) w.u32(asn);
        else w.u16(asn > 0xffff ? AS_TRANS : asn);
      }
    }
  }
}

/** Path length as RFC 4271 9.1.2.2 and RFC 6793 4.2.3 count it. */
export function asPathLength(path: readonly AsPathSegment[]): number {
  let n = 0;
  for (const seg of path) {
    if (seg.type === AS_PATH_SEGMENT.AS_SEQUENCE) n += seg.asns.length;
    else if (seg.type === AS_PATH_SEGMENT.AS_SET) n += 1;
  }
  return n;
}

export function needsAs4Path(path: readonly AsPathSegment[]): boolean {
  return path.some((s) => !isConfed(s.type) && s.asns.some((a) => a > 0xffff));
}

/** RFC 6793: AS4_PATH never carries confederation segments. */
export function as4PathOf(path: readonly AsPathSegment[]): AsPathSegment[] {
  return path.filter((s) => !isConfed(s.type));
}

/**
 * RFC 6793 4.2.3: keep the leading ASes of AS_PATH that AS4_PATH does not
 * cover, then append AS4_PATH. A longer AS4_PATH than AS_PATH is ignored.
 */
export function mergeAs4Path(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[]): readonly AsPathSegment[] {
  const n2 = asPathLength(asPath);
  const n4 = asPathLength(as4Path);
  if (n2 < n4) return asPath;
  let budget = n2 - n4;
  const lead: AsPathSegment[] = [];
  for (const seg of asPath) {
    if (isConfed(seg.type)) {
      lead.push(seg);
    } else if (budget === 0) {
      break;
    } else if (seg.type === AS_PATH_SEGMENT.AS_SET) {
      lead.push(seg);
      budget -= 1;
    } else {
      const take = Math.min(seg.asns.length, budget);
      lead.push({ type: seg.type, asns: seg.asns.slice(0, take) });
      budget -= take;
    }
  }
  return [...lead, ...as4Path];
}
