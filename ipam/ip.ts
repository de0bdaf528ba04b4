/**
 * Address arithmetic on BigInt: blocks are ranges of ordinals, and an ordinal
 * is only an offset from the block's base, for IPv4 and IPv6 alike.
 */
import { Address4, Address6 } from 'ip-address';

export type Family = 4 | 6;

export interface Cidr {
  readonly family: Family;
  /** The network address as a number (host bits zero). */
  readonly base: bigint;
  readonly prefix: number;
}

export function bitsOf(family: Family): number {
  return family === 4 ? 32 : 128;
}

export function parseIp(text: string): { family: Family; value: bigint } | undefined {
  const s = text.trim();
  if (s.includes('/')) return undefined;
  if (Address4.isValid(s)) return { family: 4, value: new Address4(s).bigInt() };
  if (Address6.isValid(s)) return { family: 6, value: new Address6(s).bigInt() };
  return undefined;
}

export function formatIp(family: Family, value: bigint): string {
  return family === 4 ? Address4.fromBigInt(value).correctForm() : Address6.fromBigInt(value).correctForm();
}

/** Accepts `10.0.0.0/16`; a CIDR with host bits set is refused, because a typo there would claim the wrong range. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const ip = parseIp(m[1]!);
  const prefix = Number(m[2]);
  if (!ip || prefix > bitsOf(ip.family)) return undefined;
  const hostBits = BigInt(bitsOf(ip.family) - prefix);
  if ((ip.value & ((1n << hostBits) - 1n)) !== 0n) return undefined;
  return { family: ip.family, base: ip.value, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.family, c.base)}/${c.prefix}`;
}

export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(bitsOf(c.family) - c.prefix);
}

export function cidrContains(c: Cidr, family: Family, value: bigint): boolean {
  return family === c.family && value >= c.base && value < c.base + cidrSize(c);
}

export function cidrContainsCidr(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && cidrContains(outer, inner.family, inner.base);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && (cidrContains(a, b.family, b.base) || cidrContains(b, a.family, a.base));
}

/** The block of `prefix` bits that holds `value`. */
export function enclosingCidr(family: Family, value: bigint, prefix: number): Cidr {
  const hostBits = BigInt(bitsOf(family) - prefix);
  return { family, base: (value >> hostBits) << hostBits, prefix };
}

export function mustParseCidr(text: string): Cidr {
  const c = parseCidr(text);
  if (!c) throw new TypeError(`"${text}" is not a CIDR`);
  return c;
}

/** Canonical text of an address, so `fd00::0001` and `fd00::1` compare equal. */
export function canonicalIp(text: string): string | undefined {
  const ip = parseIp(text);
  return ip ? formatIp(ip.family, ip.value) : undefined;
}
