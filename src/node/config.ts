/**
 * reef-node's configuration: environment variables only (the DaemonSet sets
 * them; see src/node/README.md for the contract). Parsing is pure and every
 * refusal names the variable, so a bad manifest fails at start with one line.
 * `ENV` lists every name read anywhere in src/node, and the manifest test
 * checks the DaemonSet against it.
 */
import { hostname } from 'node:os';
import { datastoreConfigFrom, type DatastoreConfig } from '../datastore/config.ts';
import { ReefError } from '../lib/errors.ts';
import { parseCIDR, parseIP } from '../model/net.ts';

export const ENV = {
  nodeName: 'NODENAME',
  datastoreType: 'REEF_DATASTORE_TYPE',
  etcdEndpoints: 'ETCD_ENDPOINTS',
  etcdCaCertFile: 'ETCD_CA_CERT_FILE',
  etcdCertFile: 'ETCD_CERT_FILE',
  etcdKeyFile: 'ETCD_KEY_FILE',
  ip: 'IP',
  ipInterface: 'IP_AUTODETECTION_INTERFACE',
  ip6: 'IP6',
  ip6Interface: 'IP6_AUTODETECTION_INTERFACE',
  asNumber: 'AS',
  statusSocket: 'REEF_STATUS_SOCKET',
  httpListen: 'REEF_HTTP_LISTEN',
  felixEnabled: 'REEF_FELIX_ENABLED',
  bgpEnabled: 'REEF_BGP_ENABLED',
  kernelRoutes: 'REEF_KERNEL_ROUTES',
  gcInterval: 'REEF_IPAM_GC_INTERVAL',
  gcGrace: 'REEF_IPAM_GC_GRACE',
  blockPoll: 'REEF_IPAM_POLL_INTERVAL',
  restartTime: 'REEF_BGP_RESTART_TIME',
  logLevel: 'REEF_LOG_LEVEL',
  logFormat: 'REEF_LOG_FORMAT',
} as const;
export const ENV_NAMES: readonly string[] = Object.values(ENV);

export class NodeConfigError extends ReefError {
  constructor(variable: string, problem: string) {
    super('NODE_CONFIG_INVALID', `${variable}: ${problem}`, { variable });
  }
}

/** How the node's BGP address of one family is found. */
export type AddressSource =
  | { readonly kind: 'fixed'; readonly address: string }
  | { readonly kind: 'autodetect'; readonly interface?: string }
  | { readonly kind: 'none' };

export interface NodeConfig {
  readonly nodeName: string;
  readonly datastore: DatastoreConfig;
  readonly ipv4: AddressSource;
  readonly ipv6: AddressSource;
  readonly asNumber?: number;
  readonly statusSocket: string;
  /** `host:port`, or undefined when turned off (`none`). */
  readonly httpListen?: string;
  readonly felixEnabled: boolean;
  readonly bgpEnabled: boolean;
  readonly kernelRoutes: boolean;
  /** 0 turns housekeeping off. */
  readonly gcIntervalMs: number;
  readonly gcGraceMs: number;
  readonly blockPollMs: number;
  readonly restartTimeS: number;
}

type Env = Readonly<Record<string, string | undefined>>;

export function nodeConfigFrom(env: Env): NodeConfig {
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const as = get(ENV.asNumber);
  const listen = get(ENV.httpListen) ?? '127.0.0.1:9099';
  if (listen !== 'none' && !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(listen)) {
    throw new NodeConfigError(ENV.httpListen, `"${listen}" is not host:port (or "none")`);
  }
  return {
    nodeName: get(ENV.nodeName) ?? hostname(),
    datastore: datastoreConfigFrom({ env }),
    ipv4: addressSource(ENV.ip, get(ENV.ip), get(ENV.ipInterface), 4, 'autodetect'),
    ipv6: addressSource(ENV.ip6, get(ENV.ip6), get(ENV.ip6Interface), 6, 'none'),
    ...(as !== undefined ? { asNumber: asNumberOf(as) } : {}),
    statusSocket: get(ENV.statusSocket) ?? '/run/reef/node.sock',
    ...(listen !== 'none' ? { httpListen: listen } : {}),
    felixEnabled: bool(ENV.felixEnabled, get(ENV.felixEnabled), true),
    bgpEnabled: bool(ENV.bgpEnabled, get(ENV.bgpEnabled), true),
    kernelRoutes: bool(ENV.kernelRoutes, get(ENV.kernelRoutes), true),
    gcIntervalMs: duration(ENV.gcInterval, get(ENV.gcInterval), 300_000),
    gcGraceMs: duration(ENV.gcGrace, get(ENV.gcGrace), 120_000),
    blockPollMs: Math.max(100, duration(ENV.blockPoll, get(ENV.blockPoll), 1_000)),
    restartTimeS: Math.round(duration(ENV.restartTime, get(ENV.restartTime), 120_000) / 1000),
  };
}

function addressSource(name: string, v: string | undefined, iface: string | undefined, family: 4 | 6, dflt: 'autodetect' | 'none'): AddressSource {
  const mode = v ?? dflt;
  if (mode === 'none') return { kind: 'none' };
  if (mode === 'autodetect') return iface !== undefined ? { kind: 'autodetect', interface: iface } : { kind: 'autodetect' };
  const bare = mode.split('/')[0]!;
  const ip = parseIP(bare);
  if (ip === undefined || ip.family !== family) throw new NodeConfigError(name, `"${mode}" is not an IPv${family} address, "autodetect" or "none"`);
  if (mode.includes('/') && !parseCIDR(mode, { strict: false }).ok) throw new NodeConfigError(name, `"${mode}" has a bad prefix length`);
  return { kind: 'fixed', address: mode };
}

function asNumberOf(v: string): number {
  // asdot (`1.10`) as Calico accepts it, besides plain numbers.
  const m = /^(\d+)\.(\d+)$/.exec(v);
  const n = m ? Number(m[1]) * 65536 + Number(m[2]) : /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 4294967295) throw new NodeConfigError(ENV.asNumber, `"${v}" is not an AS number 1-4294967295`);
  return n;
}

function bool(name: string, v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  const l = v.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(l)) return true;
  if (['false', '0', 'no', 'off'].includes(l)) return false;
  throw new NodeConfigError(name, `"${v}" is not true or false`);
}

/** `90` (seconds), `500ms`, `30s`, `5m`, `1h`. */
export function duration(name: string, v: string | undefined, dfltMs: number): number {
  if (v === undefined) return dfltMs;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v);
  if (!m) throw new NodeConfigError(name, `"${v}" is not a duration such as 30s, 5m or 500ms`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}
