/**
 * The Loc-RIB as plain data for the status API and the CLI: one entry per
 * prefix with its best path (and ECMP next hops). A full walk, so it is for
 * people and tests, not for pollers (they use the counts).
 */
import { bestPaths, type Best, type Rib } from '../rib/rib.ts';
import { formatKey, type PrefixKey } from '../rib/prefix-key.ts';
import type { FamilyName, RouteInfo } from './types.ts';

const ORIGIN_NAME = ['igp', 'egp', 'incomplete'] as const;

export function routeInfo(key: PrefixKey, best: Best): RouteInfo {
  const paths = bestPaths(best);
  const p = paths[0]!;
  const a = p.attrs?.attrs ?? {};
  const v6 = typeof key !== 'number';
  const hops = [...new Set(paths.map((q) => q.nextHopFor(v6)).filter((h): h is string => h !== undefined))];
  return {
    prefix: formatKey(key),
    nextHops: hops,
    peer: p.peer.local ? 'local' : p.peer.address,
    asPath: (a.asPath ?? []).map((s) => (s.type === 1 ? `{${s.asns.join(',')}}` : s.asns.join(' '))).join(' '),
    localPref: p.localPref,
    med: a.med ?? null,
    origin: ORIGIN_NAME[p.origin] ?? 'incomplete',
  };
}

export function routesOf(rib: Rib, family?: FamilyName): RouteInfo[] {
  const out: RouteInfo[] = [];
  rib.forEachBest((key, best) => {
    if (family === 'ipv4' && typeof key !== 'number') return;
    if (family === 'ipv6' && typeof key === 'number') return;
    out.push(routeInfo(key, best));
  });
  return out;
}
