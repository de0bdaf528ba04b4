/**
 * Decoded BGP path attributes and prefixes, shared by the codec (bgp/wire)
 * and the RIB (bgp/rib). Field order follows the attribute type codes.
 *
 * Prefixes: IPv4 as a 32-bit unsigned number, IPv6 as a 16-byte Buffer, both
 * with a prefix length; the RIB keys them compactly.
 */
export const AFI = { IPV4: 1, IPV6: 2 } as const;
export type Afi = (typeof AFI)[keyof typeof AFI];
export const SAFI = { UNICAST: 1 } as const;
export type Safi = (typeof SAFI)[keyof typeof SAFI];

export const ORIGIN = { IGP: 0, EGP: 1, INCOMPLETE: 2 } as const;
export type Origin = (typeof ORIGIN)[keyof typeof ORIGIN];

export const AS_PATH_SEGMENT = { AS_SET: 1, AS_SEQUENCE: 2, AS_CONFED_SEQUENCE: 3, AS_CONFED_SET: 4 } as const;
export type AsPathSegmentType = (typeof AS_PATH_SEGMENT)[keyof typeof AS_PATH_SEGMENT];

export interface AsPathSegment {
  readonly type: AsPathSegmentType;
  readonly asns: readonly number[];
}

export interface Ipv4Prefix {
  readonly afi: 1;
  /** Network address as an unsigned 32-bit integer, host bits zero. */
  readonly addr: number;
  readonly len: number;
}
export interface Ipv6Prefix {
  readonly afi: 2;
  /** 16 bytes, host bits zero. */
  readonly addr: Buffer;
  readonly len: number;
}
export type Prefix = Ipv4Prefix | Ipv6Prefix;

/** An attribute the codec does not know, carried as it came (flags include Partial when passed on). */
export interface RawAttribute {
  readonly flags: number;
  readonly type: number;
  readonly value: Buffer;
}

export interface PathAttributes {
  readonly origin?: Origin;
  /** Always 4-octet AS numbers after decoding (AS4_PATH merged per RFC 6793). */
  readonly asPath?: readonly AsPathSegment[];
  /**
   * The NEXT_HOP attribute (dotted quad): the next hop of the classic IPv4 NLRI.
   * Routes carried in MP_REACH_NLRI take theirs from `mpReach` instead.
   */
  readonly nextHop?: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly atomicAggregate?: boolean;
  readonly aggregator?: { readonly asn: number; readonly address: string };
  /** Each community as an unsigned 32-bit number (high 16 bits AS, low 16 value). */
  readonly communities?: readonly number[];
  readonly largeCommunities?: readonly (readonly [number, number, number])[];
  readonly originatorId?: string;
  readonly clusterList?: readonly string[];
  /**
   * MP_REACH_NLRI without its NLRI (RFC 4760): the family and next hop(s) of
   * the prefixes it carries. The prefixes themselves travel beside the
   * attributes (UpdateMessage.mpNlri, or the scanUpdate sink).
   */
  readonly mpReach?: MpReachNextHop;
  readonly unknown?: readonly RawAttribute[];
}

export interface MpReachNextHop {
  readonly afi: Afi;
  readonly safi: Safi;
  /** Dotted quad for AFI 1; for AFI 2 the global IPv6 address. */
  readonly nextHop: string;
  /** RFC 2545: the link-local address sent after the global one (next hop length 32). */
  readonly linkLocalNextHop?: string;
}
