import { expect } from 'chai';
import type { WatchEvent } from '../../src/datastore/datastore.ts';
import type { Resource } from '../../src/model/resource.ts';
import { DatastoreCompactedError } from '../../src/datastore/errors.ts';
import type { EtcdDatastore } from '../../src/datastore/etcd.ts';
import { useEtcd } from '../harness/etcd.ts';
import { openFor, pool, wep } from './helpers.ts';
import { brief, Collector } from './watch-helpers.ts';

function objectOf(ev: WatchEvent): Resource {
  if (ev.type === 'synced') throw new Error('a synced event has no object');
  return ev.object;
}

function revisionsIncrease(events: readonly WatchEvent[]): boolean {
  const revs = events.filter((e) => e.type !== 'synced').map((e) => Number(e.revision));
  return revs.every((r, i) => i === 0 || r > revs[i - 1]!);
}

describe('etcd datastore: watch @integration', () => {
  const etcd = useEtcd();
  let ds: EtcdDatastore;
  beforeEach(async () => {
    ds = openFor(etcd());
    // Each test starts from an empty store so sequences are exact.
    for (const kind of ['IPPool', 'WorkloadEndpoint'] as const) {
      for (const r of (await ds.list(kind)).items) await ds.delete({ kind, name: r.metadata.name, ...(r.metadata.namespace ? { namespace: r.metadata.namespace } : {}) });
    }
  });
  afterEach(() => ds.close());

  it('lists first, says synced, then sees every create, update and delete in order', async () => {
    await ds.create(pool('w-pre'));
    const ac = new AbortController();
    const c = new Collector(ds.watch('IPPool', { signal: ac.signal }));
    await c.until((evs) => evs.some((e) => e.type === 'synced'));
    const a = await ds.create(pool('w-a'));
    const a2 = await ds.update({ ...a, spec: { ...a.spec, blockSize: 27 } });
    await ds.delete({ kind: 'IPPool', name: 'w-pre' });
    await ds.applyAll([
      { op: 'create', resource: pool('w-b') },
      { op: 'delete', key: { kind: 'IPPool', name: 'w-a' } },
    ]);
    await ds.create(wep('ns', 'other-kind'));
    await c.untilName('w-a', 'deleted');
    ac.abort();
    await c.ended();
    expect(c.error).to.equal(undefined);
    expect(brief(c.events)).to.equal('added:w-pre synced added:w-a modified:w-a deleted:w-pre added:w-b deleted:w-a');
    expect(objectOf(c.events[3]!)).to.deep.equal(a2);
    expect(objectOf(c.events[4]!).metadata.name).to.equal('w-pre');
    expect(objectOf(c.events[4]!).spec.cidr).to.equal('10.10.0.0/16');
    // The batch is one revision: its two events share it.
    expect(c.events[5]!.revision).to.equal(c.events[6]!.revision);
  });

  it('watches one namespace of a namespaced kind', async () => {
    const ac = new AbortController();
    const c = new Collector(ds.watch('WorkloadEndpoint', { namespace: 'ns-a', signal: ac.signal }));
    await c.until((evs) => evs.some((e) => e.type === 'synced'));
    await ds.create(wep('ns-ab', 'x'));
    await ds.create(wep('ns-b', 'y'));
    await ds.create(wep('ns-a', 'z'));
    await c.untilName('z');
    ac.abort();
    await c.ended();
    expect(brief(c.events)).to.equal('synced added:z');
  });

  it('starts after fromRevision without listing, and reports deletes with the old object', async () => {
    await ds.create(pool('f-1'));
    const list = await ds.list('IPPool');
    await ds.create(pool('f-2'));
    await ds.delete({ kind: 'IPPool', name: 'f-1' });
    const ac = new AbortController();
    const c = new Collector(ds.watch('IPPool', { fromRevision: list.revision, signal: ac.signal }));
    await c.untilName('f-1', 'deleted');
    ac.abort();
    await c.ended();
    expect(brief(c.events)).to.equal('added:f-2 deleted:f-1');
  });

  it('refuses a fromRevision that has been compacted, with DatastoreCompactedError', async () => {
    const old = await ds.create(pool('c-1'));
    await ds.update({ ...old, spec: { ...old.spec, blockSize: 30 } });
    await etcd().compact();
    const c = new Collector(ds.watch('IPPool', { fromRevision: String(Number(old.metadata.resourceVersion) - 1) }));
    await c.ended();
    expect(c.error).to.be.instanceOf(DatastoreCompactedError);
  });

  it('ends cleanly when the datastore is closed', async () => {
    const c = new Collector(ds.watch('IPPool'));
    await c.until((evs) => evs.some((e) => e.type === 'synced'));
    await ds.close();
    await c.ended();
    expect(c.error).to.equal(undefined);
  });

  it('ends cleanly when the consumer breaks out of the loop', async () => {
    await ds.create(pool('b-1'));
    const seen: string[] = [];
    for await (const ev of ds.watch('IPPool')) {
      seen.push(ev.type);
      if (ev.type === 'synced') break;
    }
    expect(seen).to.deep.equal(['added', 'synced']);
  });

  it('sees each event exactly once across a hard etcd restart', async function () {
    this.timeout(30_000);
    const ac = new AbortController();
    const c = new Collector(ds.watch('IPPool', { signal: ac.signal }));
    await c.until((evs) => evs.some((e) => e.type === 'synced'));
    const r1 = await ds.create(pool('r-1'));
    await ds.update({ ...r1, spec: { ...r1.spec, blockSize: 27 } });
    await ds.create(pool('r-2'));
    await c.untilName('r-2');
    await etcd().restart({ hard: true });
    await ds.create(pool('r-3'));
    await ds.delete({ kind: 'IPPool', name: 'r-1' });
    const r2 = await ds.get({ kind: 'IPPool', name: 'r-2' });
    await ds.update({ ...r2, spec: { ...r2.spec, blockSize: 28 } });
    await ds.create(pool('r-end'));
    await c.untilName('r-end');
    ac.abort();
    await c.ended();
    expect(c.error).to.equal(undefined);
    expect(brief(c.events)).to.equal('synced added:r-1 modified:r-1 added:r-2 added:r-3 deleted:r-1 modified:r-2 added:r-end');
    expect(revisionsIncrease(c.events)).to.equal(true);
  });
});
