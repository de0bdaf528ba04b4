import { expect } from 'chai';
import { execRunner, runWhenReady } from '../../../felix/dataplane/command-runner.ts';
import { FakeRunner } from './fake-runner.ts';

describe('felix/dataplane command runner', () => {
  it('starts a program ahead of its input and feeds it when the input resolves', async () => {
    let feed!: (s: string) => void;
    const input = new Promise<string>((resolve) => (feed = resolve));
    const res = execRunner().start!(['cat'], input);
    let done = false;
    void res.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(done).to.equal(false);
    feed('hello\n');
    expect(await res).to.deep.equal({ stdout: 'hello\n', stderr: '', code: 0 });
  });

  it('kills a started program whose input fails, with the input error', async () => {
    const boom = new Error('sets failed');
    const res = execRunner().start!(['cat'], Promise.reject(boom));
    const err = await res.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.equal(boom);
  });

  it('falls back to run() once the input is known when the runner cannot start early', async () => {
    const r = new FakeRunner();
    await runWhenReady(r, ['iptables-restore'], Promise.resolve('x'));
    expect(r.calls).to.deep.equal([{ argv: ['iptables-restore'], input: 'x' }]);
  });
});
