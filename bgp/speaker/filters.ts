/**
 * Peer import/export prefix rules as RIB policies. reef-bgp's rules say
 * "first match wins, no match accepts"; the RIB's PrefixList denies on no
 * match, so a catch-all permit per family closes the list.
 */
import { ACCEPT, PrefixList, REJECT, type Policy } from '../rib/policy.ts';
import type { PrefixRule } from './types.ts';

export function rulesPolicy(rules: readonly PrefixRule[]): Policy {
  const list = new PrefixList([
    ...rules.map((r) => ({
      prefix: r.prefix,
      ...(r.ge !== undefined ? { ge: r.ge } : {}),
      ...(r.le !== undefined ? { le: r.le } : {}),
      action: r.action === 'accept' ? ('permit' as const) : ('deny' as const),
    })),
    { prefix: '0.0.0.0/0', ge: 0, le: 32, action: 'permit' },
    { prefix: '::/0', ge: 0, le: 128, action: 'permit' },
  ]);
  return (prefix) => (list.permits(prefix) ? ACCEPT : REJECT);
}

/** `export: none`: every prefix stays home. */
export const exportNothing: Policy = () => REJECT;

/** Only the families the session negotiated leave, then the peer's rules. */
export function exportPolicy(rules: readonly PrefixRule[] | undefined, families: () => { ipv4: boolean; ipv6: boolean }): Policy {
  const inner = rules !== undefined && rules.length > 0 ? rulesPolicy(rules) : undefined;
  return (prefix, attrs, peer) => {
    const f = families();
    if (typeof prefix === 'number' ? !f.ipv4 : !f.ipv6) return REJECT;
    return inner === undefined ? ACCEPT : inner(prefix, attrs, peer);
  };
}
