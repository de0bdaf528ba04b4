import { expect } from 'chai';
import { execRunner, type CommandProcess, type CommandRunner } from '../../../felix/dataplane/command-runner.ts';
import { WarmCommands } from '../../../felix/dataplane/warm-commands.ts';
import { FakeRunner } from './fake-runner.ts';

/** execRunner, counting what it starts. */
function countingRunner(): CommandRunner & { spawned: CommandProcess[] } {
  const inner = execRunner();
  const spawned: CommandProcess[] = [];
  return {
    spawned,
    run: inner.run,
    spawn(argv) {
      const p = inner.spawn!(argv);
      spawned.push(p);
      return p;
    },
  };
}

describe('felix/dataplane warm commands', () => {
  it('hands out the spare it started and starts the next one on refill', async () => {
    const r = countingRunner();
    const w = new WarmCommands(r);
    w.keep([['cat']]);
    w.refill();
    w.refill();
    expect(r.spawned).to.have.length(1);
    const p = w.take(['cat']);
    expect(p).to.equal(r.spawned[0]);
    expect((await p.end('x')).stdout).to.equal('x');
    w.refill();
    expect(r.spawned).to.have.length(2);
    w.close();
  });

  it('keeps as many spares of a command as it is listed (a filter and a nat table)', async () => {
    const r = countingRunner();
    const w = new WarmCommands(r);
    w.keep([['cat'], ['cat']]);
    w.refill();
    expect(r.spawned).to.have.length(2);
    const a = w.take(['cat']);
    const b = w.take(['cat']);
    expect([a, b]).to.have.members(r.spawned);
    expect(r.spawned).to.have.length(2);
    await Promise.all([a.end('a'), b.end('b')]);
    w.refill();
    expect(r.spawned).to.have.length(4);
    w.close();
  });

  it('replaces a spare that died waiting', async () => {
    const r = countingRunner();
    const w = new WarmCommands(r);
    w.keep([['cat']]);
    w.refill();
    r.spawned[0]!.kill();
    while (!r.spawned[0]!.exited) await new Promise((res) => setTimeout(res, 5));
    const p = w.take(['cat']);
    expect(p).to.not.equal(r.spawned[0]);
    expect((await p.end('y')).stdout).to.equal('y');
    w.close();
  });

  it('ends its spares unused on close and starts no more', async () => {
    const r = countingRunner();
    const w = new WarmCommands(r);
    w.keep([['cat'], ['cat', '-']]);
    w.refill();
    w.close();
    w.refill();
    expect(r.spawned).to.have.length(2);
    for (const p of r.spawned) while (!p.exited) await new Promise((res) => setTimeout(res, 5));
    // The next take starts afresh.
    expect((await w.take(['cat']).end('z')).stdout).to.equal('z');
    expect(r.spawned).to.have.length(3);
  });

  it('runs the whole input at the end with a runner that cannot start programs early', async () => {
    const r = new FakeRunner();
    const w = new WarmCommands(r);
    w.keep([['ipset', 'restore']]);
    w.refill();
    expect(r.calls).to.deep.equal([]);
    await w.take(['ipset', 'restore']).end('create x\n');
    expect(r.calls).to.deep.equal([{ argv: ['ipset', 'restore'], input: 'create x\n' }]);
  });
});
