/**
 * Where the datastore is, resolved the way calicoctl does it, field by
 * field: command-line flags, then environment, then a config file, then the
 * default (etcd v3 at 127.0.0.1:2379). The file may be calicoctl's
 * (projectcalico.org/v3 CalicoAPIConfig) or ours (reef.dev/v1 ReefAPIConfig):
 *
 *   apiVersion: projectcalico.org/v3
 *   kind: CalicoAPIConfig
 *   spec:
 *     datastoreType: etcdv3
 *     etcdEndpoints: https://10.0.0.1:2379,https://10.0.0.2:2379
 *     etcdCACertFile: /etc/reef/ca.pem
 *     etcdCertFile: /etc/reef/cert.pem
 *     etcdKeyFile: /etc/reef/key.pem
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DatastoreConfigError } from './errors.ts';
import type { EtcdClientConfig, EtcdTlsFiles } from './etcd-client.ts';

export const DATASTORE_TYPES = ['etcdv3', 'kubernetes'] as const;
export type DatastoreType = (typeof DATASTORE_TYPES)[number];
export const DEFAULT_ETCD_ENDPOINT = '127.0.0.1:2379';

export interface DatastoreConfig {
  type: DatastoreType;
  etcd: EtcdClientConfig;
}

/** Flags as commander names them; both spellings of the CA flag are taken. */
export interface DatastoreFlags {
  datastoreType?: string;
  etcdEndpoints?: string;
  etcdCACertFile?: string;
  etcdCaCertFile?: string;
  etcdCertFile?: string;
  etcdKeyFile?: string;
}

export interface DatastoreConfigSources {
  flags?: DatastoreFlags;
  env?: Readonly<Record<string, string | undefined>>;
  /** Path of a config file; an explicit path must exist. */
  configFile?: string;
}

interface FileSpec {
  datastoreType?: string;
  etcdEndpoints?: string;
  etcdCACertFile?: string;
  etcdCertFile?: string;
  etcdKeyFile?: string;
}

const FILE_SHAPES = [
  { apiVersion: 'projectcalico.org/v3', kind: 'CalicoAPIConfig' },
  { apiVersion: 'reef.dev/v1', kind: 'ReefAPIConfig' },
] as const;

export function datastoreConfigFrom(src: DatastoreConfigSources = {}): DatastoreConfig {
  const flags = src.flags ?? {};
  const env = src.env ?? {};
  const file = src.configFile !== undefined ? readConfigFile(src.configFile) : {};
  const pick = (...vals: (string | undefined)[]): string | undefined => vals.find((v) => v !== undefined && v.trim() !== '')?.trim();

  const rawType = pick(flags.datastoreType, env.REEF_DATASTORE_TYPE, env.DATASTORE_TYPE, file.datastoreType) ?? 'etcdv3';
  const type = rawType.toLowerCase() === 'etcd' ? 'etcdv3' : rawType.toLowerCase();
  if (!(DATASTORE_TYPES as readonly string[]).includes(type)) {
    throw new DatastoreConfigError(`unknown datastore type "${rawType}": expected one of ${DATASTORE_TYPES.join(', ')}`, { type: rawType });
  }
  const endpoints = parseEndpoints(pick(flags.etcdEndpoints, env.ETCD_ENDPOINTS, file.etcdEndpoints) ?? DEFAULT_ETCD_ENDPOINT);
  const tls: EtcdTlsFiles = {};
  const ca = pick(flags.etcdCACertFile, flags.etcdCaCertFile, env.ETCD_CA_CERT_FILE, file.etcdCACertFile);
  const cert = pick(flags.etcdCertFile, env.ETCD_CERT_FILE, file.etcdCertFile);
  const key = pick(flags.etcdKeyFile, env.ETCD_KEY_FILE, file.etcdKeyFile);
  if (ca !== undefined) tls.caCertFile = ca;
  if (cert !== undefined) tls.certFile = cert;
  if (key !== undefined) tls.keyFile = key;
  const etcd: EtcdClientConfig = { endpoints };
  if (Object.keys(tls).length > 0) etcd.tls = tls;
  return { type: type as DatastoreType, etcd };
}

/** `http://a:1, b:2,` -> [`http://a:1`, `b:2`]; a bad entry is named. */
export function parseEndpoints(value: string): string[] {
  const out = value
    .split(',')
    .map((e) => e.trim().replace(/\/+$/, ''))
    .filter((e) => e !== '');
  if (out.length === 0) throw new DatastoreConfigError(`no etcd endpoints in "${value}"`, { value });
  for (const e of out) {
    if (!/^(https?:\/\/)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(e)) {
      throw new DatastoreConfigError(`etcd endpoint "${e}" is not host:port (optionally with http:// or https://)`, { endpoint: e });
    }
  }
  return out;
}

function readConfigFile(path: string): FileSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DatastoreConfigError(`cannot read config file ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new DatastoreConfigError(`config file ${path} is not valid YAML: ${(err as Error).message}`, { path }, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null) throw new DatastoreConfigError(`config file ${path} holds no document`, { path });
  const d = doc as { apiVersion?: unknown; kind?: unknown; spec?: unknown };
  if (!FILE_SHAPES.some((s) => s.apiVersion === d.apiVersion && s.kind === d.kind)) {
    throw new DatastoreConfigError(
      `config file ${path}: apiVersion/kind ${String(d.apiVersion)}/${String(d.kind)} is not ` +
        FILE_SHAPES.map((s) => `${s.apiVersion}/${s.kind}`).join(' or '),
      { path },
    );
  }
  const spec = (d.spec ?? {}) as Record<string, unknown>;
  const out: FileSpec = {};
  for (const field of ['datastoreType', 'etcdEndpoints', 'etcdCACertFile', 'etcdCertFile', 'etcdKeyFile'] as const) {
    const v = spec[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw new DatastoreConfigError(`config file ${path}: spec.${field} must be a string`, { path, field });
    out[field] = v;
  }
  return out;
}
