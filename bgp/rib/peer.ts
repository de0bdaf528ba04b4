/**
 * A neighbour as the RIB sees it: its configuration, whether it is internal,
 * its counters, and the paths it currently contributes. The RIB keeps one
 * RibPeer across sessions so graceful restart can keep its routes as stale.
 */
import type { AttrSet } from './attr-set.ts';
import type { Path } from './path.ts';
import type { Policy, PolicyPeer } from './policy.ts';
import { parseV4, parseV6 } from './prefix-key.ts';

export interface RibPeerConfig {
  /** The neighbour's address; the last tie-breaker and the split-horizon identity. */
  readonly address: string;
  readonly asn: number;
  /** Route-reflector client (RFC 4456); only meaningful for iBGP peers. */
  readonly rrClient?: boolean;
  /** Towards iBGP: rewrite the next hop of eBGP-learned routes to ourselves. */
  readonly nextHopSelf?: boolean;
  /** Towards eBGP: pass the next hop on unchanged (Calico's keepOriginalNextHop). */
  readonly keepOriginalNextHop?: boolean;
  /** Our address on this session: the next hop when we advertise ourselves. */
  readonly localAddress?: string;
  /** Accepted-prefix limit; beyond it prefixes are dropped and the RIB reports it. */
  readonly maxPrefixes?: number;
  readonly importPolicy?: Policy;
  readonly exportPolicy?: Policy;
}

export interface PeerCounters {
  /** Prefixes currently in this peer's Adj-RIB-In, accepted or not. */
  received: number;
  /** Of those, the ones that passed the import checks and policy. */
  accepted: number;
  /** Prefixes currently advertised to the peer (kept by its Adj-RIB-Out). */
  advertised: number;
}

/** A new config for a RibPeer that names another neighbour: the RIB's identity for it (address, AS) cannot change in place. */
export class PeerIdentityError extends Error {
  constructor(was: { address: string; asn: number }, now: RibPeerConfig) {
    super(`peer ${was.address} AS ${was.asn} cannot be reconfigured as ${now.address} AS ${now.asn}`);
    this.name = 'PeerIdentityError';
  }
}

export class RibPeer implements PolicyPeer {
  readonly id: number;
  /** Replaced, never edited, by `Rib.reconfigure`, so the RIB sees each change at one point. */
  config: RibPeerConfig;
  readonly address: string;
  readonly asn: number;
  readonly ibgp: boolean;
  readonly local: boolean;
  /** The address as a string that sorts like the address (IPv4 before IPv6). */
  readonly addrKey: string;
  /** BGP identifier learned in OPEN, as an unsigned 32-bit number; 0 until the session is up. */
  routerId = 0;
  readonly counters: PeerCounters = { received: 0, accepted: 0, advertised: 0 };
  /** Set once the accepted count hit maxPrefixes; cleared when the peer goes down. */
  maxPrefixExceeded = false;
  /** Current (non-stale) paths by received attribute set, for the no-policy fast path. */
  readonly paths = new Map<AttrSet, Path>();
  /** Paths with policy-dependent results, by received set id and effective set id. */
  readonly policyPaths = new Map<string, Path>();
  /** Stale paths kept through a graceful restart; swept by `Rib.sweepStale`. */
  staleCount = 0;

  constructor(id: number, config: RibPeerConfig, ibgp: boolean, local: boolean) {
    this.id = id;
    this.config = config;
    this.address = config.address;
    this.asn = config.asn;
    this.ibgp = ibgp;
    this.local = local;
    this.addrKey = config.address.includes(':')
      ? '6' + parseV6(config.address).toString('hex')
      : '4' + parseV4(config.address).toString(16).padStart(8, '0');
  }
}
