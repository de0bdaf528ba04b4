import { ReefError } from '../../src/lib/errors.ts';
import { AFI, MIN_HOLD_TIME, SAFI } from '../wire/constants.ts';

/**
 * Per-peer session settings. Defaults follow BIRD where RFC 4271 leaves a
 * choice; `resolveSessionConfig` checks the relationships between fields in
 * one place and names the broken one.
 */
export interface Family {
  readonly afi: number;
  readonly safi: number;
}

export type RequiredCapability = 'four-octet-as' | 'route-refresh' | 'graceful-restart' | { readonly afi: number; readonly safi: number };

export interface SessionConfig {
  readonly localAs: number;
  readonly peerAs: number;
  /** Our BGP identifier, dotted quad, not 0.0.0.0. */
  readonly localRouterId: string;
  /** Used in logs and the events; the speaker matches incoming connections by it. */
  readonly peerAddress: string;
  /** Seconds; 0 disables hold and keepalive timers. Default 90 (BIRD 240). */
  readonly holdTime?: number;
  /** Seconds; default a third of the negotiated hold time. */
  readonly keepaliveTime?: number;
  /** Seconds between outgoing connection attempts. Default 120 (RFC 4271 10). */
  readonly connectRetryTime?: number;
  /** Hold time while waiting for the peer's OPEN (RFC 4271 8.2.2 suggests 4 minutes). */
  readonly openHoldTime?: number;
  /** Never dial; wait for the peer to connect. */
  readonly passive?: boolean;
  /** Families we announce in the multiprotocol capability. Default IPv4 and IPv6 unicast. */
  readonly families?: readonly Family[];
  /** The peer must announce these or the OPEN is refused with Unsupported Capability. */
  readonly requiredCapabilities?: readonly RequiredCapability[];
  /**
   * Announce RFC 4724 graceful restart with this restart time (seconds).
   * `restarting` is asked each time an OPEN is built: true sets the Restart
   * State (R) bit, for the OPENs a speaker sends after its own restart.
   */
  readonly gracefulRestart?: { readonly restartTime: number; readonly forwardingPreserved: boolean; readonly restarting?: () => boolean };
  /** Back-off for a flapping peer: first IdleHold seconds, ceiling, and how long Established must last to forget failures. */
  readonly idleHoldTime?: number;
  readonly maxIdleHoldTime?: number;
  readonly stableTime?: number;
}

export interface ResolvedSessionConfig extends Required<Omit<SessionConfig, 'gracefulRestart' | 'keepaliveTime'>> {
  readonly gracefulRestart: SessionConfig['gracefulRestart'];
  readonly keepaliveTime: number | undefined;
}

export class SessionConfigError extends ReefError {
  constructor(field: string, message: string, value: unknown) {
    super('BGP_SESSION_CONFIG_INVALID', `${field}: ${message}`, { field, value });
  }
}

const isIpv4 = (s: string): boolean => /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s) && s.split('.').every((x) => Number(x) <= 255);
const isAsn = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 0xffffffff;

export function resolveSessionConfig(c: SessionConfig): ResolvedSessionConfig {
  if (!isAsn(c.localAs)) throw new SessionConfigError('localAs', `${c.localAs} is not an AS number (1..4294967295)`, c.localAs);
  if (!isAsn(c.peerAs)) throw new SessionConfigError('peerAs', `${c.peerAs} is not an AS number (1..4294967295)`, c.peerAs);
  if (!isIpv4(c.localRouterId) || c.localRouterId === '0.0.0.0') {
    throw new SessionConfigError('localRouterId', `${c.localRouterId} is not a non-zero dotted quad`, c.localRouterId);
  }
  const holdTime = c.holdTime ?? 90;
  if (!Number.isInteger(holdTime) || holdTime < 0 || holdTime > 0xffff || (holdTime > 0 && holdTime < MIN_HOLD_TIME)) {
    throw new SessionConfigError('holdTime', `hold time ${holdTime} s must be 0 or between ${MIN_HOLD_TIME} and 65535 s`, holdTime);
  }
  if (c.keepaliveTime !== undefined && (c.keepaliveTime < 1 || (holdTime > 0 && c.keepaliveTime > holdTime / 3))) {
    throw new SessionConfigError('keepaliveTime', `keepalive time ${c.keepaliveTime} s must be at least 1 s and at most a third of hold time ${holdTime} s`, c.keepaliveTime);
  }
  const idleHoldTime = c.idleHoldTime ?? 5;
  const maxIdleHoldTime = c.maxIdleHoldTime ?? 300;
  if (maxIdleHoldTime < idleHoldTime) {
    throw new SessionConfigError('maxIdleHoldTime', `ceiling ${maxIdleHoldTime} s is below the first back-off ${idleHoldTime} s`, maxIdleHoldTime);
  }
  if (c.gracefulRestart !== undefined && (c.gracefulRestart.restartTime < 0 || c.gracefulRestart.restartTime > 0xfff)) {
    throw new SessionConfigError('gracefulRestart.restartTime', `${c.gracefulRestart.restartTime} s does not fit the 12-bit field (0..4095)`, c.gracefulRestart.restartTime);
  }
  return {
    localAs: c.localAs,
    peerAs: c.peerAs,
    localRouterId: c.localRouterId,
    peerAddress: c.peerAddress,
    holdTime,
    keepaliveTime: c.keepaliveTime,
    connectRetryTime: c.connectRetryTime ?? 120,
    openHoldTime: c.openHoldTime ?? 240,
    passive: c.passive ?? false,
    families: c.families ?? [
      { afi: AFI.IPV4, safi: SAFI.UNICAST },
      { afi: AFI.IPV6, safi: SAFI.UNICAST },
    ],
    requiredCapabilities: c.requiredCapabilities ?? [],
    gracefulRestart: c.gracefulRestart,
    idleHoldTime,
    maxIdleHoldTime,
    stableTime: c.stableTime ?? 300,
  };
}
