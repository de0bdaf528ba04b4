/**
 * The demo's network namespaces, by name (`fabric`, `node1`, `node1-web-1`,
 * with an optional prefix), so a person can type `ip -n node1 route`. They
 * are recorded in a state file under /run/reef-demo before they are made:
 * a demo killed outright (SIGKILL) leaves that file, and the next run removes
 * what it lists once its pid is gone. A run never touches a namespace it did
 * not make: an existing name that no state file claims stops the demo.
 *
 * Processes go through a NetnsScope (test/harness), which starts them with a
 * parent-death signal: they die with the demo however it ends.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onExit, pidAlive } from '../../test/harness/exit-hooks.ts';
import { deleteNamespaceSync, listNamespaces, NetnsScope } from '../../test/harness/netns.ts';

const STATE_DIR = '/run/reef-demo';

interface State {
  pid: number;
  namespaces: string[];
  dirs: string[];
}

export class DemoNet {
  readonly scope = new NetnsScope();
  readonly prefix: string;
  private readonly stateFile: string;
  private readonly state: State = { pid: process.pid, namespaces: [], dirs: [] };
  private readonly unregister: () => void;

  constructor(prefix: string) {
    this.prefix = prefix;
    this.stateFile = join(STATE_DIR, `${prefix || 'default'}.json`);
    this.unregister = onExit(() => this.removeAllSync());
  }

  /** Removes what a dead earlier run with the same prefix left; refuses if that run is still alive. */
  sweepStale(): string[] {
    if (!existsSync(this.stateFile)) return [];
    const old = JSON.parse(readFileSync(this.stateFile, 'utf8')) as State;
    if (old.pid !== process.pid && pidAlive(old.pid)) {
      throw new Error(`another demo (pid ${old.pid}) is running with these namespaces; stop it first (Ctrl-C there)`);
    }
    for (const ns of old.namespaces) deleteNamespaceSync(ns);
    for (const d of old.dirs) rmSync(d, { recursive: true, force: true });
    rmSync(this.stateFile, { force: true });
    return old.namespaces;
  }

  name(base: string): string {
    return `${this.prefix}${base}`;
  }

  /** Refuses names that already exist, before anything is made. */
  checkFree(bases: readonly string[]): void {
    const existing = new Set(listNamespaces());
    const taken = bases.map((b) => this.name(b)).filter((n) => existing.has(n));
    if (taken.length > 0) {
      throw new Error(`network namespace(s) ${taken.join(', ')} already exist and are not this demo's; remove them or pass --ns-prefix`);
    }
  }

  async create(base: string): Promise<string> {
    const ns = this.name(base);
    this.state.namespaces.push(ns);
    this.save();
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /** A directory the teardown removes (etcd data, configs). */
  trackDir(dir: string): void {
    this.state.dirs.push(dir);
    this.save();
  }

  /** Processes first (so nothing holds a namespace), then namespaces, then directories. Idempotent. */
  async teardown(): Promise<void> {
    await this.scope.cleanup().catch(() => undefined);
    this.removeAllSync();
    this.unregister();
  }

  private removeAllSync(): void {
    for (const ns of this.state.namespaces.splice(0).reverse()) deleteNamespaceSync(ns);
    for (const d of this.state.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    rmSync(this.stateFile, { force: true });
    try {
      rmdirSync(STATE_DIR);
    } catch {
      // Another demo's state is still there.
    }
  }

  private save(): void {
    mkdirSync(STATE_DIR, { recursive: true });
    writeFileSync(this.stateFile, JSON.stringify(this.state));
  }
}

