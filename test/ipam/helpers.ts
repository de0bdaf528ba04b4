/**
 * Shared set-up for the IPAM tests: the same allocator tests run against the
 * in-memory store and against a real etcd (through EtcdIpamStore).
 */
import type { Etcd3 } from 'etcd3';
import { createEtcdClient } from '../../src/datastore/etcd-client.ts';
import { EtcdIpamStore } from '../../src/datastore/etcd-ipam-store.ts';
import { IpamAllocator, type AllocatorOptions } from '../../ipam/allocator.ts';
import { MemoryIpamStore } from '../../ipam/memory-store.ts';
import type { IpamPool } from '../../ipam/pools.ts';
import { IPAM_PREFIX } from '../../ipam/records.ts';
import { countingStore, type IpamStore, type RoundTripCounter } from '../../ipam/store.ts';
import { useEtcd } from '../harness/etcd.ts';

export class FakeClock {
  t = 1_700_000_000_000;
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export const POOL4: IpamPool = { name: 'pool4', cidr: '10.10.0.0/24', blockSize: 28 };
export const POOL6: IpamPool = { name: 'pool6', cidr: 'fd00:10::/120', blockSize: 124 };

export interface Backend {
  name: string;
  integration: boolean;
  /** Called in a before() hook; returns a fresh, empty store for each test via `fresh`. */
  setup(): { fresh(): Promise<IpamStore>; done(): Promise<void> };
}

export const BACKENDS: Backend[] = [
  {
    name: 'an in-memory store',
    integration: false,
    setup: () => ({ fresh: async () => new MemoryIpamStore(), done: async () => undefined }),
  },
  {
    name: 'etcd @integration',
    integration: true,
    setup() {
      const etcd = useEtcd();
      let client: Etcd3 | undefined;
      return {
        async fresh() {
          client ??= createEtcdClient({ endpoints: [etcd().endpoint] });
          await client.delete().prefix(IPAM_PREFIX);
          return new EtcdIpamStore(client);
        },
        async done() {
          client?.close();
          client = undefined;
        },
      };
    },
  },
];

export function makeAllocator(store: IpamStore, clock: FakeClock, extra: Partial<AllocatorOptions> = {}, pools: IpamPool[] = [POOL4, POOL6]): {
  alloc: IpamAllocator;
  counter: RoundTripCounter;
  pools: IpamPool[];
} {
  const counted = countingStore(store);
  const alloc = new IpamAllocator({ store: counted.store, pools: () => pools, clock, cooldownMs: 1_000, ...extra });
  return { alloc, counter: counted.counter, pools };
}
