/**
 * Reserved ranges (the IPReservation kind): addresses the allocator never
 * hands out. They come in as data, like pools, and are applied when an
 * address is chosen, not written into blocks: a reservation can be added or
 * removed at any time, and a block claimed before it must obey it too. So
 * a block's free ordinals inside a reservation simply stay free; what was
 * allocated there before the reservation existed is left alone (`check`
 * reports it as a finding).
 */
import { IpamInvalidRequestError } from './errors.ts';
import { cidrSize, parseCidr, parseIp, type Cidr, type Family } from './ip.ts';

/** A reserved CIDR and, when known, the IPReservation it comes from. */
export interface IpamReservation {
  readonly cidr: string;
  readonly name?: string;
}

/** What an allocator's `reservations` reader may return: bare CIDRs or named ones. */
export type ReservationInput = string | IpamReservation;

export interface ParsedReservation {
  readonly cidr: Cidr;
  readonly text: string;
  readonly name?: string;
}

/** Parses every entry; a bare address counts as its /32 or /128. */
export function parseReservations(input: readonly ReservationInput[]): ParsedReservation[] {
  return input.map((r) => {
    const { cidr: text, name } = typeof r === 'string' ? { cidr: r, name: undefined } : r;
    const ip = text.includes('/') ? undefined : parseIp(text);
    const cidr = ip ? { family: ip.family, base: ip.value, prefix: ip.family === 4 ? 32 : 128 } : parseCidr(text);
    if (!cidr) {
      throw new IpamInvalidRequestError(`reservation ${name ?? ''}${name ? ': ' : ''}${text} is not a network address with a prefix length`, { reservation: name, cidr: text });
    }
    return name === undefined ? { cidr, text } : { cidr, text, name };
  });
}

/** The reservation holding an address, if any. */
export function reservationHolding(rs: readonly ParsedReservation[], family: Family, value: bigint): ParsedReservation | undefined {
  return rs.find((r) => r.cidr.family === family && value >= r.cidr.base && value < r.cidr.base + cidrSize(r.cidr));
}

/** The parts of `within` the reservations cover, as merged [first, last] address ranges in order. */
function covered(rs: readonly ParsedReservation[], within: Cidr): [bigint, bigint][] {
  const start = within.base;
  const end = within.base + cidrSize(within) - 1n;
  const raw: [bigint, bigint][] = [];
  for (const r of rs) {
    if (r.cidr.family !== within.family) continue;
    const rEnd = r.cidr.base + cidrSize(r.cidr) - 1n;
    const lo = r.cidr.base > start ? r.cidr.base : start;
    const hi = rEnd < end ? rEnd : end;
    if (lo <= hi) raw.push([lo, hi]);
  }
  raw.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [lo, hi] of raw) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1n) last[1] = hi > last[1] ? hi : last[1];
    else out.push([lo, hi]);
  }
  return out;
}

/** The ordinal ranges [lo, hi] of `block` inside any reservation, merged and in order. */
export function reservedOrdinals(rs: readonly ParsedReservation[], block: Cidr): [number, number][] {
  return covered(rs, block).map(([lo, hi]) => [Number(lo - block.base), Number(hi - block.base)]);
}

/** A predicate over ordinals of `block` for Block.allocate/available; undefined when nothing is reserved there. */
export function reservedSkip(rs: readonly ParsedReservation[], block: Cidr): ((ordinal: number) => boolean) | undefined {
  const ranges = reservedOrdinals(rs, block);
  if (ranges.length === 0) return undefined;
  return (o) => ranges.some(([lo, hi]) => o >= lo && o <= hi);
}

/** Whether every address of `block` is reserved: such a block is not worth claiming. */
export function fullyReserved(rs: readonly ParsedReservation[], block: Cidr): boolean {
  const ranges = reservedOrdinals(rs, block);
  return ranges.length === 1 && ranges[0]![0] === 0 && BigInt(ranges[0]![1]) === cidrSize(block) - 1n;
}

/** How many addresses of `within` the reservations cover (overlaps counted once). */
export function reservedCount(rs: readonly ParsedReservation[], within: Cidr): bigint {
  return covered(rs, within).reduce((n, [lo, hi]) => n + hi - lo + 1n, 0n);
}

/** `IPReservation "ops" (10.0.0.0/28)` or `reserved range 10.0.0.0/28`, as messages name one. */
export function describeReservation(r: ParsedReservation): string {
  return r.name ? `IPReservation "${r.name}" (${r.text})` : `reserved range ${r.text}`;
}
