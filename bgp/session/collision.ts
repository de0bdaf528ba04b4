import { ipv4ToNumber } from '../wire/ip.ts';

/**
 * RFC 4271 6.8 with RFC 6286 2.3: when both sides opened a connection, which
 * one survives. The loser is closed with Cease / Connection Collision
 * Resolution.
 */
export type Direction = 'incoming' | 'outgoing';

export function collisionLoser(local: { routerId: string; asn: number }, remote: { routerId: string; asn: number }): Direction {
  const l = ipv4ToNumber(local.routerId);
  const r = ipv4ToNumber(remote.routerId);
  if (l !== r) {
    // The speaker with the higher identifier keeps the connection it opened.
    return l < r ? 'outgoing' : 'incoming';
  }
  // RFC 6286: equal identifiers (possible between ASes): the larger AS keeps its own.
  return local.asn < remote.asn ? 'outgoing' : 'incoming';
}
