import { expect } from 'chai';
import { EtcdDatastore } from '../../src/datastore/etcd.ts';
import { useEtcd } from '../harness/etcd.ts';
import { TcpProxy } from '../harness/tcp-proxy.ts';
import { openFor, pool } from './helpers.ts';
import { brief, Collector } from './watch-helpers.ts';

/**
 * The watcher reaches etcd through a proxy the test cuts; a second client
 * writes directly meanwhile and compacts, so the watcher's resume revision
 * is gone when the proxy heals and it must re-list.
 */
describe('etcd datastore: watch after compaction @integration', () => {
  const etcd = useEtcd();
  let proxy: TcpProxy;
  let watcherDs: EtcdDatastore;
  let writer: EtcdDatastore;

  beforeEach(async () => {
    proxy = new TcpProxy(etcd().port);
    await proxy.start();
    watcherDs = new EtcdDatastore({ endpoints: [proxy.endpoint] });
    writer = openFor(etcd());
    for (const r of (await writer.list('IPPool')).items) await writer.delete({ kind: 'IPPool', name: r.metadata.name });
  });
  afterEach(async () => {
    await watcherDs.close();
    await writer.close();
    await proxy.stop();
  });

  it('re-lists after a cut connection and emits only the difference, then continues live', async function () {
    this.timeout(30_000);
    const p1 = await writer.create(pool('k-1'));
    await writer.create(pool('k-2'));
    const p3 = await writer.create(pool('k-3'));
    const ac = new AbortController();
    const c = new Collector(watcherDs.watch('IPPool', { signal: ac.signal }));
    await c.until((evs) => evs.some((e) => e.type === 'synced'));
    const p3b = await writer.update({ ...p3, spec: { ...p3.spec, blockSize: 27 } });
    await c.untilName('k-3', 'modified');

    proxy.cut();
    await writer.update({ ...p1, spec: { ...p1.spec, blockSize: 28 } });
    await writer.delete({ kind: 'IPPool', name: 'k-2' });
    await writer.create(pool('k-4'));
    await writer.create(pool('k-5'));
    await writer.delete({ kind: 'IPPool', name: 'k-5' });
    // Changed and changed back in content, but at a new revision: still "modified".
    const p3c = await writer.update({ ...p3b, spec: { ...p3b.spec, blockSize: 29 } });
    await writer.update({ ...p3c, spec: { ...p3c.spec, blockSize: 27 } });
    await etcd().compact();
    const compactedAt = await etcd().currentRevision();
    proxy.heal();

    await c.until((evs) => evs.filter((e) => e.type === 'synced').length === 2);
    await writer.create(pool('k-6'));
    await c.untilName('k-6');
    ac.abort();
    await c.ended();
    expect(c.error).to.equal(undefined);
    expect(brief(c.events)).to.equal(
      'added:k-1 added:k-2 added:k-3 synced modified:k-3 ' +
        'deleted:k-2 modified:k-1 modified:k-3 added:k-4 synced ' +
        'added:k-6',
    );
    const resynced = c.events.filter((e) => e.type === 'synced')[1]!;
    expect(Number(resynced.revision)).to.be.at.least(compactedAt);
    const deleted = c.events[5]!;
    expect(deleted.type === 'deleted' && deleted.object.spec.cidr).to.equal('10.10.0.0/16');
  });

  it('resumes without a re-list or duplicates when the cut outlasts no compaction', async function () {
    this.timeout(30_000);
    const ac = new AbortController();
    const c = new Collector(watcherDs.watch('IPPool', { signal: ac.signal }));
    await c.until((evs) => evs.some((e) => e.type === 'synced'));
    await writer.create(pool('n-1'));
    await c.untilName('n-1');
    proxy.cut();
    await writer.create(pool('n-2'));
    await writer.delete({ kind: 'IPPool', name: 'n-1' });
    proxy.heal();
    await writer.create(pool('n-3'));
    await c.untilName('n-3');
    ac.abort();
    await c.ended();
    expect(brief(c.events)).to.equal('synced added:n-1 added:n-2 deleted:n-1 added:n-3');
  });

  it('re-lists when a slow consumer falls behind a compaction', async function () {
    this.timeout(60_000);
    await writer.create(pool('s-0'));
    const it = watcherDs.watch('IPPool')[Symbol.asyncIterator]();
    const first = [await it.next(), await it.next()].map((r) => (r.done ? 'done' : r.value.type));
    expect(first).to.deep.equal(['added', 'synced']);
    // Not consuming now: our buffer, gRPC flow control and etcd's per-watch
    // buffer fill, and etcd parks the watcher until it has room again.
    const filler = 'x'.repeat(10_000);
    const N = 200;
    for (let i = 1; i <= N; i++) await writer.create({ ...pool(`s-${i}`), spec: { cidr: '10.0.0.0/8', filler } });
    for (let i = 1; i <= N; i += 2) await writer.delete({ kind: 'IPPool', name: `s-${i}` });
    await etcd().compact();
    await writer.create(pool('s-end'));
    const state = new Set<string>(['s-0']);
    const order: string[] = [];
    for (;;) {
      const r = await it.next();
      if (r.done) throw new Error('watch ended');
      const ev = r.value;
      if (ev.type === 'synced') {
        order.push('synced');
        if (state.has('s-end')) break;
        continue;
      }
      order.push(`${ev.type}:${ev.object.metadata.name}`);
      if (ev.type === 'deleted') {
        expect(state.has(ev.object.metadata.name), `delete of unseen ${ev.object.metadata.name}`).to.equal(true);
        state.delete(ev.object.metadata.name);
      } else if (ev.type === 'added') {
        expect(state.has(ev.object.metadata.name), `second add of ${ev.object.metadata.name}`).to.equal(false);
        state.add(ev.object.metadata.name);
      }
    }
    await it.return?.();
    const expected = ['s-0', 's-end', ...Array.from({ length: N / 2 }, (_, i) => `s-${2 * (i + 1)}`)].sort();
    expect([...state].sort()).to.deep.equal(expected);
    // Far more revisions than etcd buffers for a stalled watcher: it must have been compacted past and re-listed.
    expect(order.filter((o) => o === 'synced')).to.have.length(1);
  });
});
