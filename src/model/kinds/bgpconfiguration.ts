/**
 * BGPConfiguration: `default` holds the cluster-wide settings; `node.<name>`
 * overrides a few of them for one node. Only `default` gets defaults filled:
 * filling a node's document would silently override the cluster's values.
 */
import { z } from 'zod';
import { field } from '../schema.ts';
import { asNumber, bool, cidr, duration, int, nonEmptyStr, oneOf, secretKeyRef, stringList, type SecretKeyRef } from '../fields.ts';
import { show } from '../findings.ts';
import { dns1123Subdomain } from '../names.ts';
import { defineKind } from './kind.ts';

export const LOG_SEVERITIES = ['Debug', 'Info', 'Warning', 'Error', 'Fatal'] as const;
export type LogSeverity = (typeof LOG_SEVERITIES)[number];
export const BIND_MODES = ['None', 'NodeIP'] as const;

export const DEFAULT_AS_NUMBER = 64512;
export const DEFAULT_BGP_PORT = 179;

export interface ServiceCIDR {
  cidr: string;
}
export interface Community {
  name: string;
  /** `aa:nn` (standard, 16-bit halves) or `aa:nn:mm` (large, 32-bit parts). */
  value: string;
}
export interface PrefixAdvertisement {
  cidr: string;
  /** Names from `communities`, or literal values. */
  communities: string[];
}

export interface BGPConfigurationSpec {
  logSeverityScreen?: LogSeverity;
  nodeToNodeMeshEnabled?: boolean;
  asNumber?: number;
  listenPort?: number;
  bindMode?: (typeof BIND_MODES)[number];
  serviceClusterIPs?: ServiceCIDR[];
  serviceExternalIPs?: ServiceCIDR[];
  serviceLoadBalancerIPs?: ServiceCIDR[];
  communities?: Community[];
  prefixAdvertisements?: PrefixAdvertisement[];
  nodeMeshPassword?: SecretKeyRef;
  nodeMeshMaxRestartTime?: string;
  ignoredInterfaces?: string[];
}

export function communityProblem(v: string): string | undefined {
  const parts = v.split(':');
  const max = parts.length === 2 ? 65535 : 4294967295;
  if ((parts.length === 2 || parts.length === 3) && parts.every((p) => /^[0-9]+$/.test(p) && Number(p) <= max)) {
    return undefined;
  }
  return `${show(v)} is not a BGP community: use aa:nn (each 0-65535) or the large form aa:nn:mm (each 0-4294967295)`;
}

const communityValue = field<string>((v, report) => {
  if (typeof v !== 'string') return report(`expected a community string such as "65001:100", got ${show(v)}`);
  const why = communityProblem(v);
  return why ? report(why) : v;
});

const serviceCIDRs = z.array(z.strictObject({ cidr: cidr({ strict: true, bareIP: true }) }));

const spec = z.strictObject({
  logSeverityScreen: oneOf(LOG_SEVERITIES).optional(),
  nodeToNodeMeshEnabled: bool.optional(),
  asNumber: asNumber.optional(),
  listenPort: int(1, 65535, 'port').optional(),
  bindMode: oneOf(BIND_MODES).optional(),
  serviceClusterIPs: serviceCIDRs.optional(),
  serviceExternalIPs: serviceCIDRs.optional(),
  serviceLoadBalancerIPs: serviceCIDRs.optional(),
  communities: z.array(z.strictObject({ name: nonEmptyStr, value: communityValue })).optional(),
  prefixAdvertisements: z
    .array(z.strictObject({ cidr: cidr({ strict: true, bareIP: true }), communities: z.array(nonEmptyStr).default([]) }))
    .optional(),
  nodeMeshPassword: secretKeyRef.optional(),
  nodeMeshMaxRestartTime: duration.optional(),
  ignoredInterfaces: stringList.optional(),
});

/** Settings that only make sense cluster-wide (Calico ignores them on node documents). */
const CLUSTER_ONLY = [
  'nodeToNodeMeshEnabled',
  'asNumber',
  'serviceClusterIPs',
  'serviceExternalIPs',
  'serviceLoadBalancerIPs',
  'nodeMeshPassword',
  'nodeMeshMaxRestartTime',
] as const;

export const bgpConfigurationKind = defineKind({
  kind: 'BGPConfiguration',
  checkName(name) {
    if (name === 'default') return undefined;
    if (name.startsWith('node.')) {
      const why = dns1123Subdomain(name.slice(5));
      return why ? `${show(name)}: the node name after "node." ${why}` : undefined;
    }
    return `${show(name)} is not a BGPConfiguration name: use "default" or "node.<nodename>"`;
  },
  spec,
  finish(p, meta, f): BGPConfigurationSpec {
    const isDefault = meta.name === 'default';
    if (!isDefault) {
      for (const k of CLUSTER_ONLY) {
        if (p[k] !== undefined) f.add(`spec.${k}`, `is only valid on the cluster-wide "default" BGPConfiguration, not on ${show(meta.name)}`);
      }
    }
    if (p.nodeToNodeMeshEnabled === false) {
      for (const k of ['nodeMeshPassword', 'nodeMeshMaxRestartTime'] as const) {
        if (p[k] !== undefined) f.add(`spec.${k}`, 'has no effect while nodeToNodeMeshEnabled is false');
      }
    }
    const names = new Map<string, number>();
    (p.communities ?? []).forEach((c, i) => {
      if (names.has(c.name)) f.add(`spec.communities[${i}].name`, `${show(c.name)} is already defined at communities[${names.get(c.name)}]`);
      names.set(c.name, i);
    });
    if (names.size > 0 && (p.prefixAdvertisements ?? []).length === 0) {
      f.add('spec.communities', 'communities are defined but no prefixAdvertisements use them');
    }
    (p.prefixAdvertisements ?? []).forEach((pa, i) =>
      pa.communities.forEach((c, j) => {
        if (!names.has(c) && communityProblem(c)) {
          f.add(`spec.prefixAdvertisements[${i}].communities[${j}]`,
            `${show(c)} is neither a community defined in spec.communities nor a community value such as "65001:100"`);
        }
      }));
    if (!isDefault) return p;
    return {
      ...p,
      logSeverityScreen: p.logSeverityScreen ?? 'Info',
      nodeToNodeMeshEnabled: p.nodeToNodeMeshEnabled ?? true,
      asNumber: p.asNumber ?? DEFAULT_AS_NUMBER,
      listenPort: p.listenPort ?? DEFAULT_BGP_PORT,
      bindMode: p.bindMode ?? 'None',
    };
  },
});
