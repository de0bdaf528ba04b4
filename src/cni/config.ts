/**
 * The network configuration (stdin) and the CNI_* environment, checked once,
 * into a PluginRequest. Every refusal names the field or variable: code 4
 * for the config, 7 for the environment, 1 for an unsupported cniVersion.
 *
 * Field names follow Calico's calico-ipam (`datastore_type`,
 * `etcd_endpoints`, `nodename`, `assign_ipv4`, `ipv4_pools`, ...); each is
 * read from the `ipam` section first, then from the top level, where
 * Calico's own configs put them.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { datastoreConfigFrom, type DatastoreConfig } from '../datastore/config.ts';
import { parseCidr, parseIp } from '../../ipam/ip.ts';
import { CNI_CODES, CniError, isSupportedVersion, type CniVersion, type Dns, type Route } from './spec.ts';

export const COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION'] as const;
export type CniCommand = (typeof COMMANDS)[number];

/**
 * `block`: the address with its block's prefix length and the block's first
 * usable address as gateway, so the bridge plugin can put that gateway on the
 * bridge (reef-ipam keeps it, and the block's network and broadcast
 * addresses, from ever going to a pod). `host`: a /32 or /128 with no
 * gateway, as calico-ipam returns for a routed interface.
 */
export type SubnetMode = 'block' | 'host';

export interface PluginRequest {
  command: Exclude<CniCommand, 'VERSION'>;
  cniVersion: CniVersion;
  network: string;
  containerId: string;
  ifName: string;
  netns: string | undefined;
  /** Calico's form: `<network name>.<container ID>`. */
  handle: string;
  node: string;
  namespace: string | undefined;
  pod: string | undefined;
  assignIpv4: boolean;
  assignIpv6: boolean;
  ipv4Pools: string[] | undefined;
  ipv6Pools: string[] | undefined;
  subnet: SubnetMode;
  routes: Route[];
  dns: Dns;
  datastore: DatastoreConfig;
  prevResult: unknown;
}

type Env = Readonly<Record<string, string | undefined>>;
type Obj = Record<string, unknown>;

const bad = (field: string, why: string): CniError => new CniError(CNI_CODES.invalidNetworkConfig, `invalid network configuration: ${field}`, why);

export function parseCommand(env: Env): CniCommand {
  const c = env.CNI_COMMAND;
  if (c === undefined || c === '') throw new CniError(CNI_CODES.invalidEnvironment, 'CNI_COMMAND is not set', `expected one of ${COMMANDS.join(', ')}`);
  if (!(COMMANDS as readonly string[]).includes(c)) throw new CniError(CNI_CODES.invalidEnvironment, `CNI_COMMAND "${c}" is not one of ${COMMANDS.join(', ')}`);
  return c as CniCommand;
}

export function parseJsonConfig(text: string): Obj {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CniError(CNI_CODES.decodeFailure, 'network configuration on stdin is not JSON', (err as Error).message);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new CniError(CNI_CODES.decodeFailure, 'network configuration on stdin is not a JSON object');
  return doc as Obj;
}

/** `K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;IgnoreUnknown=1` -> map. */
export function parseCniArgs(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (text ?? '').split(';')) {
    if (part === '') continue;
    const i = part.indexOf('=');
    if (i <= 0) throw new CniError(CNI_CODES.invalidEnvironment, `CNI_ARGS: "${part}" is not KEY=VALUE`);
    out.set(part.slice(0, i), part.slice(i + 1));
  }
  return out;
}

