/**
 * Network namespaces for tests. A NetnsScope owns what it makes: namespaces
 * (named `reeft-<pid>-<n>`, so a later run can tell whose they were), veth
 * pairs (always with one end inside a scope namespace, so deleting the
 * namespace destroys the pair) and processes spawned inside them. cleanup()
 * removes all of it; an exit hook does the same if the run dies first, and
 * sweepStale() clears what runs killed outright left behind.
 */
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { onExit, pidAlive } from './exit-hooks.ts';

export const NETNS_PREFIX = 'reeft-';
let counter = 0;

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface ExecOptions {
  /** Resolve with the exit code instead of throwing when the command fails. */
  allowFailure?: boolean;
  timeoutMs?: number;
  input?: string;
}

/** One end of a veth pair: `ns` null means the root namespace. */
export interface VethEnd {
  ns: string | null;
  name: string;
  /** CIDR to assign, e.g. `10.90.0.1/24`. */
  address?: string;
}

export class NetnsError extends Error {
  readonly argv: readonly string[];
  readonly result: ExecResult;
  constructor(argv: readonly string[], result: ExecResult) {
    super(`command failed (exit ${result.code}): ${argv.join(' ')}: ${result.stderr.trim() || result.stdout.trim()}`);
    this.argv = argv;
    this.result = result;
  }
}

export class NetnsScope {
  private readonly namespaces: string[] = [];
  private readonly procs = new Set<ChildProcess>();
  /** Root-namespace veth ends: the kernel destroys a deleted namespace lazily, so these are deleted explicitly. */
  private readonly rootLinks: string[] = [];
  private readonly unregister: () => void;
  private closed = false;

  constructor() {
    this.unregister = onExit(() => this.cleanupSync());
  }

  /** A fresh namespace with `lo` up. */
  async createNamespace(): Promise<string> {
    this.assertOpen();
    const name = `${NETNS_PREFIX}${process.pid}-${++counter}`;
    await run(['ip', 'netns', 'add', name]);
    this.namespaces.push(name);
    await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  /**
   * A veth pair between two namespaces, or a namespace and the root one
   * (`ns: null`), with addresses assigned and both ends up. A root end is
   * created inside the namespace's pair and moved out, so it dies with it.
   */
  async veth(a: VethEnd, b: VethEnd): Promise<void> {
    this.assertOpen();
    const [inner, outer] = a.ns !== null ? [a, b] : [b, a];
    if (inner.ns === null) throw new Error('veth: at least one end must be in a scope namespace');
    for (const end of [a, b]) if (end.name.length > 15) throw new Error(`veth: interface name "${end.name}" is longer than 15 characters`);
    await run([
      'ip', '-n', inner.ns, 'link', 'add', inner.name, 'type', 'veth',
      'peer', 'name', outer.name, 'netns', outer.ns ?? '1',
    ]);
    if (outer.ns === null) this.rootLinks.push(outer.name);
    for (const end of [a, b]) {
      if (end.address) await this.addAddress(end.ns, end.name, end.address);
      await this.linkUp(end.ns, end.name);
    }
  }

  async addAddress(ns: string | null, dev: string, cidr: string): Promise<void> {
    await run([...ipIn(ns), 'addr', 'add', cidr, 'dev', dev]);
  }

  async linkUp(ns: string | null, dev: string): Promise<void> {
    await run([...ipIn(ns), 'link', 'set', dev, 'up']);
  }

  async sysctl(ns: string, key: string, value: string): Promise<void> {
    await this.exec(ns, ['sysctl', '-qw', `${key}=${value}`]);
  }

  /** Runs argv inside `ns` (the root namespace when null) and waits for it. */
  exec(ns: string | null, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return run(ns === null ? argv : ['ip', 'netns', 'exec', ns, ...argv], opts);
  }

  /**
   * Starts a long-running process inside `ns`; cleanup() kills it. The
   * parent-death signal takes it down too if the test process is killed.
   */
  spawn(ns: string, argv: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    this.assertOpen();
    const proc = spawn('ip', ['netns', 'exec', ns, 'setpriv', '--pdeathsig', 'KILL', '--', ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...opts,
    });
    this.procs.add(proc);
    proc.once('exit', () => this.procs.delete(proc));
    proc.once('error', () => this.procs.delete(proc));
    return proc;
  }

  get names(): readonly string[] {
    return this.namespaces;
  }

  /** Kills spawned processes, then deletes every namespace (and with them their veths). Idempotent. */
  async cleanup(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.procs].map((p) => killAndWait(p)));
    const errors: string[] = [];
    for (const link of this.rootLinks.splice(0)) await run(['ip', 'link', 'del', link], { allowFailure: true });
    for (const ns of this.namespaces.splice(0)) {
      await killPidsIn(ns);
      const res = await run(['ip', 'netns', 'del', ns], { allowFailure: true });
      if (res.code !== 0 && !/No such file/.test(res.stderr)) errors.push(`${ns}: ${res.stderr.trim()}`);
    }
    this.unregister();
    if (errors.length) throw new Error(`netns cleanup left: ${errors.join('; ')}`);
  }

  private cleanupSync(): void {
    for (const p of this.procs) p.kill('SIGKILL');
    for (const link of this.rootLinks.splice(0)) {
      try {
        execFileSync('ip', ['link', 'del', link], { stdio: 'ignore' });
      } catch {
        // Already gone with its namespace.
      }
    }
    for (const ns of this.namespaces.splice(0)) deleteNamespaceSync(ns);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('NetnsScope: already cleaned up');
  }
}

