import { AS_TRANS, ATTR_FLAG, ATTR_TYPE, ERROR_ACTION, NOTIFICATION_CODE, ORIGIN, UPDATE_ERROR, type ErrorAction } from './constants.ts';
import { as4PathOf, needsAs4Path, readAsPath, writeAsPath } from './as-path.ts';
import { readMpReachHead, readMpUnreachHead } from './mp.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';
import type { AsPathSegment, MpReachNextHop, Origin, PathAttributes } from './types.ts';

/**
 * One descriptor per path attribute type, BIRD's bgp_attr_table[] shape: the
 * flags it must carry, how to read and write its value, and what RFC 7606 says
 * to do when it is malformed. Decoders read the value only (the block decoder
 * has checked flags and length framing) and throw BgpWireError on bad bytes;
 * the block decoder turns that into a finding with `action`.
 */
export interface WireContext {
  /** Both sides announced the 4-octet AS capability (RFC 6793). */
  readonly fourOctetAs: boolean;
}

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Attributes while a block is being decoded, plus the RFC 6793 parts merged at the end. */
export interface AttrDraft extends Mutable<PathAttributes> {
  as4Path?: readonly AsPathSegment[];
  as4Aggregator?: { readonly asn: number; readonly address: string };
}

export interface AttrDescriptor {
  readonly code: number;
  readonly name: string;
  /** The Optional and Transitive bits it must carry. */
  readonly flags: number;
  readonly action: ErrorAction;
  decode(r: Reader, ctx: WireContext, out: AttrDraft): void;
  /** Writes the value and returns true, or returns false when `a` has nothing to send. */
  encode(a: PathAttributes, ctx: WireContext, w: Writer): boolean;
}

const WELL_KNOWN = ATTR_FLAG.TRANSITIVE;
const OPT_TRANS = ATTR_FLAG.OPTIONAL | ATTR_FLAG.TRANSITIVE;
const OPT = ATTR_FLAG.OPTIONAL;
const { ATTRIBUTE_DISCARD, TREAT_AS_WITHDRAW, SESSION_RESET } = ERROR_ACTION;

function lengthIs(r: Reader, ok: boolean, want: string): void {
  if (!ok) {
    r.fail(`length ${r.remaining} is wrong, expected ${want}`, NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, UPDATE_ERROR.ATTRIBUTE_LENGTH_ERROR);
  }
}

function u32List(r: Reader): number[] {
  const out = new Array<number>(r.remaining / 4);
  for (let i = 0; i < out.length; i++) out[i] = r.u32('value');
  return out;
}

function aggregator(r: Reader, asnBytes: 2 | 4): { asn: number; address: string } {
  lengthIs(r, r.remaining === asnBytes + 4, `${asnBytes + 4}`);
  const asn = asnBytes === 4 ? r.u32('asn') : r.u16('asn');
  return { asn, address: r.ipv4('address') };
}

const u32Attr = (code: number, name: string, flags: number, key: 'med' | 'localPref'): AttrDescriptor => ({
  code,
  name,
  flags,
  action: TREAT_AS_WITHDRAW,
  decode(r, _ctx, out) {
    lengthIs(r, r.remaining === 4, '4');
    out[key] = r.u32(name);
  },
  encode(a, _ctx, w) {
    const v = a[key];
    if (v === undefined) return false;
    w.u32(v);
    return true;
  },
});

