/**
 * The datastore: where every resource lives (etcd v3 now, the Kubernetes
 * API later). Programs call `openDatastore(datastoreConfigFrom(...))` and use
 * the Datastore interface (datastore.ts); errors are in errors.ts. IPAM has
 * its own keys under /reef/v1/ipam/ and reuses `EtcdConnection` from
 * etcd-client.ts for deadlines and error mapping.
 */
import type { Datastore } from './datastore.ts';
import type { DatastoreConfig } from './config.ts';
import { DatastoreConfigError } from './errors.ts';
import { EtcdDatastore } from './etcd.ts';

export type * from './datastore.ts';
export * from './errors.ts';
export { datastoreConfigFrom, parseEndpoints, type DatastoreConfig, type DatastoreFlags, type DatastoreConfigSources } from './config.ts';
export { EtcdConnection, createEtcdClient, toDatastoreError, type EtcdClientConfig } from './etcd-client.ts';
export { EtcdDatastore } from './etcd.ts';

/** Constructs the backend; no I/O happens until the first call. */
export function openDatastore(config: DatastoreConfig): Datastore {
  switch (config.type) {
    case 'etcdv3':
      return new EtcdDatastore(config.etcd);
    case 'kubernetes':
      throw new DatastoreConfigError('datastore type "kubernetes" is not supported yet; use etcdv3', { type: config.type });
  }
}

/** `etcd at 127.0.0.1:2379`: how messages and `version` name a datastore. */
export function describeDatastore(config: DatastoreConfig): string {
  return config.type === 'etcdv3' ? `etcd at ${config.etcd.endpoints.map((e) => e.replace(/^https?:\/\//, '')).join(',')}` : config.type;
}
