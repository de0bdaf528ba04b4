import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pidAlive } from './exit-hooks.ts';
import { listNamespaces, NetnsScope, sweepStale, useNetns } from './netns.ts';

const ECHO_SERVER = `
const net = require('node:net');
net.createServer((s) => s.pipe(s)).listen(7000, process.argv[1], () => console.log('listening'));
`;
const ECHO_CLIENT = `
const net = require('node:net');
const s = net.connect(7000, process.argv[1], () => s.end('hello'));
let got = '';
s.on('data', (d) => (got += d));
s.on('end', () => { console.log(got); });
s.on('error', (e) => { console.error(e.message); process.exit(2); });
`;

function hasPing(): boolean {
  return ['/usr/bin/ping', '/bin/ping'].some((p) => existsSync(p));
}

async function waitForLine(proc: import('node:child_process').ChildProcess, line: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes(line)) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`process exited (${code}) before printing "${line}"`)));
  });
}

describe('test harness: network namespaces @integration', () => {
  describe('a pair of namespaces joined by a veth', () => {
    const scope = useNetns();
    let a = '';
    let b = '';

    before(async () => {
      a = await scope().createNamespace();
      b = await scope().createNamespace();
      await scope().veth({ ns: a, name: 'eth0', address: '10.251.0.1/24' }, { ns: b, name: 'eth0', address: '10.251.0.2/24' });
    });

    it('names them with the prefix and this pid', () => {
      expect(a).to.match(new RegExp(`^reeft-${process.pid}-\\d+$`));
      expect(listNamespaces()).to.include.members([a, b]);
    });

    it('carries TCP from one to the other (server spawned in one, client exec in the other)', async () => {
      const server = scope().spawn(a, [process.execPath, '-e', ECHO_SERVER, '10.251.0.1']);
      await waitForLine(server, 'listening');
      const res = await scope().exec(b, [process.execPath, '-e', ECHO_CLIENT, '10.251.0.1'], { timeoutMs: 10_000 });
      expect(res.stdout.trim()).to.equal('hello');
    });

    it('answers ping across the veth', async function () {
      if (!hasPing()) this.skip();
      const res = await scope().exec(a, ['ping', '-c', '1', '-W', '2', '10.251.0.2']);
      expect(res.code).to.equal(0);
    });

    it('reports a failing command with its exit code, or throws without allowFailure', async () => {
      const res = await scope().exec(a, ['sh', '-c', 'exit 3'], { allowFailure: true });
      expect(res.code).to.equal(3);
      let threw = false;
      await scope().exec(a, ['sh', '-c', 'exit 3']).catch(() => (threw = true));
      expect(threw).to.equal(true);
    });
  });

  it('links a namespace to the root namespace, and removes the root end with it', async () => {
    const scope = new NetnsScope();
    try {
      const ns = await scope.createNamespace();
      const rootEnd = `rt${process.pid % 100000}x`;
      await scope.veth({ ns, name: 'eth0', address: '10.252.0.2/30' }, { ns: null, name: rootEnd, address: '10.252.0.1/30' });
      const res = await scope.exec(null, ['ip', '-br', 'addr', 'show', 'dev', rootEnd]);
      expect(res.stdout).to.contain('10.252.0.1/30');
      await scope.cleanup();
      const after = await scope.exec(null, ['ip', 'link', 'show', 'dev', rootEnd], { allowFailure: true });
      expect(after.code).to.not.equal(0);
    } finally {
      await scope.cleanup();
    }
  });

  it('cleanup() kills spawned processes and deletes the namespaces, idempotently', async () => {
    const scope = new NetnsScope();
    const ns = await scope.createNamespace();
    const proc = scope.spawn(ns, ['sleep', '600']);
    await new Promise((r) => proc.once('spawn', r));
    const pid = proc.pid!;
    await scope.cleanup();
    await scope.cleanup();
    expect(listNamespaces()).to.not.include(ns);
    expect(pidAlive(pid)).to.equal(false);
  });

  it('sweepStale() deletes prefixed namespaces of dead processes only', async () => {
    let dead = 4_000_000;
    while (pidAlive(dead)) dead++;
    const stale = `reeft-${dead}-1`;
    execFileSync('ip', ['netns', 'add', stale]);
    try {
      const swept = sweepStale();
      expect(swept).to.include(stale);
      expect(listNamespaces()).to.not.include(stale);
    } finally {
      if (listNamespaces().includes(stale)) execFileSync('ip', ['netns', 'del', stale]);
    }
  });

  for (const how of ['exit', 'throw', 'signal'] as const) {
    it(`leaves no etcd or namespace behind when the process ends by ${how}`, async function () {
      this.timeout(30_000);
      const script = fileURLToPath(new URL('./fixtures/abandon.ts', import.meta.url));
      const made = await new Promise<{ etcdPid: number; ns: string }>((resolve, reject) => {
        const child = execFile(process.execPath, [script, how], { timeout: 20_000 }, () => undefined);
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n')[0];
          if (out.includes('\n') && line) {
            const info = JSON.parse(line) as { etcdPid: number; ns: string };
            if (how === 'signal') child.kill('SIGTERM');
            child.once('exit', () => resolve(info));
            if (child.exitCode !== null) resolve(info);
          }
        });
        child.once('error', reject);
      });
      // The exit hook's SIGKILL is sent before the process ends; the kernel may take a moment to finish etcd off.
      const deadline = Date.now() + 3000;
      while (pidAlive(made.etcdPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(pidAlive(made.etcdPid)).to.equal(false);
      expect(listNamespaces()).to.not.include(made.ns);
    });
  }
});