export function parseRequest(command: Exclude<CniCommand, 'VERSION'>, conf: Obj, env: Env): PluginRequest {
  const version = conf.cniVersion;
  if (typeof version !== 'string') throw bad('cniVersion', 'is required (a string such as "1.0.0")');
  if (!isSupportedVersion(version)) throw new CniError(CNI_CODES.incompatibleVersion, `cniVersion ${version} is not supported`, 'supported: 0.3.0, 0.3.1, 0.4.0, 1.0.0');
  if (command === 'CHECK' && (version === '0.3.0' || version === '0.3.1')) {
    throw new CniError(CNI_CODES.incompatibleVersion, `CHECK needs cniVersion 0.4.0 or later, not ${version}`);
  }
  const network = conf.name;
  if (typeof network !== 'string' || network === '') throw bad('name', 'the network name is required');
  const ipam = conf.ipam;
  if (typeof ipam !== 'object' || ipam === null || Array.isArray(ipam)) throw bad('ipam', 'an ipam section is required');
  const ip = ipam as Obj;
  if (ip.type !== undefined && typeof ip.type !== 'string') throw bad('ipam.type', 'must be a string');

  const need = (name: string): string => {
    const v = env[name];
    if (v === undefined || v === '') throw new CniError(CNI_CODES.invalidEnvironment, `${name} is not set`, `${command} needs ${name}`);
    return v;
  };
  const containerId = need('CNI_CONTAINERID');
  const ifName = need('CNI_IFNAME');
  const netns = command === 'DEL' ? env.CNI_NETNS || undefined : need('CNI_NETNS');
  const args = parseCniArgs(env.CNI_ARGS);

  /** ipam.<f>, else the top-level <f>. */
  const pick = (f: string): { where: string; value: unknown } =>
    ip[f] !== undefined ? { where: `ipam.${f}`, value: ip[f] } : { where: f, value: conf[f] };
  const str = (f: string): string | undefined => {
    const { where, value } = pick(f);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw bad(where, `must be a string, not ${JSON.stringify(value)}`);
    return value;
  };
  const flag = (f: string, dflt: boolean): boolean => {
    const { where, value } = pick(f);
    if (value === undefined) return dflt;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw bad(where, `must be true or false, not ${JSON.stringify(value)}`);
  };
  const pools = (f: string): string[] | undefined => {
    const { where, value } = pick(f);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) throw bad(where, 'must be a list of pool names or CIDRs');
    return value.length > 0 ? (value as string[]) : undefined;
  };

  const assignIpv4 = flag('assign_ipv4', true);
  const assignIpv6 = flag('assign_ipv6', false);
  if (!assignIpv4 && !assignIpv6) throw bad('ipam.assign_ipv4', 'assign_ipv4 and assign_ipv6 are both false: nothing to assign');
  const subnetRaw = str('subnet') ?? 'block';
  if (subnetRaw !== 'block' && subnetRaw !== 'host') {
    throw bad(pick('subnet').where, `"${subnetRaw}" is not "block" (block prefix + gateway, for the bridge plugin) or "host" (/32, /128, routed)`);
  }

  return {
    command,
    cniVersion: version,
    network,
    containerId,
    ifName,
    netns,
    handle: `${network}.${containerId}`,
    node: nodeName(str('nodename'), str('nodename_file'), env),
    namespace: args.get('K8S_POD_NAMESPACE'),
    pod: args.get('K8S_POD_NAME'),
    assignIpv4,
    assignIpv6,
    ipv4Pools: pools('ipv4_pools'),
    ipv6Pools: pools('ipv6_pools'),
    subnet: subnetRaw,
    routes: parseRoutes(ip.routes),
    dns: parseDns(ip.dns),
    datastore: datastoreFrom(str, env),
    prevResult: conf.prevResult,
  };
}

/** Config, then NODENAME / REEF_NODENAME, then the file Calico's node agent writes, then the host name. */
function nodeName(fromConf: string | undefined, file: string | undefined, env: Env): string {
  if (fromConf) return fromConf;
  const fromEnv = env.REEF_NODENAME || env.NODENAME;
  if (fromEnv) return fromEnv;
  if (file) {
    try {
      const n = readFileSync(file, 'utf8').trim();
      if (n) return n;
    } catch (err) {
      throw bad('ipam.nodename_file', `cannot read ${file}: ${(err as Error).message}`);
    }
  }
  return hostname();
}

function datastoreFrom(str: (f: string) => string | undefined, env: Env): DatastoreConfig {
  const type = str('datastore_type');
  const flags = {
    datastoreType: type,
    etcdEndpoints: str('etcd_endpoints'),
    etcdCACertFile: str('etcd_ca_cert_file'),
    etcdCertFile: str('etcd_cert_file'),
    etcdKeyFile: str('etcd_key_file'),
  };
  let cfg: DatastoreConfig;
  try {
    cfg = datastoreConfigFrom({ flags, env });
  } catch (err) {
    throw bad(/type/.test((err as Error).message) ? 'ipam.datastore_type' : 'ipam.etcd_endpoints', (err as Error).message);
  }
  if (cfg.type !== 'etcdv3') throw bad('ipam.datastore_type', `"${cfg.type}" is not supported by reef-ipam yet; use etcdv3`);
  return cfg;
}

function parseRoutes(v: unknown): Route[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw bad('ipam.routes', 'must be a list of {"dst": CIDR, "gw"?: IP}');
  return v.map((r: unknown, i) => {
    const o = (typeof r === 'object' && r !== null ? r : {}) as Obj;
    if (typeof o.dst !== 'string' || !parseCidr(o.dst)) throw bad(`ipam.routes[${i}].dst`, `${JSON.stringify(o.dst)} is not a CIDR`);
    if (o.gw !== undefined && (typeof o.gw !== 'string' || !parseIp(o.gw))) throw bad(`ipam.routes[${i}].gw`, `${JSON.stringify(o.gw)} is not an IP address`);
    return o.gw === undefined ? { dst: o.dst } : { dst: o.dst, gw: o.gw as string };
  });
}

function parseDns(v: unknown): Dns {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('ipam.dns', 'must be an object');
  const o = v as Obj;
  const out: Dns = {};
  for (const k of ['nameservers', 'search', 'options'] as const) {
    if (o[k] === undefined) continue;
    if (!Array.isArray(o[k]) || !(o[k] as unknown[]).every((s) => typeof s === 'string')) throw bad(`ipam.dns.${k}`, 'must be a list of strings');
    out[k] = [...(o[k] as string[])];
  }
  if (o.domain !== undefined) {
    if (typeof o.domain !== 'string') throw bad('ipam.dns.domain', 'must be a string');
    out.domain = o.domain;
  }
  return out;
}
