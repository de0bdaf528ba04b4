/**
 * The demo's datastore: a throwaway etcd inside the fabric namespace,
 * listening on the fabric's loopback and on its bridge address, so the
 * nodes reach it over the L2 segment as real nodes reach a control plane.
 * The root namespace never talks to it: reefctl and etcdctl run inside the
 * fabric namespace.
 */
import { mkdtempSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { ExecResult } from '../../test/harness/netns.ts';
import type { DemoNet } from './namespaces.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = (name: string): string => resolve(ROOT, 'bin', name);

export class FabricEtcd {
  private proc: ChildProcess | undefined;
  private stderr = '';
  private readonly net: DemoNet;
  readonly ns: string;
  /** Where the nodes find it: the fabric's bridge address. */
  readonly endpoint: string;

  constructor(net: DemoNet, ns: string, address: string) {
    this.net = net;
    this.ns = ns;
    this.endpoint = `${address}:2379`;
  }

  async start(): Promise<void> {
    const dir = mkdtempSync('/dev/shm/reef-demo-etcd-');
    this.net.trackDir(dir);
    const host = this.endpoint.split(':')[0]!;
    this.proc = this.net.scope.spawn(this.ns, [
      'etcd', '--name', 'demo', '--data-dir', dir,
      '--listen-client-urls', `http://127.0.0.1:2379,http://${host}:2379`,
      '--advertise-client-urls', `http://${host}:2379`,
      '--listen-peer-urls', 'http://127.0.0.1:2380',
      '--initial-advertise-peer-urls', 'http://127.0.0.1:2380',
      '--initial-cluster', 'demo=http://127.0.0.1:2380',
      '--heartbeat-interval', '20', '--election-timeout', '200',
      '--logger', 'zap', '--log-level', 'error',
    ]);
    this.proc.stderr?.on('data', (c: Buffer) => (this.stderr = (this.stderr + c.toString()).slice(-2000)));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (this.proc.exitCode !== null) throw new Error(`etcd exited: ${this.stderr.trim()}`);
      const r = await this.etcdctl(['endpoint', 'health']);
      if (r.code === 0) return;
      if (Date.now() > deadline) throw new Error(`etcd did not become healthy: ${r.stderr.trim()} ${this.stderr.trim()}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  etcdctl(args: readonly string[]): Promise<ExecResult> {
    return this.net.scope.exec(this.ns, ['env', 'ETCDCTL_API=3', 'etcdctl', '--endpoints', '127.0.0.1:2379', '--command-timeout', '3s', ...args], { allowFailure: true, timeoutMs: 10_000 });
  }

  /** reefctl inside the fabric namespace; throws with its stderr on a non-zero exit. */
  async reefctl(args: readonly string[], stdin?: string): Promise<string> {
    const r = await this.net.scope.exec(this.ns, ['env', 'ETCD_ENDPOINTS=127.0.0.1:2379', 'REEF_LOG_LEVEL=error', BIN('reefctl'), ...args], {
      allowFailure: true,
      timeoutMs: 30_000,
      ...(stdin !== undefined ? { input: stdin } : {}),
    });
    if (r.code !== 0) throw new Error(`reefctl ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** The blocks IPAM has given `node` (its confirmed affinities), e.g. `10.244.0.64/26`. */
  async blocksOf(node: string): Promise<string[]> {
    const r = await this.etcdctl(['get', '--prefix', '--keys-only', `/reef/v1/ipam/affinities/${node}/`]);
    if (r.code !== 0) throw new Error(`etcdctl: ${r.stderr.trim()}`);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((k) => k.slice(k.lastIndexOf('/') + 1))
      .map((b) => b.replace(/-(\d+)$/, '/$1'))
      .sort();
  }
}
