/**
 * reef-bgp (bin/reef-bgp) inside a test namespace, the way the other
 * launchers run BIRD, GoBGP and FRR: a YAML config written from a DaemonSpec,
 * the program spawned with `-c FILE`, and its status API (HTTP over a unix
 * socket in the work directory) as the way to read sessions and the Loc-RIB.
 * Kernel routes are read with `ip route ... proto 85`, not through the API, so
 * a test sees what the kernel really holds.
 *
 * kill() is a crash (SIGKILL: nothing is withdrawn, kernel routes stay) and
 * start() again is the restart a graceful-restart test needs; the work
 * directory, and with it the stale status socket, survives between the two.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync, type WriteStream } from 'node:fs';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { NetnsScope } from '../netns.ts';
import { type DaemonSpec, type NeighborSpec, makeWorkdir, waitFor, endProcess } from './common.ts';

export const REEF_BGP_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bin/reef-bgp');
export const RTPROT_REEF = 85;

export interface ReefNeighborSpec extends NeighborSpec {
  name?: string;
  nextHopSelf?: boolean;
  keepOriginalNextHop?: boolean;
  maxPrefixes?: number;
  localAddress?: string;
}

export interface ReefSpec extends DaemonSpec {
  neighbors: ReefNeighborSpec[];
  /** ECMP width; 1 (the default here) turns multipath off. */
  maxPaths?: number;
  /** Speaker-wide graceful restart; per-neighbor `gracefulRestart` still applies. */
  gracefulRestart?: boolean;
  restartTime?: number;
  listen?: { address?: string; port?: number };
}

export interface PeerStatus {
  name: string;
  address: string;
  asNumber: number;
  state: string;
  uptimeSeconds?: number;
  lastError?: string | null;
  prefixes?: { received: number; accepted: number; advertised: number };
  families?: string[];
}

export interface Status {
  routerId: string;
  asNumber: number;
  peers: PeerStatus[];
}

export interface RibRoute {
  prefix: string;
  nextHops: string[];
  peer?: string;
  asPath?: unknown;
  localPref?: number;
  med?: number;
  origin?: string;
}

/** The config file reef-bgp reads (docs/reef-bgp.md), from a spec. */
export function reefBgpConfig(spec: ReefSpec, socket: string): Record<string, unknown> {
  const gr = spec.gracefulRestart ?? spec.neighbors.some((n) => n.gracefulRestart);
  return {
    asNumber: spec.asn,
    routerId: spec.routerId,
    ...(spec.listen ? { listen: spec.listen } : {}),
    ...(spec.clusterId ? { clusterId: spec.clusterId } : {}),
    multipath: { maxPaths: spec.maxPaths ?? 1 },
    kernel: { enabled: spec.kernel ?? true, protocol: RTPROT_REEF, table: 254, blackholeOriginated: false },
    gracefulRestart: { enabled: gr, restartTime: spec.restartTime ?? 60 },
    originate: (spec.originate ?? []).map((prefix) => ({ prefix })),
    peers: spec.neighbors.map((n) => ({
      name: n.name ?? n.ip,
      address: n.ip,
      asNumber: n.asn,
      passive: n.passive ?? false,
      holdTime: n.holdTime ?? 9,
      connectRetryTime: 1,
      ...(n.localAddress ? { localAddress: n.localAddress } : {}),
      ...(n.families ? { families: n.families } : {}),
      routeReflectorClient: n.rrClient ?? false,
      nextHopSelf: n.nextHopSelf ?? false,
      keepOriginalNextHop: n.keepOriginalNextHop ?? false,
      gracefulRestart: n.gracefulRestart ?? false,
      ...(n.maxPrefixes ? { maxPrefixes: n.maxPrefixes } : {}),
    })),
    status: { socket },
  };
}

export class ReefBgp {
  private readonly work = makeWorkdir('reefbgp');
  readonly socket = join(this.work.dir, 'bgp.sock');
  readonly configFile = join(this.work.dir, 'bgp.yaml');
  readonly logFile = join(this.work.dir, 'reef-bgp.log');
  private readonly scope: NetnsScope;
  readonly ns: string;
  private proc: ChildProcess | undefined;
  private log: WriteStream | undefined;
  private exitNote = '';

