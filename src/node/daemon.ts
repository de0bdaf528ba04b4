/**
 * reef-node: one per node. start() writes the node's own Node resource, then
 * runs what is enabled:
 *
 *   BgpController  Node/BGPPeer/BGPConfiguration watches + IPAM block poll -> Speaker, blackholes
 *   PolicyAgent    (felix) fed by PolicySource: this node's endpoints, policies, pools
 *   IpamGc         housekeeping: pending claims, dead nodes' blocks, leaked handles
 *   NodeHttp       status socket (GET /status) and /liveness /readiness /metrics
 *
 * stop() leaves the dataplane as it is: BGP leaves with graceful restart
 * (peers and our kernel keep the routes), felix's rules stay (the node stays
 * enforced, failing closed), blackholes stay.
 */
import { execRunner } from '../../felix/dataplane/command-runner.ts';
import { PolicyAgent, type AgentStatus } from '../../felix/agent.ts';
import { IpamGc } from '../../ipam/gc.ts';
import type { IpamStore } from '../../ipam/store.ts';
import { GATEWAY_HANDLE_PREFIX } from '../cni/gateway.ts';
import { openIpamStore } from '../cni/ipam-wiring.ts';
import { openDatastore } from '../datastore/index.ts';
import type { Datastore } from '../datastore/datastore.ts';
import { DatastoreNotFoundError } from '../datastore/errors.ts';
import { childLogger, type Logger } from '../lib/log.ts';
import type { Resource } from '../model/resource.ts';
import { resolveAddress } from './autodetect.ts';
import { BgpController, type BgpControllerStatus } from './bgp-controller.ts';
import { BlackholeRoutes } from './blackholes.ts';
import type { NodeBlock } from './blocks.ts';
import { ENV, type NodeConfig } from './config.ts';
import { NodeHttp } from './http.ts';
import { nodeRegistry } from './metrics.ts';
import { upsertOwnNode } from './node-resource.ts';
import { PolicySource } from './policy-source.ts';

export interface NodeStatus {
  readonly node: string;
  readonly ready: boolean;
  readonly notReady: readonly string[];
  readonly addresses: { readonly ipv4?: string; readonly ipv6?: string };
  readonly bgp?: BgpControllerStatus;
  readonly felix?: AgentStatus;
  readonly ipam: { readonly blocks: readonly NodeBlock[]; readonly gcIntervalSeconds: number };
}

export class NodeDaemon {
  readonly cfg: NodeConfig;
  readonly log: Logger;
  #ds: Datastore | undefined;
  #ipam: { store: IpamStore; close(): void } | undefined;
  #bgp: BgpController | undefined;
  #agent: PolicyAgent | undefined;
  #source: PolicySource | undefined;
  #gc: IpamGc | undefined;
  #http: NodeHttp | undefined;
  #node: Resource | undefined;
  #addresses: { ipv4?: string; ipv6?: string } = {};
  #abort = new AbortController();
  #stopping: Promise<void> | undefined;
  #starting: Promise<void> | undefined;
  #inUse: { at: number; ids: Promise<Set<string>> } | undefined;
  httpPort = 0;

