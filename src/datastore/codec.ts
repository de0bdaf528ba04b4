/**
 * Resources as etcd values: the JSON of the object without
 * `metadata.resourceVersion`, which is never stored because it *is* the
 * key's mod_revision and is put back on every read. Values hold the stored
 * kind (`KubernetesNetworkPolicy`, not the `NetworkPolicy` documents carry),
 * so a value read back always names its own key.
 */
import type { Resource, ResourceKey } from '../model/resource.ts';
import { canonicalApiVersion } from '../model/api-groups.ts';

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
    apiVersion: canonicalApiVersion(key.kind),
    kind: key.kind,
    metadata: { name: key.name, ...(key.namespace !== undefined ? { namespace: key.namespace } : {}), resourceVersion: revision },
    spec: {},
  };
}
