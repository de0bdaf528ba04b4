/**
 * IPAM as the programs use it: an etcd client for the IPAM keys, pools read
 * from the IPPool resources, reserved ranges from the IPReservation
 * resources, nodeSelector judged against the Node's labels.
 * Shared by reef-ipam, reef-cni and `reefctl ipam`.
 */
import type { Datastore } from '../datastore/datastore.ts';
import { DatastoreNotFoundError } from '../datastore/errors.ts';
import { createEtcdClient, type EtcdClientConfig } from '../datastore/etcd-client.ts';
import { EtcdIpamStore } from '../datastore/etcd-ipam-store.ts';
import type { Resource } from '../model/resource.ts';
import type { IpamPool, NodeMatches } from '../../ipam/pools.ts';
import type { IpamReservation } from '../../ipam/reservations.ts';
import type { IpamStore } from '../../ipam/store.ts';
import { selectorMatches } from './node-selector.ts';

export interface IpamConnection {
  store: IpamStore;
  close(): void;
}

export function openIpamStore(etcd: EtcdClientConfig, requestTimeoutMs: number): IpamConnection {
  const client = createEtcdClient(etcd);
  return { store: new EtcdIpamStore(client, { requestTimeoutMs }), close: () => client.close() };
}

/** An IPPool resource as IPAM sees it. */
export function ipamPoolOf(r: Resource): IpamPool {
  const s = r.spec as { cidr: string; blockSize?: number; disabled?: boolean; nodeSelector?: string };
  const v6 = s.cidr.includes(':');
  return {
    name: r.metadata.name,
    cidr: s.cidr,
    blockSize: s.blockSize ?? (v6 ? 122 : 26),
    ...(s.disabled ? { disabled: true } : {}),
    ...(s.nodeSelector !== undefined ? { nodeSelector: s.nodeSelector } : {}),
  };
}

/** Every pool, for show, release and the delete guard. */
export async function listPools(ds: Pick<Datastore, 'list'>): Promise<IpamPool[]> {
  return (await ds.list('IPPool')).items.map(ipamPoolOf);
}

/** Pools pods may take from automatically: Workload use, not Manual assignment. */
export async function workloadPools(ds: Pick<Datastore, 'list'>): Promise<IpamPool[]> {
  return (await ds.list('IPPool')).items
    .filter((r) => {
      const s = r.spec as { allowedUses?: string[]; assignmentMode?: string };
      return (s.allowedUses ?? ['Workload']).includes('Workload') && s.assignmentMode !== 'Manual';
    })
    .map(ipamPoolOf);
}

/** Every CIDR of every IPReservation, named by its resource, for the allocator's `reservations` reader. */
export async function listReservations(ds: Pick<Datastore, 'list'>): Promise<IpamReservation[]> {
  return (await ds.list('IPReservation')).items.flatMap((r) =>
    ((r.spec as { reservedCIDRs?: string[] }).reservedCIDRs ?? []).map((cidr) => ({ name: r.metadata.name, cidr })),
  );
}

/**
 * nodeSelector against the Node resource's labels. A node with no Node
 * resource yet has no labels, so only all()-like selectors pick it.
 */
export async function nodeMatcher(ds: Pick<Datastore, 'get'>, node: string, pools: readonly IpamPool[]): Promise<NodeMatches> {
  let labels: Record<string, string> = {};
  if (pools.some((p) => (p.nodeSelector ?? 'all()').trim() !== 'all()')) {
    try {
      labels = (await ds.get({ kind: 'Node', name: node })).metadata.labels ?? {};
    } catch (err) {
      if (!(err instanceof DatastoreNotFoundError)) throw err;
    }
  }
  return (pool, n) => n === node && selectorMatches(pool.nodeSelector, labels);
}
