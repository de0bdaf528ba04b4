/**
 * Node: written by reef-node for itself. The BGP part says which addresses the
 * node peers from (Calico's `10.0.0.1/24` form: the interface address with its
 * subnet, so host bits are expected), its AS when it differs from the
 * cluster's, and its route-reflector cluster ID when it is a reflector.
 */
import { z } from 'zod';
import { asNumber, cidr, ip, nonEmptyStr, oneOf, subdomainName } from '../fields.ts';
import { defineKind } from './kind.ts';

export interface NodeBGPSpec {
  /** `10.0.0.1/24` or `10.0.0.1`, address in canonical text. */
  ipv4Address?: string;
  ipv6Address?: string;
  asNumber?: number;
  /** Dotted IPv4 form, e.g. `224.0.0.1`. */
  routeReflectorClusterID?: string;
}

export interface OrchRef {
  nodeName?: string;
  orchestrator: string;
}

export const NODE_ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'CalicoNodeIP'] as const;

export interface NodeAddress {
  address: string;
  type?: (typeof NODE_ADDRESS_TYPES)[number];
}

export interface NodeSpec {
  bgp?: NodeBGPSpec;
  orchRefs?: OrchRef[];
  addresses?: NodeAddress[];
}

const ifaceAddress = (family: 4 | 6) => cidr({ strict: false, bareIP: true, keepBare: true, family });

const spec = z.strictObject({
  bgp: z
    .strictObject({
      ipv4Address: ifaceAddress(4).optional(),
      ipv6Address: ifaceAddress(6).optional(),
      asNumber: asNumber.optional(),
      routeReflectorClusterID: ip(4).optional(),
    })
    .optional(),
  orchRefs: z.array(z.strictObject({ nodeName: subdomainName.optional(), orchestrator: nonEmptyStr })).optional(),
  addresses: z
    .array(z.strictObject({ address: cidr({ strict: false, bareIP: true, keepBare: true }), type: oneOf(NODE_ADDRESS_TYPES).optional() }))
    .optional(),
});

export const nodeKind = defineKind({
  kind: 'Node',
  spec,
  finish(p, _meta, f): NodeSpec {
    if (p.bgp && Object.keys(p.bgp).length === 0) {
      f.add('spec.bgp', 'is empty: give ipv4Address or ipv6Address, or leave bgp out for a node that does not peer');
    } else if (p.bgp && p.bgp.ipv4Address === undefined && p.bgp.ipv6Address === undefined) {
      f.add('spec.bgp', 'has no ipv4Address or ipv6Address: a node peers from one of them');
    }
    return p;
  },
});
