/**
 * Which PeerConfig changes need a new session. Session-shape fields go into
 * the OPEN or the TCP connection, or into what the session decided at
 * Established (the RIB sink's checks), so only a reset applies them. Policy
 * fields only change what we take from and give to the peer: PeerHandle
 * applies them to the running session (soft reconfiguration both ways).
 *
 * `enforceFirstAs` is session shape although it is a filter: routes it
 * withdraws are not kept, so loosening it could not bring them back without
 * the peer sending them again.
 */
import type { PeerConfig } from './types.ts';

export const POLICY_FIELDS = ['import', 'export', 'maxPrefixes', 'nextHopSelf', 'keepOriginalNextHop', 'routeReflectorClient'] as const;
export type PolicyField = (typeof POLICY_FIELDS)[number];

/** Fields that change nothing on the wire or in the RIB. */
const COSMETIC = ['name'] as const;

/** Everything but the policy fields and the name: a difference here needs a new session. */
export function sessionShape(c: PeerConfig): string {
  const rest: Record<string, unknown> = { ...c };
  for (const k of [...POLICY_FIELDS, ...COSMETIC]) delete rest[k];
  return JSON.stringify(rest, Object.keys(rest).sort());
}

/** The policy fields whose effective value differs (absent and the default are the same). */
export function policyChanges(was: PeerConfig, now: PeerConfig): PolicyField[] {
  return POLICY_FIELDS.filter((f) => JSON.stringify(effective(was, f)) !== JSON.stringify(effective(now, f)));
}

function effective(c: PeerConfig, f: PolicyField): unknown {
  switch (f) {
    case 'import':
      return c.import ?? [];
    case 'export':
      return c.export ?? [];
    case 'maxPrefixes':
      return c.maxPrefixes ?? null;
    case 'nextHopSelf':
    case 'keepOriginalNextHop':
    case 'routeReflectorClient':
      return c[f] ?? false;
  }
}