  constructor(scope: NetnsScope, ns: string) {
    this.scope = scope;
    this.ns = ns;
  }

  /** Writes the config, starts reef-bgp and waits until its status API answers. */
  async start(spec: ReefSpec): Promise<void> {
    this.writeConfig(spec);
    this.log ??= createWriteStream(this.logFile, { flags: 'a' });
    const log = this.log;
    log.write(`--- start ${new Date().toISOString()}\n`);
    const p = this.scope.spawn(this.ns, [REEF_BGP_BIN, '-c', this.configFile], {
      env: { ...process.env, REEF_LOG_LEVEL: process.env.REEF_BGP_LOG_LEVEL ?? 'debug', NODE_ENV: 'production' },
    });
    this.proc = p;
    this.exitNote = '';
    p.stdout?.on('data', (c: Buffer) => log.write(c));
    p.stderr?.on('data', (c: Buffer) => log.write(c));
    p.once('exit', (code, signal) => {
      this.exitNote = `reef-bgp exited (code ${code}, signal ${signal})`;
      log.write(`--- ${this.exitNote}\n`);
    });
    await waitFor(
      'reef-bgp status socket',
      async () => {
        if (p.exitCode !== null || p.signalCode !== null) throw new Error(`${this.exitNote}; log tail:\n${this.logTail()}`);
        return (await this.status()).routerId ? true : undefined;
      },
      20_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nreef-bgp log tail:\n${this.logTail()}`);
    });
  }

  /** Rewrites the config and sends SIGHUP, as an operator changing the file would. */
  reload(spec: ReefSpec): void {
    this.writeConfig(spec);
    if (!this.running) throw new Error('reef-bgp reload: not running');
    this.proc!.kill('SIGHUP');
  }

  get running(): boolean {
    const p = this.proc;
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get(path: string): Promise<string> {
    return new Promise((resolvePromise, reject) => {
      const req = request({ socketPath: this.socket, path, method: 'GET', timeout: 5_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 400) reject(new Error(`GET ${path}: HTTP ${res.statusCode}: ${body}`));
          else resolvePromise(body);
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${path}: timed out`)));
      req.on('error', reject);
      req.end();
    });
  }

  async status(): Promise<Status> {
    return JSON.parse(await this.get('/status')) as Status;
  }

  async routes(family: 'ipv4' | 'ipv6'): Promise<RibRoute[]> {
    return JSON.parse(await this.get(`/routes?family=${family}`)) as RibRoute[];
  }

  async route(prefix: string): Promise<RibRoute | undefined> {
    return (await this.routes(prefix.includes(':') ? 'ipv6' : 'ipv4')).find((r) => r.prefix === prefix);
  }

  async peer(address: string): Promise<PeerStatus | undefined> {
    return (await this.status()).peers.find((p) => p.address === address);
  }

  async state(address: string): Promise<string> {
    return (await this.peer(address))?.state ?? 'unknown';
  }

  waitEstablished(address: string, timeoutMs = 30_000): Promise<true> {
    return waitFor(
      `reef-bgp peer ${address} Established`,
      async () => ((await this.state(address)).toLowerCase() === 'established' ? true : undefined),
      timeoutMs,
    ).catch(async (e: Error) => {
      const st = await this.peer(address).catch(() => undefined);
      throw new Error(`${e.message}; last status ${JSON.stringify(st)}\nreef-bgp log tail:\n${this.logTail()}`);
    });
  }

  /** The last lines reef-bgp wrote, for failure messages. */
  logTail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** A crash: SIGKILL, nothing withdrawn, kernel routes left as they are. */
  async kill(): Promise<void> {
    await endProcess(this.proc, 'SIGKILL');
  }

  /** A clean stop (SIGTERM, SIGKILL after 5 s); removes the work directory. */
  async stop(): Promise<void> {
    await endProcess(this.proc, 'SIGTERM');
    await new Promise<void>((r) => (this.log ? this.log.end(r) : r()));
    this.log = undefined;
    if (!process.env.REEF_KEEP_LOGS) this.work.remove();
  }

  private writeConfig(spec: ReefSpec): void {
    writeFileSync(this.configFile, stringify(reefBgpConfig(spec, this.socket)));
  }
}
