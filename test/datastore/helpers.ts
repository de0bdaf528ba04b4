import type { Kind, Resource } from '../../src/model/resource.ts';
import { EtcdDatastore } from '../../src/datastore/etcd.ts';
import type { EtcdServer } from '../harness/etcd.ts';

/** Hand-written objects: the backend stores whatever it is given, validation is elsewhere. */
export function pool(name: string, cidr = '10.10.0.0/16'): Resource<'IPPool'> {
  return { apiVersion: 'reef.dev/v1', kind: 'IPPool', metadata: { name }, spec: { cidr, blockSize: 26 } };
}

export function wep(namespace: string, name: string, ip = '10.10.0.5/32'): Resource<'WorkloadEndpoint'> {
  return {
    apiVersion: 'reef.dev/v1',
    kind: 'WorkloadEndpoint',
    metadata: { name, namespace, labels: { app: 'web' } },
    spec: { node: 'n1', pod: name, ipNetworks: [ip] },
  };
}

export function resourceOf(kind: Kind, name: string, namespace?: string): Resource {
  return {
    apiVersion: 'reef.dev/v1',
    kind,
    metadata: namespace === undefined ? { name } : { name, namespace },
    spec: { note: `${kind} ${name}`, nested: { list: [1, 2, 3], flag: true } },
  };
}

export function openFor(etcd: EtcdServer): EtcdDatastore {
  return new EtcdDatastore({ endpoints: etcd.endpoints });
}

/** Asserts the promise rejects and returns what it rejected with. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but the call succeeded');
}
