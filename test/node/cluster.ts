/**
 * reef-nodes in network namespaces on one shared LAN, against one real etcd:
 * what the reef-node integration suites (two-nodes, topologies) share.
 *
 * The LAN (10.77.0.0/24) is a bridge in a namespace of its own, so any
 * number of nodes and external routers (BIRD) sit on one L2 segment and
 * every member's address is a directly connected next hop for the others.
 *
 * Reaching etcd: the harness runs etcd on the root namespace's 127.0.0.1,
 * which a process in another namespace cannot reach (loopback is per
 * namespace). Each node namespace gets a second veth to the root namespace
 * (10.78.<k>.0/30, a range made only for these tests; `etcdNet` picks k so
 * suites never share a root-namespace address), and the test process
 * forwards 10.78.<k>.1:<etcd port> to etcd's loopback port. BGP and the
 * routes under test stay on the LAN.
 */
import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpamAllocator } from '../../ipam/allocator.ts';
import { listPools, openIpamStore } from '../../src/cni/ipam-wiring.ts';
import { datastoreConfigFrom, openDatastore } from '../../src/datastore/index.ts';
import type { Datastore } from '../../src/datastore/datastore.ts';
import type { EtcdServer } from '../harness/etcd.ts';
import type { NetnsScope } from '../harness/netns.ts';
import { reefctl } from '../cli/run.ts';
import { Forwarder } from './forwarder.ts';

const BIN = new URL('../../bin/reef-node', import.meta.url).pathname;

export const LAN_PREFIX = '10.77.0';

export interface TestNode {
  name: string;
  ns: string;
  /** The node's address on the LAN (bare). */
  ip: string;
  socket: string;
  proc: ChildProcess;
  log: string[];
  /** Its IPAM block, once allocateBlocks() ran. */
  block?: string;
}

export interface PeerRow {
  name: string;
  address: string;
  state: string;
  type: string;
  source: string;
  prefixes?: { received: number; accepted: number; advertised: number };
}

export interface NodeStatus {
  node?: string;
  bgp?: { peers: PeerRow[]; originated?: string[] };
}

