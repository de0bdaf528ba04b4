/**
 * A child process acting as one allocator on one node, for the concurrency
 * and crash tests. It journals to stdout, one line per event, before and
 * after each step, so the parent knows what a killed worker may have left:
 *
 *   ready
 *   intent <handle>          about to allocate for <handle>
 *   alloc <handle> <ip>      allocated
 *   release <handle>         released (after the release committed)
 *   done
 *
 * Config comes as one JSON argument (WorkerConfig).
 */
import { createEtcdClient } from '../../src/datastore/etcd-client.ts';
import { EtcdIpamStore } from '../../src/datastore/etcd-ipam-store.ts';
import { IpamAllocator } from '../../ipam/allocator.ts';
import type { IpamPool } from '../../ipam/pools.ts';

export interface WorkerConfig {
  endpoint: string;
  node: string;
  /** Prefix of this worker's handles (unique per worker). */
  id: string;
  count: number;
  /** Every n-th allocation is released again at once (0: never). */
  releaseEvery: number;
  pools: IpamPool[];
  cooldownMs: number;
  dualStack?: boolean;
}

const cfg = JSON.parse(process.argv[2]!) as WorkerConfig;
const client = createEtcdClient({ endpoints: [cfg.endpoint], retryBudgetMs: 500 });
const alloc = new IpamAllocator({ store: new EtcdIpamStore(client), pools: () => cfg.pools, cooldownMs: cfg.cooldownMs });
const out: string[] = [];
const flush = (): void => {
  if (out.length > 0) process.stdout.write(out.splice(0).join('\n') + '\n');
};

// Writes are synchronous enough for a pipe, but batch them per step to keep the parent's parsing cheap.
const say = (line: string): void => {
  out.push(line);
  flush();
};

say('ready');
for (let i = 0; i < cfg.count; i++) {
  const handle = `${cfg.id}-${i}`;
  say(`intent ${handle}`);
  const r = await alloc.autoAssign({ num4: 1, num6: cfg.dualStack ? 1 : 0, handle, node: cfg.node, attrs: { namespace: 'stress', pod: handle } });
  for (const ip of [...r.ipv4, ...r.ipv6]) say(`alloc ${handle} ${ip}`);
  if (cfg.releaseEvery > 0 && i % cfg.releaseEvery === 0) {
    await alloc.releaseByHandle(handle);
    say(`release ${handle}`);
  }
}
say('done');
client.close();