/** Deletes `reeft-<pid>-*` namespaces whose creating process is gone; returns their names. */
export function sweepStale(): string[] {
  const swept: string[] = [];
  for (const ns of listNamespaces()) {
    const m = /^reeft-(\d+)-\d+$/.exec(ns);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    deleteNamespaceSync(ns);
    swept.push(ns);
  }
  return swept;
}

export function listNamespaces(): string[] {
  const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.length > 0);
}

/**
 * Mocha helper: a scope for the enclosing describe (or each test with
 * `perTest`), torn down in after()/afterEach() whether tests passed or not.
 */
export function useNetns(opts: { perTest?: boolean } = {}): () => NetnsScope {
  let scope: NetnsScope | undefined;
  const setUp = (): void => {
    sweepStale();
    scope = new NetnsScope();
  };
  const tearDown = async function (this: Mocha.Context): Promise<void> {
    this.timeout(20_000);
    const s = scope;
    scope = undefined;
    await s?.cleanup();
  };
  if (opts.perTest) {
    beforeEach(setUp);
    afterEach(tearDown);
  } else {
    before(setUp);
    after(tearDown);
  }
  return () => {
    if (!scope) throw new Error('useNetns(): the scope exists only inside tests');
    return scope;
  };
}

function ipIn(ns: string | null): string[] {
  return ns === null ? ['ip'] : ['ip', '-n', ns];
}

function run(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      argv[0]!,
      argv.slice(1),
      { encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
        if (e && typeof e.code === 'string') return reject(new Error(`cannot run ${argv[0]}: ${e.message}`));
        const result = { stdout, stderr, code: e ? (typeof e.code === 'number' ? e.code : 1) : 0 };
        if (result.code !== 0 && !opts.allowFailure) reject(new NetnsError(argv, result));
        else resolve(result);
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

async function killAndWait(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), 2_000);
  await exited;
  clearTimeout(timer);
}

/** Processes left in a namespace keep it alive after `ip netns del`; end them first. */
async function killPidsIn(ns: string): Promise<void> {
  const res = await run(['ip', 'netns', 'pids', ns], { allowFailure: true });
  for (const pid of res.stdout.split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export function deleteNamespaceSync(ns: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
    for (const pid of pids.split(/\s+/).filter(Boolean).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  } catch {
    // The namespace may be half gone; deletion below still applies.
  }
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    // Best effort at exit.
  }
}
