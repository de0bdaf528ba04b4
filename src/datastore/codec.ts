/**
 * Resources as etcd values: the JSON of the object without
 * `metadata.resourceVersion`, which is never stored because it *is* the
 * key's mod_revision and is put back on every read.
 */
import type { Resource, ResourceKey } from '../model/resource.ts';

export function encodeResource(r: Resource): Buffer {
  const { resourceVersion: _dropped, ...metadata } = r.metadata;
  return Buffer.from(JSON.stringify({ ...r, metadata }), 'utf8');
}

export function decodeResource(value: Buffer, modRevision: string): Resource {
  const r = JSON.parse(value.toString('utf8')) as Resource;
  return { ...r, metadata: { ...r.metadata, resourceVersion: modRevision } };
}

/** The object a deletion names when its stored value is unknown (compacted away): key fields only. */
export function stubResource(key: ResourceKey, revision: string): Resource {
  return {
    apiVersion: 'reef.dev/v1',
    kind: key.kind,
    metadata: { name: key.name, ...(key.namespace !== undefined ? { namespace: key.namespace } : {}), resourceVersion: revision },
    spec: {},
  };
}