/** `a.b.c.d/nn` as a regular expression fragment. */
export const re = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export class NodeCluster {
  readonly nodes: TestNode[] = [];
  readonly #scope: NetnsScope;
  readonly #etcd: EtcdServer;
  readonly #etcdNet: number;
  readonly #forwarders: Forwarder[] = [];
  readonly #dir = mkdtempSync(join(tmpdir(), 'reef-node-it-'));
  #lan: string | undefined;
  #ports = 0;
  #ds: Datastore | undefined;

  /** `etcdNet`: the first third octet of this suite's 10.78.x.0/30 etcd links. */
  constructor(scope: NetnsScope, etcd: EtcdServer, opts: { etcdNet: number }) {
    this.#scope = scope;
    this.#etcd = etcd;
    this.#etcdNet = opts.etcdNet;
  }

  get env(): Record<string, string> {
    return { ETCD_ENDPOINTS: this.#etcd.endpoint };
  }

  /** A datastore client in the test process. */
  get ds(): Datastore {
    this.#ds ??= openDatastore(datastoreConfigFrom({ env: this.env }));
    return this.#ds;
  }

  /** `reefctl apply -f -` of a YAML document stream; throws on failure. */
  async apply(yaml: string): Promise<void> {
    const r = await reefctl(['apply', '-f', '-'], { stdin: yaml, env: this.env });
    if (r.code !== 0) throw new Error(`reefctl apply: ${r.stderr}`);
  }

  /** `reefctl delete KIND NAME`; throws on failure. */
  async delete(kind: string, name: string): Promise<void> {
    const r = await reefctl(['delete', kind, name], { env: this.env });
    if (r.code !== 0) throw new Error(`reefctl delete ${kind} ${name}: ${r.stderr}`);
  }

  /** Plugs interface `dev` of `ns` into the LAN with `LAN_PREFIX.<host>/24`. */
  async plug(ns: string, dev: string, host: number): Promise<string> {
    if (this.#lan === undefined) {
      const sw = await this.#scope.createNamespace();
      await this.#scope.exec(sw, ['ip', 'link', 'add', 'br0', 'type', 'bridge']);
      await this.#scope.linkUp(sw, 'br0');
      this.#lan = sw;
    }
    const port = `p${this.#ports++}`;
    await this.#scope.veth({ ns, name: dev, address: `${LAN_PREFIX}.${host}/24` }, { ns: this.#lan, name: port });
    await this.#scope.exec(this.#lan, ['ip', 'link', 'set', port, 'master', 'br0']);
    return `${LAN_PREFIX}.${host}`;
  }

  /** A namespace on the LAN at `LAN_PREFIX.<host>` (interface lan0), for an external router. */
  async router(host: number): Promise<{ ns: string; ip: string }> {
    const ns = await this.#scope.createNamespace();
    return { ns, ip: await this.plug(ns, 'lan0', host) };
  }

  /** Starts bin/reef-node as `name` in a new namespace at `LAN_PREFIX.<host>`. */
  async startNode(name: string, host: number): Promise<TestNode> {
    const scope = this.#scope;
    const ns = await scope.createNamespace();
    const ip = await this.plug(ns, 'lan0', host);
    const k = this.#etcdNet + this.nodes.length;
    const tag = process.pid % 100000;
    await scope.veth({ ns, name: 'etcd0', address: `10.78.${k}.2/30` }, { ns: null, name: `rnt${tag}-${k}`, address: `10.78.${k}.1/30` });
    const fw = new Forwarder(this.#etcd.port);
    await fw.listen(`10.78.${k}.1`, this.#etcd.port);
    this.#forwarders.push(fw);
    const socket = join(this.#dir, `${name}.sock`);
    const proc = scope.spawn(ns, [BIN], {
      env: {
        PATH: process.env.PATH,
        NODENAME: name,
        IP: `${ip}/24`,
        ETCD_ENDPOINTS: `10.78.${k}.1:${this.#etcd.port}`,
        REEF_STATUS_SOCKET: socket,
        REEF_BGP_RESTART_TIME: '5s',
        REEF_IPAM_GC_INTERVAL: '0',
        REEF_LOG_LEVEL: 'info',
      },
    });
    const n: TestNode = { name, ns, ip, socket, proc, log: [] };
    proc.stderr!.setEncoding('utf8').on('data', (c: string) => n.log.push(c));
    proc.stdout!.setEncoding('utf8').on('data', (c: string) => n.log.push(c));
    this.nodes.push(n);
    return n;
  }

  /** Gives every node a block through the IPAM allocator, as the CNI plugin's first pod on it would. */
  async allocateBlocks(): Promise<void> {
    const ipam = openIpamStore(datastoreConfigFrom({ env: this.env }).etcd, 4000);
    try {
      const alloc = new IpamAllocator({ store: ipam.store, pools: () => listPools(this.ds) });
      for (const n of this.nodes) {
        const got = await alloc.autoAssign({ num4: 1, num6: 0, handle: `k8s-pod-network.ctr-${n.name}`, node: n.name });
        const ip = got.ipv4[0]!.split('/')[0]!;
        n.block = `${ip.split('.').slice(0, 3).join('.')}.${Number(ip.split('.')[3]) & ~63}/26`;
      }
    } finally {
      ipam.close();
    }
  }

  node(name: string): TestNode {
    const n = this.nodes.find((x) => x.name === name);
    if (n === undefined) throw new Error(`no test node ${name}`);
    return n;
  }

  /** `reefctl node status -o json` against the node's status socket. */
  async status(n: TestNode): Promise<NodeStatus> {
    const r = await reefctl(['node', 'status', '--socket', n.socket, '-o', 'json']);
    if (r.code !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as NodeStatus;
  }

  /** `reefctl node status` as text (the calicoctl-style table). */
  async statusText(n: TestNode): Promise<string> {
    const r = await reefctl(['node', 'status', '--socket', n.socket]);
    if (r.code !== 0) throw new Error(r.stderr);
    return r.stdout;
  }

  async routes(n: TestNode, ...sel: string[]): Promise<string> {
    return (await this.#scope.exec(n.ns, ['ip', '-4', 'route', 'show', ...sel])).stdout;
  }

  /** Polls `fn` until it returns a value; on timeout the error carries the nodes' log tails. */
  async eventually<T>(what: string, fn: () => Promise<T | undefined>, deadlineMs = 30_000): Promise<T> {
    const end = Date.now() + deadlineMs;
    let last: unknown;
    while (Date.now() < end) {
      try {
        const v = await fn();
        if (v !== undefined) return v;
      } catch (e) {
        last = e;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const logs = this.nodes.map((n) => `--- ${n.name} ---\n${n.log.join('').split('\n').slice(-25).join('\n')}`).join('\n');
    throw new Error(`${what}: not reached within ${deadlineMs / 1000} s (${String(last ?? 'no error')})\n${logs}`);
  }

  /** Waits until `me` has an Established session with `addr`; returns its status row. */
  established(me: TestNode, addr: string): Promise<PeerRow> {
    return this.eventually(`${me.name} Established with ${addr}`, async () => (await this.status(me)).bgp?.peers.find((p) => p.address === addr && p.state === 'Established'));
  }

  /** Waits until `me`'s kernel has a proto 85 route for `prefix`; returns `ip route show proto 85`. */
  learned(me: TestNode, prefix: string): Promise<string> {
    return this.eventually(`${me.name} route to ${prefix}`, async () => {
      const out = await this.routes(me, 'proto', '85');
      return out.includes(prefix) ? out : undefined;
    });
  }

  /** Forwarders, the datastore client and the socket directory; the netns scope removes the rest. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#forwarders.map((f) => f.close()));
    await this.#ds?.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
