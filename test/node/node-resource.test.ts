import { expect } from 'chai';
import { upsertOwnNode } from '../../src/node/node-resource.ts';
import { MemoryDatastore } from '../cli/memory-datastore.ts';

describe("reef-node's own Node resource", () => {
  it('creates the Node with its addresses and AS', async () => {
    const ds = new MemoryDatastore();
    const r = await upsertOwnNode(ds, 'n1', { ipv4Address: '10.0.0.1/24', asNumber: 65001 });
    expect(r.changed).to.equal(true);
    expect((await ds.get({ kind: 'Node', name: 'n1' })).spec).to.deep.equal({ bgp: { ipv4Address: '10.0.0.1/24', asNumber: 65001 } });
  });

  it("replaces the addresses and keeps labels, the operator's cluster ID and AS", async () => {
    const ds = new MemoryDatastore();
    await ds.create({
      apiVersion: 'reef.dev/v1',
      kind: 'Node',
      metadata: { name: 'n1', labels: { 'route-reflector': 'true' } },
      spec: { bgp: { ipv4Address: '10.0.0.9/24', ipv6Address: 'fd00::9/64', asNumber: 65009, routeReflectorClusterID: '1.0.0.1' } },
    });
    const r = await upsertOwnNode(ds, 'n1', { ipv4Address: '10.0.0.1/24' });
    expect(r.changed).to.equal(true);
    const stored = await ds.get({ kind: 'Node', name: 'n1' });
    expect(stored.metadata.labels).to.deep.equal({ 'route-reflector': 'true' });
    expect(stored.spec).to.deep.equal({ bgp: { ipv4Address: '10.0.0.1/24', asNumber: 65009, routeReflectorClusterID: '1.0.0.1' } });
  });

  it('writes nothing when the Node already says the same', async () => {
    const ds = new MemoryDatastore();
    await upsertOwnNode(ds, 'n1', { ipv4Address: '10.0.0.1/24' });
    const writes = ds.writes;
    expect((await upsertOwnNode(ds, 'n1', { ipv4Address: '10.0.0.1/24' })).changed).to.equal(false);
    expect(ds.writes).to.equal(writes);
  });

  it('refuses an address the model refuses, naming the field', async () => {
    const ds = new MemoryDatastore();
    let err: unknown;
    await upsertOwnNode(ds, 'n1', { ipv4Address: '10.0.0.1/40' }).catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/spec\.bgp\.ipv4Address|ipv4Address/);
    expect(ds.writes).to.equal(0);
  });

  it('retries on the fresh object when another writer changed the Node in between', async () => {
    const ds = new MemoryDatastore();
    await upsertOwnNode(ds, 'n1', { ipv4Address: '10.0.0.1/24' });
    // Between our read and our write, an operator adds a label: the first update is refused (CAS), the retry keeps the label.
    const realGet = ds.get.bind(ds);
    let raced = false;
    ds.get = async (key) => {
      const r = await realGet(key);
      if (!raced) {
        raced = true;
        await ds.update({ ...r, metadata: { ...r.metadata, labels: { zone: 'a' } } });
      }
      return r;
    };
    await upsertOwnNode(ds, 'n1', { ipv4Address: '10.0.0.2/24' });
    const stored = await realGet({ kind: 'Node', name: 'n1' });
    expect(stored.metadata.labels).to.deep.equal({ zone: 'a' });
    expect(stored.spec).to.deep.equal({ bgp: { ipv4Address: '10.0.0.2/24' } });
  });
});
