import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import { EtcdServer, pidAlive, useEtcd } from './etcd.ts';

function etcdDirsOfThisProcess(): string[] {
  return readdirSync('/dev/shm').filter((n) => n.startsWith(`reeft-etcd-${process.pid}-`));
}

describe('test harness: EtcdServer @integration', () => {
  describe('a shared server from useEtcd()', () => {
    const etcd = useEtcd();

    it('serves on a loopback endpoint and reports its revision', async () => {
      expect(etcd().endpoint).to.match(/^127\.0\.0\.1:\d+$/);
      const before = await etcd().currentRevision();
      const after = await etcd().put('/harness/a', 'x');
      expect(after).to.equal(before + 1);
      expect(await etcd().currentRevision()).to.equal(after);
    });

    it('keeps its data across a hard restart on the same port', async () => {
      const port = etcd().port;
      const rev = await etcd().put('/harness/b', 'y');
      await etcd().restart({ hard: true });
      expect(etcd().port).to.equal(port);
      expect(await etcd().currentRevision()).to.equal(rev);
    });

    it('compacts so old revisions are gone', async () => {
      const rev = await etcd().put('/harness/c', 'z');
      await etcd().put('/harness/c', 'w');
      await etcd().compact(rev + 1);
      let err: unknown;
      try {
        await etcd().call('/v3/kv/range', { key: Buffer.from('/harness/c').toString('base64'), revision: String(rev) });
      } catch (e) {
        err = e;
      }
      expect(String(err)).to.match(/compacted/);
    });
  });

  it('stop() kills etcd and removes its data dir, and is idempotent', async function () {
    this.timeout(30_000);
    const server = new EtcdServer();
    const dirsBefore = etcdDirsOfThisProcess().length;
    await server.start();
    expect(etcdDirsOfThisProcess().length).to.equal(dirsBefore + 1);
    const pid = (server as unknown as { proc: { pid: number } }).proc.pid;
    expect(pidAlive(pid)).to.equal(true);
    await server.stop();
    await server.stop();
    expect(pidAlive(pid)).to.equal(false);
    expect(etcdDirsOfThisProcess().length).to.equal(dirsBefore);
    expect(existsSync('/dev/shm')).to.equal(true);
  });
});
