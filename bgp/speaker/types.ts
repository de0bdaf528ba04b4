/**
 * The Speaker's public vocabulary: what callers hand in (peers, originated
 * prefixes, global settings) and what they get back (status, routes, events).
 * Plain data, no Kubernetes or datastore notions.
 */
import type { Clock } from '../../src/lib/clock.ts';
import type { Logger } from '../../src/lib/log.ts';
import type { RouteWriter } from '../fib/route-writer.ts';

export type FamilyName = 'ipv4' | 'ipv6';

/** One prefix-filter rule; the first matching rule wins, no match accepts. */
export interface PrefixRule {
  readonly prefix: string;
  readonly ge?: number;
  readonly le?: number;
  readonly action: 'accept' | 'reject';
}

export interface PeerConfig {
  /** Used in logs and status; defaults to the address. */
  readonly name?: string;
  /** The peer's identity: incoming connections are matched by it. */
  readonly address: string;
  readonly asNumber: number;
  readonly port?: number;
  readonly passive?: boolean;
  readonly holdTime?: number;
  /** Default: the address's own family. */
  readonly families?: readonly FamilyName[];
  readonly routeReflectorClient?: boolean;
  readonly nextHopSelf?: boolean;
  readonly keepOriginalNextHop?: boolean;
  /**
   * eBGP: withdraw (RFC 7606 treat-as-withdraw) routes whose AS_PATH does not
   * start with the peer's AS (RFC 4271 6.3). Default true, as in FRR and BIRD;
   * false for a route server that does not prepend its own AS.
   */
  readonly enforceFirstAs?: boolean;
  /** Keep this peer's routes (stale) through its restart, and announce our own restart capability to it. Default true. */
  readonly gracefulRestart?: boolean;
  readonly maxPrefixes?: number;
  readonly import?: readonly PrefixRule[];
  /** 'none' advertises nothing (and skips the Adj-RIB-Out work entirely). */
  readonly export?: readonly PrefixRule[] | 'none';
  /** Source address for outgoing connections. */
  readonly localAddress?: string;
  /** Seconds between connection attempts (default 5 here, shorter than RFC 4271's 120: peers are usually nodes that come and go). */
  readonly connectRetryTime?: number;
}

export interface OriginatedPrefix {
  readonly prefix: string;
  /** "65001:100" form. */
  readonly communities?: readonly string[];
}

export interface SpeakerOptions {
  readonly asNumber: number;
  readonly routerId: string;
  /** false: no listener (the caller hands sockets to accept()). */
  readonly listen?: { readonly address?: string; readonly port?: number } | false;
  readonly clusterId?: string;
  readonly multipath?: { readonly maxPaths?: number };
  readonly kernel?: { readonly enabled?: boolean; readonly protocol?: number; readonly table?: number; readonly blackholeOriginated?: boolean };
  readonly gracefulRestart?: { readonly enabled?: boolean; readonly restartTime?: number };
  /** Pre-sizes the RIB's IPv4 table. */
  readonly expectedPrefixes?: number;
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Tests: a route writer instead of a netlink socket. */
  readonly routeWriter?: RouteWriter;
}

export interface PeerStatus {
  readonly name: string;
  readonly address: string;
  readonly asNumber: number;
  readonly state: string;
  readonly uptimeSeconds: number;
  readonly lastError: string | null;
  readonly prefixes: { readonly received: number; readonly accepted: number; readonly advertised: number };
  readonly families: readonly FamilyName[];
}

export interface SpeakerStatus {
  readonly routerId: string;
  readonly asNumber: number;
  readonly peers: readonly PeerStatus[];
}

export interface RouteInfo {
  readonly prefix: string;
  readonly nextHops: readonly string[];
  /** The peer the best path came from; "local" for originated prefixes. */
  readonly peer: string;
  readonly asPath: string;
  readonly localPref: number;
  readonly med: number | null;
  readonly origin: 'igp' | 'egp' | 'incomplete';
}

export interface SpeakerEvents {
  peerUp: [peer: PeerStatus];
  peerDown: [peer: PeerStatus, reason: string];
  /** A Loc-RIB batch was flushed: how many best-route changes it held. */
  bestChanged: [changes: number];
}
