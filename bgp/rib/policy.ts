/**
 * Import and export policy hooks. A policy sees one prefix with its attributes
 * and the peer, and answers accept, reject, or the attributes to use instead.
 * Policies run once per prefix, so anything that rewrites attributes should
 * return the same object for the same input (see `rewrite`) to keep interning
 * cheap: the RIB caches interned results by object identity.
 */
import type { PathAttributes } from '../wire/types.ts';
import type { PrefixKey } from './prefix-key.ts';
import { keyLen, parsePrefix, v4Addr, v6Parts } from './prefix-key.ts';

export const ACCEPT = 'accept';
export const REJECT = 'reject';
export type PolicyResult = typeof ACCEPT | typeof REJECT | PathAttributes;

/** What a policy may know about the peer a route came from (import) or goes to (export). */
export interface PolicyPeer {
  readonly address: string;
  readonly asn: number;
  readonly ibgp: boolean;
  readonly local: boolean;
}

export type Policy = (prefix: PrefixKey, attrs: PathAttributes, peer: PolicyPeer) => PolicyResult;

/** Runs policies in order; a rewrite feeds the next one; the first reject wins. */
export function chain(...policies: Policy[]): Policy {
  return (prefix, attrs, peer) => {
    let current = attrs;
    let changed = false;
    for (const p of policies) {
      const r = p(prefix, current, peer);
      if (r === REJECT) return REJECT;
      if (r !== ACCEPT) {
        current = r;
        changed = true;
      }
    }
    return changed ? current : ACCEPT;
  };
}

/** An attribute rewrite memoized per input object, so a million prefixes sharing one set make one new set. */
export function rewrite(fn: (attrs: PathAttributes) => PathAttributes): Policy {
  const memo = new WeakMap<PathAttributes, PathAttributes>();
  return (_prefix, attrs) => {
    let out = memo.get(attrs);
    if (out === undefined) {
      out = fn(attrs);
      memo.set(attrs, out);
    }
    return out;
  };
}

export interface PrefixListEntry {
  /** "10.0.0.0/8" or "2001:db8::/32". */
  readonly prefix: string;
  /** Matches more-specifics with length >= ge (default: the prefix's own length). */
  readonly ge?: number;
  /** Matches more-specifics with length <= le (default: 32/128 when ge is given, else the prefix's own length). */
  readonly le?: number;
  readonly action: 'permit' | 'deny';
}

interface CompiledEntry {
  readonly v4: boolean;
  readonly addr: number;
  readonly addr6: Buffer;
  readonly len: number;
  readonly ge: number;
  readonly le: number;
  readonly permit: boolean;
}

/** First matching entry decides, as in router prefix lists; no match is a deny. */
export class PrefixList {
  readonly #entries: CompiledEntry[];

  constructor(entries: readonly PrefixListEntry[]) {
    this.#entries = entries.map(compile);
  }

  /** true = permit, false = deny (explicitly or by falling off the end). */
  permits(key: PrefixKey): boolean {
    const len = keyLen(key);
    const isV4 = typeof key === 'number';
    const addr = isV4 ? v4Addr(key) : 0;
    const addr6 = isV4 ? undefined : v6Parts(key).addr;
    for (const e of this.#entries) {
      if (e.v4 !== isV4 || len < e.ge || len > e.le) continue;
      if (isV4 ? maskedEqual4(addr, e.addr, e.len) : maskedEqual6(addr6!, e.addr6, e.len)) return e.permit;
    }
    return false;
  }

  asPolicy(): Policy {
    return (prefix) => (this.permits(prefix) ? ACCEPT : REJECT);
  }
}

function compile(e: PrefixListEntry): CompiledEntry {
  const key = parsePrefix(e.prefix);
  const len = keyLen(key);
  const max = typeof key === 'number' ? 32 : 128;
  const ge = e.ge ?? len;
  const le = e.le ?? (e.ge !== undefined ? max : len);
  if (ge < len || le < ge || le > max) {
    throw new RangeError(`prefix list entry ${e.prefix} ge ${ge} le ${le}: need ${len} <= ge <= le <= ${max}`);
  }
  return {
    v4: typeof key === 'number',
    addr: typeof key === 'number' ? v4Addr(key) : 0,
    addr6: typeof key === 'number' ? Buffer.alloc(0) : v6Parts(key).addr,
    len,
    ge,
    le,
    permit: e.action === 'permit',
  };
}

function maskedEqual4(a: number, b: number, len: number): boolean {
  if (len === 0) return true;
  const mask = (0xffffffff << (32 - len)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

function maskedEqual6(a: Buffer, b: Buffer, len: number): boolean {
  const full = len >> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = len & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[full]! & mask) === (b[full]! & mask);
}
