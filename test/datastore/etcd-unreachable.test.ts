import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { DatastoreUnreachableError } from '../../src/datastore/errors.ts';
import { EtcdDatastore } from '../../src/datastore/etcd.ts';
import { freePort } from '../harness/ports.ts';
import { pool, rejection } from './helpers.ts';
import { Collector } from './watch-helpers.ts';

describe('etcd datastore: unreachable endpoints @integration', () => {
  let deadPort: number;
  before(async () => (deadPort = await freePort()));

  const calls: { name: string; call: (ds: EtcdDatastore) => Promise<unknown> }[] = [
    { name: 'get', call: (ds) => ds.get({ kind: 'IPPool', name: 'x' }) },
    { name: 'list', call: (ds) => ds.list('IPPool') },
    { name: 'create', call: (ds) => ds.create(pool('x')) },
    { name: 'applyAll', call: (ds) => ds.applyAll([{ op: 'create', resource: pool('x') }]) },
  ];
  for (const c of calls) {
    it(`${c.name} on a refused port fails with DatastoreUnreachableError naming the endpoint`, async function () {
      this.timeout(8_000);
      // Only one call waits out the default retry budget; the rest need not repeat it.
      const ds = new EtcdDatastore({ endpoints: [`http://127.0.0.1:${deadPort}`], ...(c.name === 'get' ? {} : { retryBudgetMs: 300 }) });
      try {
        const err = await rejection(c.call(ds));
        expect(err).to.be.instanceOf(DatastoreUnreachableError);
        expect((err as Error).message).to.match(new RegExp(`^cannot reach datastore at 127\\.0\\.0\\.1:${deadPort}: \\S`));
        expect((err as DatastoreUnreachableError).code).to.equal('DATASTORE_UNREACHABLE');
        expect((err as Error).message).to.contain('ECONNREFUSED');
      } finally {
        await ds.close();
      }
    });
  }

  it('a watch that cannot set up ends with DatastoreUnreachableError', async function () {
    this.timeout(8_000);
    const ds = new EtcdDatastore({ endpoints: [`127.0.0.1:${deadPort}`], retryBudgetMs: 300 });
    try {
      const c = new Collector(ds.watch('IPPool'));
      await c.ended();
      expect(c.error).to.be.instanceOf(DatastoreUnreachableError);
    } finally {
      await ds.close();
    }
  });

  describe('an endpoint that accepts connections but never answers', () => {
    let silent: Server;
    const sockets = new Set<Socket>();
    let port: number;
    before(async () => {
      silent = createServer((s) => {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      });
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
      port = (silent.address() as { port: number }).port;
    });
    after(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    });

    it('gives DatastoreUnreachableError once the call deadline passes', async function () {
      this.timeout(8_000);
      const ds = new EtcdDatastore({ endpoints: [`127.0.0.1:${port}`], callTimeoutMs: 1_000 });
      try {
        const err = await rejection(ds.get({ kind: 'IPPool', name: 'x' }));
        expect(err).to.be.instanceOf(DatastoreUnreachableError);
        expect((err as Error).message).to.contain(`cannot reach datastore at 127.0.0.1:${port}`);
        const c = new Collector(ds.watch('IPPool'));
        await c.ended();
        expect(c.error).to.be.instanceOf(DatastoreUnreachableError);
      } finally {
        await ds.close();
      }
    });
  });
});
