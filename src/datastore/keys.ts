/**
 * The etcd key layout for resources (docs/datastore.md has the full map):
 *
 *   /reef/v1/<plural>/<name>               cluster-scoped kinds
 *   /reef/v1/<plural>/<namespace>/<name>   namespaced kinds
 *
 * `<plural>` is the kind lower-cased and pluralised (ippools, networkpolicies;
 * Kubernetes' NetworkPolicy is `kubernetesnetworkpolicies`, Namespace `namespaces`).
 * /reef/v1/ipam/ belongs to IPAM and no kind may pluralise to it.
 */
import { NAMESPACED_KINDS, type Kind, type ResourceKey } from '../model/resource.ts';
import { DatastoreRequestError } from './errors.ts';

export const ROOT = '/reef/v1/';

export function pluralOf(kind: Kind): string {
  const lower = kind.toLowerCase();
  return lower.endsWith('y') ? `${lower.slice(0, -1)}ies` : `${lower}s`;
}

/** Names become key segments: a slash, an empty name or `.`/`..` would make one key look like another. */
function checkSegment(what: string, value: string | undefined, key: ResourceKey): string {
  if (value === undefined || value === '' || value.includes('/') || value === '.' || value === '..') {
    throw new DatastoreRequestError(`${key.kind}: ${what} ${JSON.stringify(value)} cannot be stored (empty, "/", "." or "..")`, { key });
  }
  return value;
}

export function kindPrefix(kind: Kind, namespace?: string): string {
  const base = `${ROOT}${pluralOf(kind)}/`;
  if (namespace === undefined || !NAMESPACED_KINDS.has(kind)) return base;
  return `${base}${checkSegment('namespace', namespace, { kind, name: '', namespace })}/`;
}

export function keyPath(key: ResourceKey): string {
  const name = checkSegment('name', key.name, key);
  if (NAMESPACED_KINDS.has(key.kind)) {
    return `${kindPrefix(key.kind)}${checkSegment('namespace', key.namespace, key)}/${name}`;
  }
  return `${kindPrefix(key.kind)}${name}`;
}

/** The inverse of keyPath for a key under kindPrefix(kind); undefined for keys that do not fit. */
export function parseKeyPath(kind: Kind, path: string): ResourceKey | undefined {
  const prefix = kindPrefix(kind);
  if (!path.startsWith(prefix)) return undefined;
  const parts = path.slice(prefix.length).split('/');
  if (NAMESPACED_KINDS.has(kind)) {
    return parts.length === 2 && parts[0] && parts[1] ? { kind, namespace: parts[0], name: parts[1] } : undefined;
  }
  return parts.length === 1 && parts[0] ? { kind, name: parts[0] } : undefined;
}

/** The exclusive end of the range holding every key that starts with `prefix`. */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix, 'utf8');
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
