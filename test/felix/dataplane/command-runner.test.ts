import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { execRunner, startCommand } from '../../../felix/dataplane/command-runner.ts';
import { FakeRunner } from './fake-runner.ts';

describe('felix/dataplane command runner', () => {
  it('starts a program before its input and gives it the input in pieces', async () => {
    const p = execRunner().spawn!(['cat']);
    await new Promise((r) => setTimeout(r, 30));
    expect(p.exited).to.equal(false);
    p.write('a');
    p.write('b');
    expect(await p.end('c\n')).to.deep.equal({ stdout: 'abc\n', stderr: '', code: 0 });
    expect(p.exited).to.equal(true);
  });

  it('kills a started program before its input ends', async () => {
    const p = execRunner().spawn!(['cat']);
    p.write('half');
    p.kill();
    const deadline = Date.now() + 2000;
    while (!p.exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(p.exited).to.equal(true);
  });

  it('says which program could not be started', async () => {
    const err = await execRunner()
      .run(['reef-no-such-program'])
      .then(
        () => undefined,
        (e: unknown) => e as Error & { code: string },
      );
    expect(err?.code).to.equal('DATAPLANE_COMMAND_UNAVAILABLE');
    expect(err?.message).to.include('reef-no-such-program');
  });

  it('does not keep Node running for a program that was never written to', async () => {
    const script = `import { execRunner } from ${JSON.stringify(new URL('../../../felix/dataplane/command-runner.ts', import.meta.url).href)}; execRunner().spawn(['sleep', '30']);`;
    const t = Date.now();
    await new Promise<void>((resolve, reject) => execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 }, (err) => (err ? reject(err) : resolve())));
    expect(Date.now() - t).to.be.below(10_000);
  });

  it('gathers the pieces and runs once at the end when the runner cannot start programs early', async () => {
    const r = new FakeRunner();
    const p = startCommand(r, ['iptables-restore']);
    p.write('x');
    expect(r.calls).to.deep.equal([]);
    await p.end('y');
    expect(r.calls).to.deep.equal([{ argv: ['iptables-restore'], input: 'xy' }]);
  });
});
