/**
 * The demo end to end, small: two nodes with one pod each. It must exit 0,
 * print a ping matrix in which every pod reaches every other, and leave no
 * namespace behind.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { listNamespaces } from '../harness/netns.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const PREFIX = `rdt${process.pid % 100000}-`;

function runDemo(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve(ROOT, 'src/demo/fabric.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, REEF_LOG_LEVEL: 'warn' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    // SIGINT first: the demo tears down on it; the test must not leave its fabric behind either.
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, out });
    });
  });
}

describe('the fabric demo @integration', function () {
  this.timeout(180_000);

  it('builds two nodes with a pod each, every pod reaches every other, and tears it all down', async () => {
    const { code, out } = await runDemo(['--nodes', '2', '--pods-per-node', '1', '--ns-prefix', PREFIX], 150_000);
    expect(code, out).to.equal(0);
    const matrix = /^ {4}ping {2}\(rows: from, columns: to\)\n([\s\S]*?)^ {4}ping: (\d+)\/(\d+) pairs reachable$/m.exec(out);
    expect(matrix, out).to.not.equal(null);
    const [, rows, reached, pairs] = matrix!;
    expect(Number(pairs)).to.equal(2);
    expect(Number(reached), rows).to.equal(2);
    expect(rows).to.not.contain('BLOCK');
    expect(rows!.trim().split('\n')).to.have.length(3);
    expect(out).to.contain('DEMO OK');
    expect(listNamespaces().filter((n) => n.startsWith(PREFIX))).to.deep.equal([]);
  });
});
