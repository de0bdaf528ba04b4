/**
 * Rules across objects of one kind, checked against what the datastore holds:
 * pools must not overlap (an address would belong to two pools), and two
 * BGPPeers must not open the same session from the same nodes.
 * Inputs are canonical resources (validateResource's output); the object being
 * written is skipped in `existing`, so an update does not conflict with itself.
 */
import { describeKey, keyOf, type Resource } from './resource.ts';
import type { Finding } from './findings.ts';
import { formatPrefix, overlaps, parseCIDR } from './net.ts';
import type { IPPoolSpec } from './kinds/ippool.ts';
import { peerEndpoint, type BGPPeerSpec } from './kinds/bgppeer.ts';

function sameKey(a: Resource, b: Resource): boolean {
  const ka = keyOf(a);
  const kb = keyOf(b);
  return ka.kind === kb.kind && ka.name === kb.name && ka.namespace === kb.namespace;
}

function poolOverlaps(r: Resource, existing: readonly Resource[]): Finding[] {
  const mine = parseCIDR((r.spec as unknown as IPPoolSpec).cidr, { strict: true });
  if (!mine.ok) return [];
  const out: Finding[] = [];
  for (const other of existing) {
    if (other.kind !== 'IPPool' || sameKey(r, other)) continue;
    const theirs = parseCIDR((other.spec as unknown as IPPoolSpec).cidr, { strict: true });
    if (!theirs.ok || !overlaps(mine.prefix, theirs.prefix)) continue;
    out.push({
      path: 'spec.cidr',
      reason: `${formatPrefix(mine.prefix)} overlaps ${describeKey(keyOf(other))} (${formatPrefix(theirs.prefix)})`,
    });
  }
  return out;
}

type Scope = { all: true } | { all: false; node: string } | { all: false; nodeSelector: string };

function scopeOf(s: BGPPeerSpec): Scope {
  if (s.node !== undefined) return { all: false, node: s.node };
  if (s.nodeSelector !== undefined && s.nodeSelector !== 'all()') return { all: false, nodeSelector: s.nodeSelector };
  return { all: true };
}

function describeScope(s: Scope): string {
  if (s.all) return 'every node';
  return 'node' in s ? `node ${JSON.stringify(s.node)}` : `nodeSelector ${JSON.stringify(s.nodeSelector)}`;
}

/**
 * Whether some node certainly holds both sessions. A global peer covers every
 * node; two selectors are only comparable as text, since evaluating them needs
 * the node labels, which this check does not see.
 */
function scopesMeet(a: Scope, b: Scope): boolean {
  if (a.all || b.all) return true;
  if ('node' in a && 'node' in b) return a.node === b.node;
  if ('nodeSelector' in a && 'nodeSelector' in b) return a.nodeSelector === b.nodeSelector;
  return false;
}

function duplicatePeers(r: Resource, existing: readonly Resource[]): Finding[] {
  const mine = r.spec as unknown as BGPPeerSpec;
  if (mine.peerIP === undefined) return [];
  const endpoint = peerEndpoint(mine.peerIP);
  if (endpoint === undefined) return [];
  const myScope = scopeOf(mine);
  const out: Finding[] = [];
  for (const other of existing) {
    if (other.kind !== 'BGPPeer' || sameKey(r, other)) continue;
    const theirs = other.spec as unknown as BGPPeerSpec;
    if (theirs.peerIP === undefined || peerEndpoint(theirs.peerIP) !== endpoint) continue;
    const theirScope = scopeOf(theirs);
    if (!scopesMeet(myScope, theirScope)) continue;
    out.push({
      path: 'spec.peerIP',
      reason: `${mine.peerIP} is already peered by ${describeKey(keyOf(other))} for ${describeScope(theirScope)}; ` +
        `this peer applies to ${describeScope(myScope)}, so a node would hold two sessions to the same address`,
    });
  }
  return out;
}

/** Rules across objects: `existing` is every stored object of the same kind. */
export function validateAgainst(r: Resource, existing: readonly Resource[]): Finding[] {
  switch (r.kind) {
    case 'IPPool':
      return poolOverlaps(r, existing);
    case 'BGPPeer':
      return duplicatePeers(r, existing);
    default:
      return [];
  }
}
