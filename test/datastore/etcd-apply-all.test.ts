import { expect } from 'chai';
import type { ApplyOp } from '../../src/datastore/datastore.ts';
import { DatastoreAlreadyExistsError, DatastoreConflictError, DatastoreNotFoundError, DatastoreRequestError } from '../../src/datastore/errors.ts';
import type { EtcdDatastore } from '../../src/datastore/etcd.ts';
import { useEtcd } from '../harness/etcd.ts';
import { openFor, pool, rejection, wep } from './helpers.ts';

describe('etcd datastore: applyAll writes all or nothing @integration', () => {
  const etcd = useEtcd();
  let ds: EtcdDatastore;
  before(() => (ds = openFor(etcd())));
  after(() => ds.close());

  async function snapshot(): Promise<string> {
    const pools = await ds.list('IPPool');
    const weps = await ds.list('WorkloadEndpoint');
    return JSON.stringify([pools.items, weps.items]);
  }

  it('writes creates, updates and deletes in one revision', async () => {
    const a = await ds.create(pool('aa-1'));
    const b = await ds.create(pool('aa-2'));
    const out = await ds.applyAll([
      { op: 'create', resource: wep('ns', 'p1') },
      { op: 'update', resource: { ...a, spec: { ...a.spec, blockSize: 28 } } },
      { op: 'delete', key: { kind: 'IPPool', name: 'aa-2' }, revision: b.metadata.resourceVersion! },
    ]);
    expect(out).to.have.length(3);
    expect(out[0]!.metadata.resourceVersion).to.equal(out[1]!.metadata.resourceVersion);
    expect(out[1]!.spec.blockSize).to.equal(28);
    expect(out[2]).to.deep.equal(b);
    expect((await ds.get({ kind: 'IPPool', name: 'aa-1' })).spec.blockSize).to.equal(28);
    expect(await rejection(ds.get({ kind: 'IPPool', name: 'aa-2' }))).to.be.instanceOf(DatastoreNotFoundError);
  });

  const failing: { name: string; setup: () => Promise<ApplyOp>; error: new (...a: never[]) => Error }[] = [
    {
      name: 'a create of an existing object',
      setup: async () => ({ op: 'create', resource: (await ds.create(pool('exists-already'))) }),
      error: DatastoreAlreadyExistsError,
    },
    {
      name: 'an update with a stale resourceVersion',
      setup: async () => {
        const v1 = await ds.create(pool('stale-update'));
        await ds.update({ ...v1, spec: { ...v1.spec, blockSize: 29 } });
        return { op: 'update', resource: v1 };
      },
      error: DatastoreConflictError,
    },
    {
      name: 'a delete with a stale revision',
      setup: async () => {
        const v1 = await ds.create(pool('stale-delete'));
        await ds.update({ ...v1, spec: { ...v1.spec, blockSize: 29 } });
        return { op: 'delete', key: { kind: 'IPPool', name: 'stale-delete' }, revision: v1.metadata.resourceVersion! };
      },
      error: DatastoreConflictError,
    },
    {
      name: 'an update of a missing object',
      setup: async () => ({ op: 'update', resource: pool('never-made') }),
      error: DatastoreNotFoundError,
    },
  ];
  for (const c of failing) {
    it(`writes nothing when the last op is ${c.name}, and names that op`, async () => {
      const bad = await c.setup();
      const before = await snapshot();
      const first = await ds.create(pool(`first-${c.error.name}-${Math.random().toString(36).slice(2, 8)}`));
      const snapBefore = await snapshot();
      const err = await rejection(
        ds.applyAll([
          { op: 'create', resource: wep('ns', `new-${first.metadata.name}`) },
          { op: 'update', resource: { ...first, spec: { ...first.spec, disabled: true } } },
          bad,
        ]),
      );
      expect(err).to.be.instanceOf(c.error);
      expect((err as { opIndex?: number }).opIndex).to.equal(2);
      expect((err as Error).message).to.match(/^op 2: /);
      expect(await snapshot()).to.equal(snapBefore);
      expect(before).to.not.equal(snapBefore);
    });
  }

  it('refuses one key twice in a batch before writing anything', async () => {
    const err = await rejection(ds.applyAll([{ op: 'create', resource: pool('dup') }, { op: 'create', resource: pool('dup') }]));
    expect(err).to.be.instanceOf(DatastoreRequestError);
    expect(await rejection(ds.get({ kind: 'IPPool', name: 'dup' }))).to.be.instanceOf(DatastoreNotFoundError);
  });

  it('leaves exactly one winner when two batches race for the same object', async () => {
    const base = await ds.create(pool('race'));
    const results = await Promise.allSettled(
      [26, 27, 28, 29].map((bs) => ds.applyAll([{ op: 'update', resource: { ...base, spec: { ...base.spec, blockSize: bs } } }])),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).to.be.instanceOf(DatastoreConflictError);
  });
});