  constructor(cfg: NodeConfig, log?: Logger) {
    this.cfg = cfg;
    this.log = log ?? childLogger({ component: 'reef-node', node: cfg.nodeName });
  }

  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const cfg = this.cfg;
    const ipv4 = resolveAddress(cfg.ipv4, 4, ENV.ip);
    const ipv6 = resolveAddress(cfg.ipv6, 6, ENV.ip6);
    this.#addresses = { ...(ipv4 !== undefined ? { ipv4 } : {}), ...(ipv6 !== undefined ? { ipv6 } : {}) };
    // Probes and the status socket answer from the start, so a node stuck on an unreachable datastore says why.
    this.#http = new NodeHttp(
      {
        status: () => this.status(),
        notReady: () => this.#notReady(),
        notLive: () => [],
        metrics: async () => ({ contentType: this.#registry.contentType, body: await this.#registry.metrics() }),
      },
      this.log,
    );
    await this.#http.listenSocket(cfg.statusSocket);
    if (cfg.httpListen !== undefined) this.httpPort = await this.#http.listenTcp(cfg.httpListen);

    const ds = (this.#ds = openDatastore(cfg.datastore));
    this.#node = await this.#retry('writing the Node resource', async () => {
      const r = await upsertOwnNode(ds, cfg.nodeName, {
        ...(ipv4 !== undefined ? { ipv4Address: ipv4 } : {}),
        ...(ipv6 !== undefined ? { ipv6Address: ipv6 } : {}),
        ...(cfg.asNumber !== undefined ? { asNumber: cfg.asNumber } : {}),
      });
      this.log.info(r.changed ? 'Node resource written' : 'Node resource up to date', { ipv4: ipv4 ?? '', ipv6: ipv6 ?? '', revision: r.node.metadata.resourceVersion ?? '' });
      return r.node;
    });
    if (this.#abort.signal.aborted) return;
    this.#ipam = openIpamStore({ ...cfg.datastore.etcd, callTimeoutMs: 4000 }, 4000);

    if (cfg.bgpEnabled) {
      this.#bgp = new BgpController({
        node: cfg.nodeName,
        datastore: ds,
        ipam: this.#ipam.store,
        log: this.log,
        kernelRoutes: cfg.kernelRoutes,
        restartTimeS: cfg.restartTimeS,
        blockPollMs: cfg.blockPollMs,
        ...(cfg.kernelRoutes ? { blackholes: new BlackholeRoutes(execRunner(), this.log.child({ part: 'blackholes' })) } : {}),
      });
      this.#bgp.start();
    }
    if (cfg.felixEnabled && !this.#abort.signal.aborted) {
      this.#agent = new PolicyAgent({ nodeName: cfg.nodeName, runner: execRunner(), log: this.log.child({ part: 'felix' }) });
      await this.#agent.start();
      this.#source = new PolicySource({ datastore: ds, agent: this.#agent, log: this.log.child({ part: 'policy-source' }) });
      this.#source.start();
    }
    if (cfg.gcIntervalMs > 0 && !this.#abort.signal.aborted) {
      this.#gc = new IpamGc({
        store: this.#ipam.store,
        clock: { now: () => Date.now() },
        graceMs: cfg.gcGraceMs,
        cooldownMs: 5_000,
        nodeExists: (n) => this.#nodeExists(n),
        isInUse: (h) => this.#handleInUse(h),
        log: this.log.child({ part: 'ipam-gc' }),
      });
      this.#gc.start(cfg.gcIntervalMs);
    }
    this.log.info('reef-node started', { bgp: cfg.bgpEnabled, felix: cfg.felixEnabled, ipamGcSeconds: cfg.gcIntervalMs / 1000, statusSocket: cfg.statusSocket });
  }

  /** Idempotent; leaves routes and rules in place (see the note at the top). */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#abort.abort();
      // A start still under way finishes (or gives up, on the abort) first, so nothing it makes is missed.
      await this.#starting?.catch(() => undefined);
      await Promise.allSettled([this.#source?.stop(), this.#gc?.stop(), this.#bgp?.stop()]);
      await this.#agent?.stop();
      await this.#http?.stop();
      this.#ipam?.close();
      await this.#ds?.close();
      this.log.info('reef-node stopped');
    })();
    return this.#stopping;
  }

  status(): NodeStatus {
    const notReady = this.#notReady();
    return {
      node: this.cfg.nodeName,
      ready: notReady.length === 0,
      notReady,
      addresses: this.#addresses,
      ...(this.#bgp ? { bgp: this.#bgp.status() } : {}),
      ...(this.#agent ? { felix: this.#agent.status() } : {}),
      ipam: { blocks: this.#bgp?.blocks ?? [], gcIntervalSeconds: this.cfg.gcIntervalMs / 1000 },
    };
  }

  get #registry(): ReturnType<typeof nodeRegistry> {
    this.#reg ??= nodeRegistry(() => this.status());
    return this.#reg;
  }
  #reg: ReturnType<typeof nodeRegistry> | undefined;

  #notReady(): string[] {
    const out: string[] = [];
    if (this.#node === undefined) out.push('the Node resource is not written yet');
    if (this.cfg.bgpEnabled && !this.#bgp?.synced) out.push('BGP: datastore watches not in sync yet');
    if (this.cfg.felixEnabled && !this.#agent?.status().synced) out.push('felix: policy input not in sync yet');
    const f = this.#agent?.status();
    if (f && f.failures > 0) out.push(`felix: ${f.failures} failed applies in a row: ${f.lastError ?? ''}`);
    return out;
  }

  async #retry<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
      try {
        return await fn();
      } catch (e) {
        if (this.#abort.signal.aborted) return undefined;
        this.log.warn(`${what} failed, retrying`, { err: e instanceof Error ? e.message : String(e), retryMs: delay });
        await new Promise<void>((r) => {
          const t = setTimeout(r, delay);
          this.#abort.signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
        });
        if (this.#abort.signal.aborted) return undefined;
      }
    }
  }

  async #nodeExists(name: string): Promise<boolean> {
    try {
      await this.#ds!.get({ kind: 'Node', name });
      return true;
    } catch (e) {
      if (e instanceof DatastoreNotFoundError) return false;
      throw e;
    }
  }

  /** A handle is live while a WorkloadEndpoint carries its container ID (`<network>.<containerID>`). */
  async #handleInUse(handle: string): Promise<boolean> {
    // reef-gateway reservations are the CNI plugin's to give back with the block's last pod.
    if (handle.startsWith(GATEWAY_HANDLE_PREFIX)) return true;
    const now = Date.now();
    if (this.#inUse === undefined || now - this.#inUse.at > 2_000) {
      const ids = this.#ds!.list('WorkloadEndpoint').then((l) => new Set(l.items.flatMap((r) => [(r.spec as { containerID?: string }).containerID ?? ''])));
      this.#inUse = { at: now, ids };
      ids.catch(() => (this.#inUse = undefined));
    }
    const ids = await this.#inUse.ids;
    const cid = handle.includes('.') ? handle.slice(handle.indexOf('.') + 1) : handle;
    return ids.has(cid) || ids.has(handle);
  }
}
