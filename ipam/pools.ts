/**
 * IP pools as IPAM sees them. Validation of the IPPool resource lives in the
 * resource model; here a pool is input, already valid, and selector
 * matching is the caller's (an injected `nodeMatches`), because selectors
 * are parsed elsewhere.
 */
import { IpamInvalidRequestError } from './errors.ts';
import { bitsOf, cidrContains, cidrSize, parseCidr, type Cidr, type Family } from './ip.ts';

export interface IpamPool {
  readonly name: string;
  readonly cidr: string;
  readonly blockSize: number;
  readonly disabled?: boolean;
  readonly nodeSelector?: string;
}

export type NodeMatches = (pool: IpamPool, node: string) => boolean;

/** A pool with its CIDR parsed once. */
export interface ParsedPool {
  readonly pool: IpamPool;
  readonly cidr: Cidr;
}

export function parsePool(p: IpamPool): ParsedPool {
  const cidr = parseCidr(p.cidr);
  if (!cidr) throw new IpamInvalidRequestError(`pool ${p.name}: cidr ${p.cidr} is not a network address with a prefix length`, { pool: p.name });
  if (!Number.isInteger(p.blockSize) || p.blockSize < cidr.prefix || p.blockSize > bitsOf(cidr.family) || bitsOf(cidr.family) - p.blockSize > 16) {
    throw new IpamInvalidRequestError(`pool ${p.name}: blockSize ${p.blockSize} does not fit ${p.cidr}`, { pool: p.name });
  }
  return { pool: p, cidr };
}

/** The enabled pools of `family` that select `node`, narrowed to `requested` (names or CIDRs) when given. */
export function eligiblePools(pools: readonly ParsedPool[], node: string, family: Family, nodeMatches: NodeMatches, requested?: readonly string[]): ParsedPool[] {
  return pools.filter(
    (p) =>
      p.cidr.family === family &&
      !p.pool.disabled &&
      (!requested || requested.length === 0 || requested.includes(p.pool.name) || requested.includes(p.pool.cidr)) &&
      nodeMatches(p.pool, node),
  );
}

/** The pool holding an address or block, disabled or not; the most specific one if pools nest. */
export function poolContaining(pools: readonly ParsedPool[], family: Family, value: bigint): ParsedPool | undefined {
  let best: ParsedPool | undefined;
  for (const p of pools) if (cidrContains(p.cidr, family, value) && (!best || p.cidr.prefix > best.cidr.prefix)) best = p;
  return best;
}

/** The pool's block CIDRs in address order; lazy, because an IPv6 pool has more than can be listed. */
export function* blocksOf(p: ParsedPool): Generator<Cidr> {
  const step = 1n << BigInt(bitsOf(p.cidr.family) - p.pool.blockSize);
  const end = p.cidr.base + cidrSize(p.cidr);
  for (let base = p.cidr.base; base < end; base += step) yield { family: p.cidr.family, base, prefix: p.pool.blockSize };
}
