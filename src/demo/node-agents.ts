/**
 * What runs on each demo node. Two ways, the same picture from outside:
 *
 *   reef-node  bin/reef-node: registers the Node, peers from the datastore
 *              (mesh + the ToR's BGPPeer), advertises the node's IPAM
 *              blocks, installs routes, runs the policy agent.
 *   reef-bgp   bin/reef-bgp with a config the demo writes: the same peers,
 *              and the node's blocks as its originate list (re-sent with
 *              SIGHUP once the pods have claimed them). No policy agent.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { ReefBgp, type ReefSpec, type Status } from '../../test/harness/daemons/reef-bgp.ts';
import type { DemoNet } from './namespaces.ts';
import { BIN } from './control-plane.ts';

export interface DemoNode {
  name: string;
  ns: string;
  /** Its address on the fabric, e.g. 10.0.0.11. */
  ip: string;
}

export interface Fabric {
  nodes: DemoNode[];
  prefixLen: number;
  torIp: string;
  torAs: number;
  clusterAs: number;
  etcdEndpoint: string;
}

export interface NodeAgent {
  readonly kind: 'reef-node' | 'reef-bgp';
  readonly node: DemoNode;
  start(): Promise<void>;
  /** The node now holds these blocks (reef-node finds out by itself). */
  setBlocks(blocks: string[]): void;
  status(): Promise<Status>;
  /** reef-node's status socket, for `reefctl node status`. */
  readonly statusSocket: string | undefined;
  readonly policy: boolean;
  logTail(): string;
  stop(): Promise<void>;
}

export class ReefBgpAgent implements NodeAgent {
  readonly kind = 'reef-bgp';
  readonly policy = false;
  readonly statusSocket = undefined;
  readonly node: DemoNode;
  private readonly bgp: ReefBgp;
  private readonly fabric: Fabric;
  private blocks: string[] = [];

  constructor(net: DemoNet, node: DemoNode, fabric: Fabric) {
    this.node = node;
    this.fabric = fabric;
    this.bgp = new ReefBgp(net.scope, node.ns);
  }

  private spec(): ReefSpec {
    const f = this.fabric;
    return {
      routerId: this.node.ip,
      asn: f.clusterAs,
      kernel: true,
      listen: { address: this.node.ip, port: 179 },
      originate: this.blocks,
      neighbors: [
        ...f.nodes.filter((n) => n !== this.node).map((n) => ({ ip: n.ip, asn: f.clusterAs, name: n.name })),
        { ip: f.torIp, asn: f.torAs, name: 'tor' },
      ],
    };
  }

  start(): Promise<void> {
    return this.bgp.start(this.spec());
  }

  setBlocks(blocks: string[]): void {
    this.blocks = blocks;
    this.bgp.reload(this.spec());
  }

  status(): Promise<Status> {
    return this.bgp.status();
  }

  logTail(): string {
    return this.bgp.logTail(20);
  }

  stop(): Promise<void> {
    return this.bgp.stop();
  }
}

export class ReefNodeAgent implements NodeAgent {
  readonly kind = 'reef-node';
  readonly policy = true;
  readonly node: DemoNode;
  private readonly net: DemoNet;
  private readonly fabric: Fabric;
  private readonly dir: string;
  private proc: ChildProcess | undefined;
  private log = '';

  constructor(net: DemoNet, node: DemoNode, fabric: Fabric) {
    this.net = net;
    this.node = node;
    this.fabric = fabric;
    this.dir = mkdtempSync(join(tmpdir(), `reef-demo-${node.name}-`));
    net.trackDir(this.dir);
  }

  get statusSocket(): string {
    return join(this.dir, 'status.sock');
  }

  async start(): Promise<void> {
    const env = {
      ...process.env,
      NODENAME: this.node.name,
      IP: `${this.node.ip}/${this.fabric.prefixLen}`,
      ETCD_ENDPOINTS: this.fabric.etcdEndpoint,
      REEF_STATUS_SOCKET: this.statusSocket,
      REEF_HTTP_LISTEN: 'none',
      REEF_LOG_LEVEL: process.env.REEF_LOG_LEVEL ?? 'info',
      REEF_IPAM_POLL_INTERVAL: '1s',
    };
    const p = this.net.scope.spawn(this.node.ns, [BIN('reef-node')], { env });
    this.proc = p;
    const keep = (c: Buffer): void => {
      this.log = (this.log + c.toString()).slice(-20_000);
    };
    p.stdout?.on('data', keep);
    p.stderr?.on('data', keep);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (p.exitCode !== null || p.signalCode !== null) throw new Error(`reef-node on ${this.node.name} exited (${p.exitCode ?? p.signalCode}):\n${this.logTail()}`);
      if (existsSync(this.statusSocket) && (await this.status().then(() => true, () => false))) return;
      if (Date.now() > deadline) throw new Error(`reef-node on ${this.node.name} did not answer on ${this.statusSocket}:\n${this.logTail()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  setBlocks(): void {
    // reef-node watches IPAM itself.
  }

  /** The BGP part of reef-node's status (src/node/README.md), in reef-bgp's shape. */
  async status(): Promise<Status> {
    const s = JSON.parse(await getUnix(this.statusSocket, '/status')) as { bgp?: Status };
    if (!s.bgp) throw new Error(`reef-node on ${this.node.name}: no BGP status yet`);
    return s.bgp;
  }

  /** What `reefctl node status` would print, when reefctl has the command. */
  async nodeStatus(): Promise<unknown> {
    return JSON.parse(await getUnix(this.statusSocket, '/status'));
  }

  logTail(): string {
    return this.log.split('\n').slice(-20).join('\n');
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(t);
  }
}

/** reef-node when it is there and says it serves a status socket; reef-bgp otherwise. */
export function pickAgent(wanted: 'auto' | 'reef-node' | 'reef-bgp'): 'reef-node' | 'reef-bgp' {
  if (wanted !== 'auto') return wanted;
  const readme = join(BIN('..'), 'src/node/README.md');
  const ready = existsSync(BIN('reef-node')) && existsSync(readme) && readFileSync(readme, 'utf8').includes('REEF_STATUS_SOCKET');
  return ready ? 'reef-node' : 'reef-bgp';
}

function getUnix(socketPath: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => ((res.statusCode ?? 0) >= 400 ? reject(new Error(`GET ${path}: HTTP ${res.statusCode}`)) : resolve(body)));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}
