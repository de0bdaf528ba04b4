/** Just enough IP arithmetic for policy: canonical CIDRs and containment, for both families. */
import { Address4, Address6 } from 'ip-address';
import { ReefError } from '../../../src/lib/errors.ts';

export interface Cidr {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
  /** Canonical text, host bits cleared: `10.0.0.0/24`, `fd00::/64`. */
  readonly text: string;
}

export class InvalidCidrError extends ReefError {
  constructor(text: string, path?: string) {
    super('CIDR_INVALID', `${path ? `${path}: ` : ''}${JSON.stringify(text)} is not an IP address or CIDR`, { text, path });
  }
}

const cache = new Map<string, Cidr>();

/** Parses an address (as a host route) or a CIDR. */
export function parseCidr(text: string, path?: string): Cidr {
  const hit = cache.get(text);
  if (hit) return hit;
  let c: Cidr;
  if (text.includes(':')) {
    if (!Address6.isValid(text)) throw new InvalidCidrError(text, path);
    const a = new Address6(text.includes('/') ? text : `${text}/128`);
    const prefix = a.subnetMask;
    const base = (a.bigInt() >> BigInt(128 - prefix)) << BigInt(128 - prefix);
    c = { family: 6, base, prefix, text: `${Address6.fromBigInt(base).correctForm()}/${prefix}` };
  } else {
    if (!Address4.isValid(text)) throw new InvalidCidrError(text, path);
    const a = new Address4(text.includes('/') ? text : `${text}/32`);
    const prefix = a.subnetMask;
    const base = (a.bigInt() >> BigInt(32 - prefix)) << BigInt(32 - prefix);
    c = { family: 4, base, prefix, text: `${Address4.fromBigInt(base).correctForm()}/${prefix}` };
  }
  if (cache.size > 50_000) cache.clear();
  cache.set(text, c);
  return c;
}

export function cidrContains(net: Cidr, ip: Cidr): boolean {
  if (net.family !== ip.family || ip.prefix < net.prefix) return false;
  const width = net.family === 4 ? 32 : 128;
  const shift = BigInt(width - net.prefix);
  return ip.base >> shift === net.base >> shift;
}

/** The bare address of a host CIDR (`10.0.0.5/32` -> `10.0.0.5`). */
export function hostAddress(c: Cidr): string {
  return c.text.slice(0, c.text.indexOf('/'));
}

export function familyOf(text: string): 4 | 6 {
  return text.includes(':') ? 6 : 4;
}