export const ATTRIBUTES: readonly AttrDescriptor[] = [
  {
    code: ATTR_TYPE.ORIGIN,
    name: 'ORIGIN',
    flags: WELL_KNOWN,
    action: TREAT_AS_WITHDRAW,
    decode(r, _ctx, out) {
      lengthIs(r, r.remaining === 1, '1');
      const v = r.u8('origin');
      if (v > ORIGIN.INCOMPLETE) r.fail(`origin ${v} is undefined`, NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, UPDATE_ERROR.INVALID_ORIGIN_ATTRIBUTE, undefined, r.pos - 1);
      out.origin = v as Origin;
    },
    encode(a, _ctx, w) {
      if (a.origin === undefined) return false;
      w.u8(a.origin);
      return true;
    },
  },
  {
    code: ATTR_TYPE.AS_PATH,
    name: 'AS_PATH',
    flags: WELL_KNOWN,
    action: TREAT_AS_WITHDRAW,
    decode(r, ctx, out) {
      out.asPath = readAsPath(r, ctx.fourOctetAs ? 4 : 2);
    },
    encode(a, ctx, w) {
      if (a.asPath === undefined) return false;
      writeAsPath(w, a.asPath, ctx.fourOctetAs ? 4 : 2);
      return true;
    },
  },
  {
    code: ATTR_TYPE.NEXT_HOP,
    name: 'NEXT_HOP',
    flags: WELL_KNOWN,
    action: TREAT_AS_WITHDRAW,
    decode(r, _ctx, out) {
      lengthIs(r, r.remaining === 4, '4');
      out.nextHop = r.ipv4('next hop');
    },
    encode(a, _ctx, w) {
      if (a.nextHop === undefined) return false;
      w.ipv4(a.nextHop);
      return true;
    },
  },
  u32Attr(ATTR_TYPE.MULTI_EXIT_DISC, 'MULTI_EXIT_DISC', OPT, 'med'),
  u32Attr(ATTR_TYPE.LOCAL_PREF, 'LOCAL_PREF', WELL_KNOWN, 'localPref'),
  {
    code: ATTR_TYPE.ATOMIC_AGGREGATE,
    name: 'ATOMIC_AGGREGATE',
    flags: WELL_KNOWN,
    action: ATTRIBUTE_DISCARD,
    decode(r, _ctx, out) {
      lengthIs(r, r.remaining === 0, '0');
      out.atomicAggregate = true;
    },
    encode(a) {
      return a.atomicAggregate === true;
    },
  },
  {
    code: ATTR_TYPE.AGGREGATOR,
    name: 'AGGREGATOR',
    flags: OPT_TRANS,
    action: ATTRIBUTE_DISCARD,
    decode(r, ctx, out) {
      out.aggregator = aggregator(r, ctx.fourOctetAs ? 4 : 2);
    },
    encode(a, ctx, w) {
      if (a.aggregator === undefined) return false;
      const { asn, address } = a.aggregator;
      if (ctx.fourOctetAs) w.u32(asn);
      else w.u16(asn > 0xffff ? AS_TRANS : asn);
      w.ipv4(address);
      return true;
    },
  },
  {
    code: ATTR_TYPE.COMMUNITIES,
    name: 'COMMUNITIES',
    flags: OPT_TRANS,
    action: TREAT_AS_WITHDRAW,
    decode(r, _ctx, out) {
      lengthIs(r, r.remaining > 0 && r.remaining % 4 === 0, 'a non-zero multiple of 4');
      out.communities = u32List(r);
    },
    encode(a, _ctx, w) {
      if (a.communities === undefined || a.communities.length === 0) return false;
      for (const c of a.communities) w.u32(c);
      return true;
    },
  },
  {
    code: ATTR_TYPE.ORIGINATOR_ID,
    name: 'ORIGINATOR_ID',
    flags: OPT,
    action: TREAT_AS_WITHDRAW,
    decode(r, _ctx, out) {
      lengthIs(r, r.remaining === 4, '4');
      out.originatorId = r.ipv4('originator id');
    },
    encode(a, _ctx, w) {
      if (a.originatorId === undefined) return false;
      w.ipv4(a.originatorId);
      return true;
    },
  },
  {
    code: ATTR_TYPE.CLUSTER_LIST,
    name: 'CLUSTER_LIST',
    flags: OPT,
    action: TREAT_AS_WITHDRAW,
    decode(r, _ctx, out) {
      lengthIs(r, r.remaining > 0 && r.remaining % 4 === 0, 'a non-zero multiple of 4');
      const ids: string[] = [];
      while (r.remaining > 0) ids.push(r.ipv4('cluster id'));
      out.clusterList = ids;
    },
    encode(a, _ctx, w) {
      if (a.clusterList === undefined || a.clusterList.length === 0) return false;
      for (const id of a.clusterList) w.ipv4(id);
      return true;
    },
  },
  {
    // The NLRI inside is read by the UPDATE decoders, not here: only the next hop
    // belongs to the attribute set that routes share.
    code: ATTR_TYPE.MP_REACH_NLRI,
    name: 'MP_REACH_NLRI',
    flags: OPT,
    action: SESSION_RESET,
    decode(r, _ctx, out) {
      const head = readMpReachHead(r);
      r.pos = r.end;
      if (head.nextHop !== null) out.mpReach = head.nextHop;
    },
    encode() {
      return false; // written by encodeUpdate, which owns the NLRI
    },
  },
  {
    code: ATTR_TYPE.MP_UNREACH_NLRI,
    name: 'MP_UNREACH_NLRI',
    flags: OPT,
    action: SESSION_RESET,
    decode(r) {
      readMpUnreachHead(r);
      r.pos = r.end;
    },
    encode() {
      return false;
    },
  },
  {
    code: ATTR_TYPE.AS4_PATH,
    name: 'AS4_PATH',
    flags: OPT_TRANS,
    action: ATTRIBUTE_DISCARD,
    decode(r, _ctx, out) {
      const path = readAsPath(r, 4);
      if (as4PathOf(path).length !== path.length) {
        r.fail('AS4_PATH carries confederation segments', NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, UPDATE_ERROR.MALFORMED_AS_PATH, undefined, r.end);
      }
      out.as4Path = path;
    },
    encode(a, ctx, w) {
      if (ctx.fourOctetAs || a.asPath === undefined || !needsAs4Path(a.asPath)) return false;
      writeAsPath(w, as4PathOf(a.asPath), 4);
      return true;
    },
  },
  {
    code: ATTR_TYPE.AS4_AGGREGATOR,
    name: 'AS4_AGGREGATOR',
    flags: OPT_TRANS,
    action: ATTRIBUTE_DISCARD,
    decode(r, _ctx, out) {
      out.as4Aggregator = aggregator(r, 4);
    },
    encode(a, ctx, w) {
      if (ctx.fourOctetAs || a.aggregator === undefined || a.aggregator.asn <= 0xffff) return false;
      w.u32(a.aggregator.asn).ipv4(a.aggregator.address);
      return true;
    },
  },
  {
    code: ATTR_TYPE.LARGE_COMMUNITIES,
    name: 'LARGE_COMMUNITIES',
    flags: OPT_TRANS,
    action: TREAT_AS_WITHDRAW,
    decode(r, _ctx, out) {
      lengthIs(r, r.remaining > 0 && r.remaining % 12 === 0, 'a non-zero multiple of 12');
      const list: (readonly [number, number, number])[] = [];
      while (r.remaining > 0) list.push([r.u32('global admin'), r.u32('local data 1'), r.u32('local data 2')]);
      out.largeCommunities = list;
    },
    encode(a, _ctx, w) {
      if (a.largeCommunities === undefined || a.largeCommunities.length === 0) return false;
      for (const [g, l1, l2] of a.largeCommunities) w.u32(g).u32(l1).u32(l2);
      return true;
    },
  },
];

/** Indexed by type code for the decoder's hot path. */
export const ATTRIBUTE_BY_CODE: readonly (AttrDescriptor | undefined)[] = (() => {
  const t = new Array<AttrDescriptor | undefined>(256).fill(undefined);
  for (const d of ATTRIBUTES) t[d.code] = d;
  return t;
})();

export function attributeName(code: number): string {
  return ATTRIBUTE_BY_CODE[code]?.name ?? `type ${code}`;
}

export type { MpReachNextHop };
