/**
 * A real etcd for tests: /usr/bin/etcd on loopback, free client and peer
 * ports, a fresh data dir on tmpfs (etcd 3.4 has no --unsafe-no-fsync, but
 * fsync on tmpfs costs nothing). The harness talks to etcd through its JSON
 * gateway over plain HTTP so it shares no client state with the code under
 * test. setpriv --pdeathsig makes the kernel kill etcd if the test process
 * dies without running its hooks (SIGKILL, OOM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExit, pidAlive } from './exit-hooks.ts';
import { freePorts } from './ports.ts';

export { pidAlive };

const ETCD_BIN = process.env.REEF_TEST_ETCD ?? '/usr/bin/etcd';
const DIR_PREFIX = 'reeft-etcd-';

export interface EtcdServerOptions {
  /** Where the data dir is made; tmpfs when it exists. */
  parentDir?: string;
  startTimeoutMs?: number;
}

export class EtcdServer {
  private clientPort = 0;
  private peerPort = 0;
  private dataDir: string | undefined;
  private proc: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private stderrTail = '';
  private unregister: (() => void) | undefined;
  private readonly parentDir: string;
  private readonly startTimeoutMs: number;

  constructor(opts: EtcdServerOptions = {}) {
    this.parentDir = opts.parentDir ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
    this.startTimeoutMs = opts.startTimeoutMs ?? 20_000;
  }

  /** `127.0.0.1:PORT`, the form etcd3's `hosts` and ETCD_ENDPOINTS take. */
  get endpoint(): string {
    if (this.clientPort === 0) throw new Error('EtcdServer: not started');
    return `127.0.0.1:${this.clientPort}`;
  }

  get endpoints(): string[] {
    return [this.endpoint];
  }

  get url(): string {
    return `http://${this.endpoint}`;
  }

  get port(): number {
    return this.clientPort;
  }

  get running(): boolean {
    return this.proc !== undefined;
  }

  async start(): Promise<void> {
    if (this.proc) return;
    if (this.dataDir === undefined) {
      sweepStaleEtcdDirs(this.parentDir);
      [this.clientPort, this.peerPort] = (await freePorts(2)) as [number, number];
      this.dataDir = mkdtempSync(join(this.parentDir, `${DIR_PREFIX}${process.pid}-`));
      const dir = this.dataDir;
      this.unregister = onExit(() => {
        this.proc?.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      });
    }
    this.launch();
    await this.waitReady();
  }

  /** Kills etcd (SIGKILL when `hard`, as a crash would) and starts it again on the same ports and data. */
  async restart(opts: { hard?: boolean } = {}): Promise<void> {
    await this.kill(opts.hard ? 'SIGKILL' : 'SIGTERM');
    await this.start();
  }

  /** Stops etcd without removing its data, for tests of an unreachable datastore; start() brings it back. */
  async pause(opts: { hard?: boolean } = {}): Promise<void> {
    await this.kill(opts.hard ? 'SIGKILL' : 'SIGTERM');
  }

  /** Always kills etcd and removes its data dir; safe to call twice or before start(). */
  async stop(): Promise<void> {
    try {
      await this.kill('SIGTERM');
    } finally {
      if (this.dataDir !== undefined) rmSync(this.dataDir, { recursive: true, force: true });
      this.dataDir = undefined;
      this.unregister?.();
      this.unregister = undefined;
    }
  }

  async currentRevision(): Promise<number> {
    const res = (await this.call('/v3/kv/range', { key: b64('\0'), limit: 1 })) as { header: { revision: string } };
    return Number(res.header.revision);
  }

  /** Physical compaction, so a watch from an older revision fails at once. */
  async compact(revision?: number): Promise<void> {
    const rev = revision ?? (await this.currentRevision());
    await this.call('/v3/kv/compaction', { revision: String(rev), physical: true });
  }

  /** Raw put through the gateway: for tests that write behind the backend's back. */
  async put(key: string, value: string): Promise<number> {
    const res = (await this.call('/v3/kv/put', { key: b64(key), value: b64(value) })) as { header: { revision: string } };
    return Number(res.header.revision);
  }

  async call(path: string, body: unknown): Promise<unknown> {
    return postJson(this.clientPort, path, body, 5_000);
  }

  private launch(): void {
    const dir = this.dataDir!;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const client = `http://127.0.0.1:${this.clientPort}`;
    const args = [
      '--pdeathsig', 'KILL', '--', ETCD_BIN,
      '--name', 'reeft',
      '--data-dir', dir,
      '--listen-client-urls', client,
      '--advertise-client-urls', client,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `reeft=${peer}`,
      '--initial-cluster-state', 'new',
      '--snapshot-count', '1000',
      // Short raft timings: a one-member cluster elects itself sooner after a restart.
      '--heartbeat-interval', '20',
      '--election-timeout', '200',
      '--logger', 'zap',
      '--log-level', 'error',
    ];
    const proc = spawn('/usr/bin/setpriv', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.stderrTail = '';
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
    });
    this.exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.once('exit', () => {
      if (this.proc === proc) this.proc = undefined;
    });
    proc.once('error', () => {
      if (this.proc === proc) this.proc = undefined;
    });
    this.proc = proc;
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + this.startTimeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      if (!this.proc) throw new Error(`etcd exited during start-up: ${this.stderrTail.trim() || '(no output)'}`);
      try {
        await this.currentRevision();
        return;
      } catch (err) {
        last = err;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    await this.kill('SIGKILL');
    throw new Error(`etcd on ${this.endpoint} did not serve within ${this.startTimeoutMs} ms: ${String(last)}; ${this.stderrTail.trim()}`);
  }

  private async kill(signal: NodeJS.Signals): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
      this.proc = undefined;
    }
  }
}

/**
 * Mocha helper: one etcd for the enclosing describe, started in before() and
 * stopped in after(). Returns an accessor because the server exists only once
 * before() has run.
 */
export function useEtcd(opts: EtcdServerOptions = {}): () => EtcdServer {
  let server: EtcdServer | undefined;
  before(async function () {
    this.timeout(30_000);
    server = new EtcdServer(opts);
    await server.start();
  });
  after(async function () {
    this.timeout(15_000);
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('useEtcd(): the etcd server exists only inside tests (after before() ran)');
    return server;
  };
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/** Data dirs left by runs that died before their exit hooks (SIGKILL); the pid in the name tells. */
function sweepStaleEtcdDirs(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^reeft-etcd-(\d+)-/.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}


function postJson(port: number, path: string, body: unknown, timeoutMs: number): Promise<unknown> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    // agent: false, so no keep-alive socket outlives the call and holds mocha open.
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', agent: false, timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`etcd ${path}: HTTP ${res.statusCode}: ${text}`));
          else {
            try {
              resolve(JSON.parse(text));
            } catch (err) {
              reject(err);
            }
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`etcd ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
