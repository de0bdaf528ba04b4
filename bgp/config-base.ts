/**
 * The zod-free half of the reef-bgp config (bgp/config.ts has the schema):
 * ConfigError, the address checks, the kit's peers.json, and the mapping to
 * Speaker options. reef-bgp imports this at start; the schema (and zod, about
 * 7 MB resident) is loaded only when a config file needs validating, so the
 * --bench-config path never holds it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ReefError } from '../src/lib/errors.ts';
import type { ReefBgpConfig } from './config.ts';
import type { OriginatedPrefix, PeerConfig, SpeakerOptions } from './speaker/types.ts';

export class ConfigError extends ReefError {
  constructor(field: string, message: string) {
    super('BGP_CONFIG_INVALID', field === '' ? message : `${field}: ${message}`, { field });
  }
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
export const isIpv4 = (s: string): boolean => V4.test(s) && s.split('.').every((x) => Number(x) <= 255);
export const isIpv6 = (s: string): boolean => s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s) && (s.match(/::/g) ?? []).length <= 1;

interface BenchJson {
  local_as: unknown;
  router_id: unknown;
  listen?: unknown;
  port?: unknown;
  peers?: { ip: unknown; as: unknown }[];
  kernel?: unknown;
  export?: unknown;
  expected_prefixes?: unknown;
}

function intIn(field: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number') throw new ConfigError(field, v === undefined ? 'is required' : `${JSON.stringify(v)} is not a number`);
  if (!Number.isInteger(v) || v < lo || v > hi) throw new ConfigError(field, `${String(v)} is out of range ${lo}-${hi}`);
  return v;
}

function addressIn(field: string, v: unknown): string {
  if (typeof v !== 'string' || !(isIpv4(v) || isIpv6(v))) throw new ConfigError(field, `${String(v)} is not an IP address`);
  return v;
}

/**
 * The bgp-ingest kit's peers.json: passive eBGP peers, import all, export none
 * unless export=1. Built directly, with the schema's defaults, after the
 * checks this small document needs (config.test.ts holds it equal to what
 * parseConfig makes of the same settings).
 */
export function benchConfig(path: string, workdir = process.env.BENCH_WORKDIR ?? dirname(path)): ReefBgpConfig {
  let j: BenchJson;
  try {
    j = JSON.parse(readFileSync(path, 'utf8')) as BenchJson;
  } catch (e) {
    throw new ConfigError('', `cannot read bench config ${path}: ${(e as Error).message}`);
  }
  const on = (v: unknown): boolean => v === true || v === 1 || v === '1';
  const asNumber = intIn('local_as', j.local_as, 1, 4294967295);
  const routerId = j.router_id;
  if (typeof routerId !== 'string' || !isIpv4(routerId) || routerId === '0.0.0.0') throw new ConfigError('router_id', `${String(routerId)} is not a router ID (dotted quad)`);
  const listenAddress = j.listen ? addressIn('listen', j.listen) : undefined;
  const port = j.port === undefined ? 179 : intIn('port', j.port, 0, 65535);
  const exportNone = !on(j.export);
  const seen = new Set<string>();
  const peers = (j.peers ?? []).map((p, i) => {
    const address = addressIn(`peers[${i}].ip`, p.ip);
    if (seen.has(address)) throw new ConfigError(`peers[${i}].ip`, `${address} is listed twice`);
    seen.add(address);
    return {
      address,
      asNumber: intIn(`peers[${i}].as`, p.as, 1, 4294967295),
      port: 179,
      passive: true,
      holdTime: 240,
      routeReflectorClient: false,
      nextHopSelf: false,
      keepOriginalNextHop: false,
      gracefulRestart: true,
      ...(exportNone ? { export: 'none' as const } : {}),
    };
  });
  const expected = j.expected_prefixes ? intIn('expected_prefixes', j.expected_prefixes, 0, 2 ** 32) : undefined;
  return {
    asNumber,
    routerId,
    listen: { ...(listenAddress !== undefined ? { address: listenAddress } : {}), port },
    multipath: { maxPaths: 1 },
    kernel: { enabled: on(j.kernel), protocol: 85, table: 254, blackholeOriginated: false },
    gracefulRestart: { enabled: false, restartTime: 120 },
    originate: [],
    peers,
    status: { socket: join(workdir, 'reef-bgp.sock') },
    ...(expected !== undefined ? { expectedPrefixes: expected } : {}),
  };
}

export function speakerOptionsFrom(c: ReefBgpConfig): SpeakerOptions {
  return {
    asNumber: c.asNumber,
    routerId: c.routerId,
    listen: { ...(c.listen.address !== undefined ? { address: c.listen.address } : {}), port: c.listen.port },
    ...(c.clusterId !== undefined ? { clusterId: c.clusterId } : {}),
    multipath: c.multipath,
    kernel: c.kernel,
    gracefulRestart: c.gracefulRestart,
    ...(c.expectedPrefixes !== undefined ? { expectedPrefixes: c.expectedPrefixes } : {}),
  };
}

export function peersFrom(c: ReefBgpConfig): PeerConfig[] {
  return c.peers;
}

export function originatedFrom(c: ReefBgpConfig): OriginatedPrefix[] {
  return c.originate;
}
