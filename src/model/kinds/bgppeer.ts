/**
 * BGPPeer: a BGP session some nodes hold with a router (peerIP + asNumber) or
 * with other reef nodes (peerSelector; their AS comes from their Node). Which
 * nodes hold it: `node`, `nodeSelector`, or every node when neither is set.
 */
import { z } from 'zod';
import { asNumber, bool, duration, int, oneOf, peerAddress, secretKeyRef, selector, subdomainName, type SecretKeyRef } from '../fields.ts';
import { formatIP, parseIPPort } from '../net.ts';
import { defineKind } from './kind.ts';

export const SOURCE_ADDRESSES = ['UseNodeIP', 'None'] as const;

export interface BGPPeerSpec {
  node?: string;
  nodeSelector?: string;
  /** `IP`, `IPv4:port` or `[IPv6]:port`, address in canonical text. */
  peerIP?: string;
  peerSelector?: string;
  asNumber?: number;
  keepOriginalNextHop: boolean;
  password?: SecretKeyRef;
  maxRestartTime?: string;
  sourceAddress: (typeof SOURCE_ADDRESSES)[number];
  numAllowedLocalASNumbers?: number;
  ttlSecurity?: number;
  /** reef's own: tear the session down when the peer sends more prefixes than this. */
  maxPrefixes?: number;
}

const spec = z.strictObject({
  node: subdomainName.optional(),
  nodeSelector: selector('nodeSelector').optional(),
  peerIP: peerAddress.optional(),
  peerSelector: selector('peerSelector').optional(),
  asNumber: asNumber.optional(),
  keepOriginalNextHop: bool.default(false),
  password: secretKeyRef.optional(),
  maxRestartTime: duration.optional(),
  sourceAddress: oneOf(SOURCE_ADDRESSES).default('UseNodeIP'),
  numAllowedLocalASNumbers: int(1, 10, 'numAllowedLocalASNumbers').optional(),
  ttlSecurity: int(1, 255, 'ttlSecurity hop count').optional(),
  maxPrefixes: int(1, 4294967295, 'maxPrefixes').optional(),
});

/** The address and port a peer is reached at, `179` when none is given: what makes two peers the same session. */
export function peerEndpoint(peerIP: string): string | undefined {
  const r = parseIPPort(peerIP);
  if (!r.ok) return undefined;
  const addr = formatIP(r.ip);
  const port = r.port ?? 179;
  return r.ip.family === 6 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

export const bgpPeerKind = defineKind({
  kind: 'BGPPeer',
  spec,
  finish(p, _meta, f): BGPPeerSpec {
    if (p.node !== undefined && p.nodeSelector !== undefined) {
      f.add('spec.node', `cannot be set together with nodeSelector ${JSON.stringify(p.nodeSelector)}: use one or the other`);
    }
    if (p.peerIP !== undefined && p.peerSelector !== undefined) {
      f.add('spec.peerIP', `cannot be set together with peerSelector ${JSON.stringify(p.peerSelector)}: ` +
        'peer with a router by peerIP, or with reef nodes by peerSelector');
    }
    if (p.peerIP === undefined && p.peerSelector === undefined) {
      f.add('spec.peerIP', 'is required (or peerSelector, to peer with other reef nodes)');
    }
    if (p.peerSelector !== undefined && p.asNumber !== undefined) {
      f.add('spec.asNumber', `${p.asNumber} must not be set with peerSelector: each selected node's own AS number is used`);
    }
    if (p.peerIP !== undefined && p.asNumber === undefined) {
      f.add('spec.asNumber', `is required: the AS number of the router at ${p.peerIP}`);
    }
    return p;
  },
});
