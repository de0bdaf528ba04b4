import { AFI, AS_TRANS, BGP_VERSION, MIN_HOLD_TIME, NOTIFICATION_CODE, OPEN_ERROR, SAFI } from '../wire/constants.ts';
import type { Capability, GracefulRestartFamily } from '../wire/capabilities.ts';
import { openAsn, type OpenMessage } from '../wire/open.ts';
import { Writer } from '../wire/writer.ts';
import { writeCapability } from '../wire/capabilities.ts';
import type { Family, RequiredCapability, ResolvedSessionConfig } from './config.ts';

/**
 * Our OPEN, and the judgement of the peer's (RFC 4271 6.2, RFC 5492, RFC 6793):
 * either the parameters both sides agreed on, or the NOTIFICATION to refuse with.
 */
export interface Negotiated {
  readonly peerAs: number;
  readonly peerRouterId: string;
  readonly fourOctetAs: boolean;
  /** Families both sides announced (IPv4 unicast implied when a side announces none). */
  readonly families: readonly Family[];
  readonly routeRefresh: boolean;
  /** The peer's RFC 4724 capability, if it sent one. */
  readonly gracefulRestart?: { readonly restarting: boolean; readonly restartTime: number; readonly families: readonly GracefulRestartFamily[] };
  /** Seconds; 0 means no hold timer and no keepalives. */
  readonly holdTime: number;
  readonly keepaliveTime: number;
  readonly peerCapabilities: readonly Capability[];
}

export interface OpenRefusal {
  readonly code: number;
  readonly subcode: number;
  readonly data: Buffer;
  readonly reason: string;
}

export function buildOpen(c: ResolvedSessionConfig): OpenMessage {
  const capabilities: Capability[] = [
    ...c.families.map((f): Capability => ({ kind: 'multiprotocol', afi: f.afi, safi: f.safi })),
    { kind: 'route-refresh' },
    { kind: 'four-octet-as', asn: c.localAs },
  ];
  if (c.gracefulRestart !== undefined) {
    capabilities.push({
      kind: 'graceful-restart',
      restarting: c.gracefulRestart.restarting?.() === true,
      notification: false,
      restartTime: c.gracefulRestart.restartTime,
      families: c.families.map((f) => ({ ...f, forwardingPreserved: c.gracefulRestart!.forwardingPreserved })),
    });
  }
  return {
    type: 'OPEN',
    version: BGP_VERSION,
    myAs: c.localAs > 0xffff ? AS_TRANS : c.localAs,
    holdTime: c.holdTime,
    bgpId: c.localRouterId,
    capabilities,
  };
}

function refuse(subcode: number, reason: string, data: Buffer = Buffer.alloc(0)): OpenRefusal {
  return { code: NOTIFICATION_CODE.OPEN_MESSAGE_ERROR, subcode, data, reason };
}

function families(caps: readonly Capability[]): Family[] {
  const mp = caps.filter((x) => x.kind === 'multiprotocol');
  return mp.length === 0 ? [{ afi: AFI.IPV4, safi: SAFI.UNICAST }] : mp.map((x) => ({ afi: x.afi, safi: x.safi }));
}

function hasRequired(caps: readonly Capability[], r: RequiredCapability): boolean {
  if (typeof r === 'string') return caps.some((x) => x.kind === r);
  return caps.some((x) => x.kind === 'multiprotocol' && x.afi === r.afi && x.safi === r.safi);
}

function capabilityBytes(r: RequiredCapability): Buffer {
  const w = new Writer(16);
  const cap: Capability =
    typeof r !== 'string'
      ? { kind: 'multiprotocol', afi: r.afi, safi: r.safi }
      : r === 'four-octet-as'
        ? { kind: 'four-octet-as', asn: 0 }
        : r === 'route-refresh'
          ? { kind: 'route-refresh' }
          : { kind: 'graceful-restart', restarting: false, notification: false, restartTime: 0, families: [] };
  writeCapability(w, cap);
  return Buffer.from(w.finish());
}

export function checkOpen(open: OpenMessage, c: ResolvedSessionConfig, localOpen: OpenMessage = buildOpen(c)): Negotiated | OpenRefusal {
  const peerAs = openAsn(open);
  if (peerAs !== c.peerAs) {
    return refuse(OPEN_ERROR.BAD_PEER_AS, `peer AS ${peerAs} is not the configured ${c.peerAs}`);
  }
  if (open.holdTime > 0 && open.holdTime < MIN_HOLD_TIME) {
    return refuse(OPEN_ERROR.UNACCEPTABLE_HOLD_TIME, `hold time ${open.holdTime} s is below the minimum ${MIN_HOLD_TIME} s`);
  }
  if (open.bgpId === '0.0.0.0') return refuse(OPEN_ERROR.BAD_BGP_IDENTIFIER, 'BGP identifier 0.0.0.0 is not valid');
  if (open.bgpId === c.localRouterId) return refuse(OPEN_ERROR.BAD_BGP_IDENTIFIER, `BGP identifier ${open.bgpId} is our own`);
  const missing = c.requiredCapabilities.filter((r) => !hasRequired(open.capabilities, r));
  if (missing.length > 0) {
    const names = missing.map((r) => (typeof r === 'string' ? r : `multiprotocol ${r.afi}/${r.safi}`)).join(', ');
    return refuse(OPEN_ERROR.UNSUPPORTED_CAPABILITY, `peer lacks required capabilities: ${names}`, Buffer.concat(missing.map(capabilityBytes)));
  }
  const ours = families(localOpen.capabilities);
  const theirs = families(open.capabilities);
  const holdTime = Math.min(open.holdTime, c.holdTime);
  const keepaliveTime = holdTime === 0 ? 0 : Math.max(1, Math.min(c.keepaliveTime ?? Infinity, Math.floor(holdTime / 3)));
  const gr = open.capabilities.find((x) => x.kind === 'graceful-restart');
  return {
    peerAs,
    peerRouterId: open.bgpId,
    fourOctetAs: open.capabilities.some((x) => x.kind === 'four-octet-as') && localOpen.capabilities.some((x) => x.kind === 'four-octet-as'),
    families: ours.filter((f) => theirs.some((t) => t.afi === f.afi && t.safi === f.safi)),
    routeRefresh: open.capabilities.some((x) => x.kind === 'route-refresh') && localOpen.capabilities.some((x) => x.kind === 'route-refresh'),
    ...(gr !== undefined ? { gracefulRestart: { restarting: gr.restarting, restartTime: gr.restartTime, families: gr.families } } : {}),
    holdTime,
    keepaliveTime,
    peerCapabilities: open.capabilities,
  };
}

export function isRefusal(x: Negotiated | OpenRefusal): x is OpenRefusal {
  return 'subcode' in x;
}
