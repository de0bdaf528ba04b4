/**
 * What this node advertises: its confirmed IPAM block affinities, plus the
 * service ranges of the cluster's BGPConfiguration (serviceClusterIPs,
 * serviceExternalIPs: every node advertises them, as in Calico, and ECMP
 * spreads the traffic). prefixAdvertisements attach communities to the
 * prefixes they contain; only standard communities (aa:nn) are sent, a
 * large one (aa:nn:mm) is reported once as unsupported.
 */
import type { OriginatedPrefix } from '../../bgp/speaker/types.ts';
import type { BGPConfigurationSpec } from '../model/index.ts';
import { contains, parseCIDR, type Prefix } from '../model/net.ts';

export interface Originated {
  readonly prefixes: readonly OriginatedPrefix[];
  readonly warnings: readonly string[];
}

function prefixOf(c: string): Prefix | undefined {
  const r = parseCIDR(c, { strict: false, allowBareIP: true });
  return r.ok ? r.prefix : undefined;
}

function within(outer: Prefix, inner: Prefix): boolean {
  return outer.family === inner.family && outer.length <= inner.length && contains(outer, { family: inner.family, value: inner.value });
}

export function originatedPrefixes(blocks: readonly string[], cluster: BGPConfigurationSpec): Originated {
  const warnings: string[] = [];
  const named = new Map((cluster.communities ?? []).map((c) => [c.name, c.value]));
  const ads = (cluster.prefixAdvertisements ?? []).flatMap((pa) => {
    const p = prefixOf(pa.cidr);
    if (p === undefined) return [];
    const values = pa.communities.map((c) => named.get(c) ?? c);
    const standard = values.filter((v) => v.split(':').length === 2);
    for (const v of values) if (!standard.includes(v)) warnings.push(`prefixAdvertisements ${pa.cidr}: large community ${v} is not supported; left out`);
    return [{ prefix: p, communities: standard }];
  });
  const service = [...(cluster.serviceClusterIPs ?? []), ...(cluster.serviceExternalIPs ?? [])].map((s) => s.cidr);
  const seen = new Set<string>();
  const prefixes: OriginatedPrefix[] = [];
  for (const text of [...blocks, ...service]) {
    const p = prefixOf(text);
    if (p === undefined || seen.has(text)) continue;
    seen.add(text);
    const communities = [...new Set(ads.filter((a) => within(a.prefix, p)).flatMap((a) => a.communities))];
    prefixes.push(communities.length > 0 ? { prefix: text, communities } : { prefix: text });
  }
  return { prefixes, warnings };
}
