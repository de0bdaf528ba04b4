/**
 * The CNI wire formats reef-ipam speaks: results for spec 1.0.0 and for
 * 0.3.0/0.3.1/0.4.0 (whose `ips` entries carry `version`), the VERSION
 * reply, and error objects with the spec's well-known codes. An IPAM plugin
 * never reports interfaces, so results carry no `interface` index.
 */
import { ReefError } from '../lib/errors.ts';

export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] as const;
export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];
export const LATEST_VERSION: CniVersion = '1.0.0';

/** Codes 0-99 are the spec's; 100+ are reef-ipam's own. */
export const CNI_CODES = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidNetworkConfig: 4,
  ioFailure: 5,
  decodeFailure: 6,
  invalidEnvironment: 7,
  tryAgainLater: 11,
  poolExhausted: 100,
  maxBlocks: 101,
  noPool: 102,
  addressUnavailable: 103,
  checkNoAllocation: 110,
  checkMismatch: 111,
  internal: 199,
} as const;
export type CniCode = (typeof CNI_CODES)[keyof typeof CNI_CODES];

/** A failure the runtime sees as `{code, msg, details}` on stdout. */
export class CniError extends ReefError {
  readonly cniCode: CniCode;
  readonly msg: string;
  readonly detail: string | undefined;
  constructor(cniCode: CniCode, msg: string, detail?: string, cause?: unknown) {
    super('CNI_ERROR', detail ? `${msg}: ${detail}` : msg, { cniCode }, { cause });
    this.cniCode = cniCode;
    this.msg = msg;
    this.detail = detail;
  }
}

export function isSupportedVersion(v: string): v is CniVersion {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

export interface IpConfig {
  /** `10.1.0.5/28`: the address with the prefix length the interface gets. */
  address: string;
  gateway?: string;
}

export interface Route {
  dst: string;
  gw?: string;
}

export interface Dns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** What the plugin computed, before it is dressed for a spec version. */
export interface IpamResult {
  ips: IpConfig[];
  routes: Route[];
  dns: Dns;
}

export function encodeResult(version: CniVersion, r: IpamResult): Record<string, unknown> {
  const old = version !== '1.0.0';
  return {
    cniVersion: version,
    ips: r.ips.map((ip) => ({
      ...(old ? { version: ip.address.includes(':') ? '6' : '4' } : {}),
      address: ip.address,
      ...(ip.gateway !== undefined ? { gateway: ip.gateway } : {}),
    })),
    routes: r.routes.map((rt) => ({ dst: rt.dst, ...(rt.gw !== undefined ? { gw: rt.gw } : {}) })),
    dns: r.dns,
  };
}

/** Reads `ips` out of a prevResult of any supported version (`version` is ignored). */
export function decodeResultIps(prev: unknown): IpConfig[] | undefined {
  if (typeof prev !== 'object' || prev === null) return undefined;
  const ips = (prev as { ips?: unknown }).ips;
  if (!Array.isArray(ips)) return undefined;
  const out: IpConfig[] = [];
  for (const ip of ips) {
    if (typeof ip !== 'object' || ip === null || typeof (ip as IpConfig).address !== 'string') return undefined;
    const { address, gateway } = ip as IpConfig;
    out.push(typeof gateway === 'string' ? { address, gateway } : { address });
  }
  return out;
}

export function encodeError(version: string, e: CniError): Record<string, unknown> {
  return { cniVersion: isSupportedVersion(version) ? version : LATEST_VERSION, code: e.cniCode, msg: e.msg, ...(e.detail ? { details: e.detail } : {}) };
}

export function encodeVersion(requested: string | undefined): Record<string, unknown> {
  return { cniVersion: requested && isSupportedVersion(requested) ? requested : LATEST_VERSION, supportedVersions: [...SUPPORTED_VERSIONS] };
}
