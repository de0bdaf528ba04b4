/** Protocol names and numbers, and port parsing, as Calico's v3 API accepts them. */

export const PROTO = { ICMP: 1, TCP: 6, UDP: 17, ICMPv6: 58, SCTP: 132, UDPLite: 136 } as const;

const BY_NAME: ReadonlyMap<string, number> = new Map(Object.entries(PROTO).map(([k, v]) => [k.toLowerCase(), v]));

/** `TCP`, `tcp`, `6` or 6 -> 6; undefined when unknown. */
export function protocolNumber(p: string | number): number | undefined {
  if (typeof p === 'number') return Number.isInteger(p) && p >= 0 && p <= 255 ? p : undefined;
  if (/^\d+$/.test(p)) return protocolNumber(Number(p));
  return BY_NAME.get(p.toLowerCase());
}

/** Protocols that carry ports, the only ones a ports match makes sense for. */
export function hasPorts(proto: number | undefined): boolean {
  return proto === PROTO.TCP || proto === PROTO.UDP || proto === PROTO.SCTP || proto === PROTO.UDPLite;
}

export function isIcmp(proto: number | undefined): boolean {
  return proto === PROTO.ICMP || proto === PROTO.ICMPv6;
}

/** The name iptables' `-p` takes. */
export function iptablesProtocolName(proto: number): string {
  switch (proto) {
    case PROTO.ICMP:
      return 'icmp';
    case PROTO.TCP:
      return 'tcp';
    case PROTO.UDP:
      return 'udp';
    case PROTO.ICMPv6:
      return 'ipv6-icmp';
    case PROTO.SCTP:
      return 'sctp';
    case PROTO.UDPLite:
      return 'udplite';
    default:
      return String(proto);
  }
}
