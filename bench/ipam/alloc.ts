/**
 * IPAM allocation throughput and latency against a real etcd, next to the
 * raw rate of single-key etcd CAS transactions on the same etcd in the same
 * run. Concurrency 1, 4 and 16: one allocator per node, all in this process.
 *
 *   node bench/ipam/alloc.ts [opsPerLevel]
 */
import { createEtcdClient } from '../../src/datastore/etcd-client.ts';
import { EtcdIpamStore } from '../../src/datastore/etcd-ipam-store.ts';
import { IpamAllocator } from '../../ipam/allocator.ts';
import { IPAM_PREFIX } from '../../ipam/records.ts';
import { countingStore } from '../../ipam/store.ts';
import { log } from '../../src/lib/log.ts';
import { EtcdServer } from '../../test/harness/etcd.ts';

const OPS = Number(process.argv[2] ?? 3000);
// Block claims log at info; a benchmark's output is its table.
log.level = 'warn';
const LEVELS = [1, 4, 16];

interface Figures {
  opsPerSec: number;
  p50: number;
  p99: number;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function runLevel(concurrency: number, total: number, op: (worker: number, i: number) => Promise<void>): Promise<Figures> {
  const lat: number[] = [];
  const per = Math.ceil(total / concurrency);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; i < per; i++) {
        const s = performance.now();
        await op(w, i);
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { opsPerSec: lat.length / secs, p50: pct(lat, 50), p99: pct(lat, 99) };
}

const etcd = new EtcdServer();
await etcd.start();
const client = createEtcdClient({ endpoints: [etcd.endpoint] });
try {
  const raw = new EtcdIpamStore(client);
  const rows: string[] = [];
  for (const c of LEVELS) {
    await client.delete().prefix('/bench/');
    await client.delete().prefix(IPAM_PREFIX);
    // Reference: read-free single-key CAS, each worker on its own key, revision carried from its last write.
    const revs = new Array<number>(c).fill(0);
    const cas = await runLevel(c, OPS, async (w, i) => {
      const key = `/bench/cas/${w}`;
      const r = await raw.txn([{ key, modRevision: revs[w]! }], [{ op: 'put', key, value: String(i) }]);
      if (!r.succeeded) throw new Error('reference CAS refused');
      revs[w] = r.revision;
    });
    const { store, counter } = countingStore(raw);
    const pools = [{ name: 'bench', cidr: '10.128.0.0/12', blockSize: 26 }];
    const allocators = Array.from({ length: c }, () => new IpamAllocator({ store, pools: () => pools }));
    const alloc = await runLevel(c, OPS, async (w, i) => {
      await allocators[w]!.autoAssign({ num4: 1, num6: 0, handle: `b${c}-${w}-${i}`, node: `node${w}` });
    });
    const rt = counter.total / (Math.ceil(OPS / c) * c);
    rows.push(
      [
        String(c).padStart(11),
        cas.opsPerSec.toFixed(0).padStart(10),
        alloc.opsPerSec.toFixed(0).padStart(10),
        (alloc.opsPerSec / cas.opsPerSec).toFixed(2).padStart(6) + 'x',
        `${alloc.p50.toFixed(2)} / ${alloc.p99.toFixed(2)}`.padStart(16),
        `${cas.p50.toFixed(2)} / ${cas.p99.toFixed(2)}`.padStart(16),
        rt.toFixed(2).padStart(8),
      ].join('  '),
    );
  }
  console.log(`IPAM allocation vs raw etcd CAS txn, ${OPS} ops per level, etcd ${etcd.endpoint} (tmpfs), node ${process.version}`);
  console.log('concurrency   CAS txn/s   allocs/s   ratio   alloc p50/p99 ms    CAS p50/p99 ms  RT/alloc');
  for (const r of rows) console.log(r);
} finally {
  client.close();
  await etcd.stop();
}
