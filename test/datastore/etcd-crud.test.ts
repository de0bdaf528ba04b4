import { expect } from 'chai';
import { KINDS, NAMESPACED_KINDS, type Resource } from '../../src/model/resource.ts';
import { DatastoreAlreadyExistsError, DatastoreConflictError, DatastoreNotFoundError, DatastoreRequestError } from '../../src/datastore/errors.ts';
import type { EtcdDatastore } from '../../src/datastore/etcd.ts';
import { EtcdConnection } from '../../src/datastore/etcd-client.ts';
import { rangeAll } from '../../src/datastore/etcd-list.ts';
import { kindPrefix } from '../../src/datastore/keys.ts';
import { useEtcd } from '../harness/etcd.ts';
import { openFor, pool, rejection, resourceOf, wep } from './helpers.ts';

describe('etcd datastore: create, read, update, delete @integration', () => {
  const etcd = useEtcd();
  let ds: EtcdDatastore;
  before(() => (ds = openFor(etcd())));
  after(() => ds.close());

  for (const kind of KINDS) {
    const namespace = NAMESPACED_KINDS.has(kind) ? 'ns-a' : undefined;
    it(`round-trips a ${kind} through create, get, list, update and delete`, async () => {
      const obj = resourceOf(kind, 'crud-1', namespace);
      const created = await ds.create(obj);
      expect(created.metadata.resourceVersion).to.match(/^\d+$/);
      expect(created.spec).to.deep.equal(obj.spec);

      const got = await ds.get({ kind, name: 'crud-1', ...(namespace ? { namespace } : {}) });
      expect(got).to.deep.equal(created);

      const listed = await ds.list(kind);
      expect(listed.items.map((r) => r.metadata.name)).to.deep.equal(['crud-1']);
      expect(Number(listed.revision)).to.be.at.least(Number(created.metadata.resourceVersion));

      const changed: Resource = { ...got, spec: { ...got.spec, note: 'changed' } };
      const updated = await ds.update(changed);
      expect(Number(updated.metadata.resourceVersion)).to.be.greaterThan(Number(created.metadata.resourceVersion));
      expect((await ds.get({ kind, name: 'crud-1', ...(namespace ? { namespace } : {}) })).spec.note).to.equal('changed');

      const deleted = await ds.delete({ kind, name: 'crud-1', ...(namespace ? { namespace } : {}) });
      expect(deleted.spec.note).to.equal('changed');
      const err = await rejection(ds.get({ kind, name: 'crud-1', ...(namespace ? { namespace } : {}) }));
      expect(err).to.be.instanceOf(DatastoreNotFoundError);
      expect((err as DatastoreNotFoundError).code).to.equal('DATASTORE_NOT_FOUND');
    });
  }

  it('stores the object faithfully and fills in uid and creationTimestamp once', async () => {
    const obj = pool('faithful');
    obj.metadata.labels = { 'reef.dev/zone': 'a', empty: '' };
    obj.metadata.annotations = { note: 'ünïcødé ✓' };
    const created = await ds.create(obj);
    expect(created.metadata.uid).to.match(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const got = await ds.get({ kind: 'IPPool', name: 'faithful' });
    expect(got).to.deep.equal(created);
    // An update that leaves the server-owned fields out keeps them.
    const updated = await ds.update({ ...obj, metadata: { ...obj.metadata, resourceVersion: got.metadata.resourceVersion } });
    expect(updated.metadata.uid).to.equal(created.metadata.uid);
    expect(updated.metadata.creationTimestamp).to.equal(created.metadata.creationTimestamp);
    expect(obj.metadata.resourceVersion).to.equal(undefined);
  });

  it('refuses a second create with DatastoreAlreadyExistsError', async () => {
    await ds.create(pool('twice'));
    const err = await rejection(ds.create(pool('twice', '10.99.0.0/16')));
    expect(err).to.be.instanceOf(DatastoreAlreadyExistsError);
    expect((await ds.get({ kind: 'IPPool', name: 'twice' })).spec.cidr).to.equal('10.10.0.0/16');
  });

  it('refuses an update with a stale resourceVersion and leaves the stored object unchanged', async () => {
    const v1 = await ds.create(pool('cas'));
    const v2 = await ds.update({ ...v1, spec: { ...v1.spec, blockSize: 27 } });
    const err = await rejection(ds.update({ ...v1, spec: { ...v1.spec, blockSize: 28 } }));
    expect(err).to.be.instanceOf(DatastoreConflictError);
    expect((err as DatastoreConflictError).expectedRevision).to.equal(v1.metadata.resourceVersion);
    expect((err as DatastoreConflictError).actualRevision).to.equal(v2.metadata.resourceVersion);
    expect(await ds.get({ kind: 'IPPool', name: 'cas' })).to.deep.equal(v2);
  });

  it('updates unconditionally when no resourceVersion is given', async () => {
    const v1 = await ds.create(pool('blind'));
    const { resourceVersion: _rv, ...meta } = v1.metadata;
    const v2 = await ds.update({ ...v1, metadata: meta, spec: { ...v1.spec, blockSize: 30 } });
    expect(v2.spec.blockSize).to.equal(30);
  });

  it('refuses to update or delete a missing object with DatastoreNotFoundError', async () => {
    expect(await rejection(ds.update(pool('ghost')))).to.be.instanceOf(DatastoreNotFoundError);
    expect(await rejection(ds.delete({ kind: 'IPPool', name: 'ghost' }))).to.be.instanceOf(DatastoreNotFoundError);
  });

  it('refuses a delete with a stale revision, and deletes with the current one', async () => {
    const v1 = await ds.create(pool('del-cas'));
    const v2 = await ds.update({ ...v1, spec: { ...v1.spec, natOutgoing: true } });
    const err = await rejection(ds.delete({ kind: 'IPPool', name: 'del-cas' }, { revision: v1.metadata.resourceVersion! }));
    expect(err).to.be.instanceOf(DatastoreConflictError);
    expect(await ds.get({ kind: 'IPPool', name: 'del-cas' })).to.deep.equal(v2);
    const gone = await ds.delete({ kind: 'IPPool', name: 'del-cas' }, { revision: v2.metadata.resourceVersion! });
    expect(gone).to.deep.equal(v2);
  });

  it('lists a namespaced kind across namespaces or in one', async () => {
    await ds.create(wep('ns-x', 'pod-1'));
    await ds.create(wep('ns-x', 'pod-2'));
    await ds.create(wep('ns-y', 'pod-1'));
    // ns-x must not match the longer namespace name as a prefix.
    await ds.create(wep('ns-xx', 'pod-9'));
    const all = await ds.list('WorkloadEndpoint');
    expect(all.items.map((r) => `${r.metadata.namespace}/${r.metadata.name}`)).to.deep.equal([
      'ns-x/pod-1',
      'ns-x/pod-2',
      'ns-xx/pod-9',
      'ns-y/pod-1',
    ]);
    const inX = await ds.list('WorkloadEndpoint', { namespace: 'ns-x' });
    expect(inX.items.map((r) => r.metadata.name)).to.deep.equal(['pod-1', 'pod-2']);
  });

  it('lists more objects than one page holds, all at one revision', async () => {
    const ops = Array.from({ length: 120 }, (_, i) => ({ op: 'create' as const, resource: resourceOf('Node', `page-${String(i).padStart(4, '0')}`) }));
    for (let i = 0; i < 6; i++) await ds.applyAll(ops.slice(i * 20, i * 20 + 20));
    const list = await ds.list('Node');
    expect(list.items.filter((r) => r.metadata.name.startsWith('page-'))).to.have.length(120);
    const conn = new EtcdConnection({ endpoints: etcd().endpoints });
    try {
      const paged = await rangeAll(conn, kindPrefix('Node'), undefined, 7);
      expect(paged.kvs.map((kv) => kv.key.toString())).to.deep.equal(list.items.map((r) => `/reef/v1/nodes/${r.metadata.name}`));
      expect(paged.revision).to.equal(list.revision);
    } finally {
      conn.close();
    }
  });

  it('rejects names that would break the key layout', async () => {
    for (const name of ['a/b', '', '..']) {
      expect(await rejection(ds.create(pool(name)))).to.be.instanceOf(DatastoreRequestError);
    }
    expect(await rejection(ds.create(wep('', 'x')))).to.be.instanceOf(DatastoreRequestError);
  });
});
