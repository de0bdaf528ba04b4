/**
 * Feeds the BGP speaker from the datastore. Watches Node, BGPPeer and
 * BGPConfiguration (each lists, then streams), polls this node's IPAM block
 * affinities, and on any change (debounced) recomputes the whole desired
 * state: peers (peers.ts) and originated prefixes (originated.ts), handed to
 * the speaker declaratively, plus the blackholes for our blocks.
 *
 * Nothing is configured until every watch has caught up, so a half-read
 * datastore never tears down sessions. The AS number, router ID, listen
 * port and cluster ID are fixed for a Speaker; when they change the speaker
 * is replaced (stopped with graceful restart, so the kernel keeps its routes
 * and the new one adopts them).
 */
import { Speaker } from '../../bgp/speaker.ts';
import type { SpeakerStatus } from '../../bgp/speaker/types.ts';
import type { IpamStore } from '../../ipam/store.ts';
import type { Datastore, WatchEvent } from '../datastore/datastore.ts';
import type { Logger } from '../lib/log.ts';
import type { Kind, Resource } from '../model/resource.ts';
import type { BlackholeRoutes } from './blackholes.ts';
import { readNodeBlocks, type NodeBlock } from './blocks.ts';
import { originatedPrefixes } from './originated.ts';
import { computePeers, settingsFor, type BgpPlan, type NodePeer, type PeerType } from './peers.ts';

export interface BgpControllerOptions {
  readonly node: string;
  readonly datastore: Pick<Datastore, 'watch'>;
  readonly ipam: IpamStore;
  readonly log: Logger;
  readonly kernelRoutes: boolean;
  readonly restartTimeS: number;
  readonly blockPollMs: number;
  readonly blackholes?: BlackholeRoutes;
  readonly debounceMs?: number;
  /** Tests: speakers without kernel access or a listener. */
  readonly speakerFactory?: (o: ConstructorParameters<typeof Speaker>[0]) => Speaker;
}

export interface BgpControllerStatus extends Partial<SpeakerStatus> {
  readonly synced: boolean;
  readonly peers: readonly (SpeakerStatus['peers'][number] & { type: PeerType; source: string })[];
  readonly originated: readonly string[];
  readonly warnings: readonly string[];
}

const KINDS = ['Node', 'BGPPeer', 'BGPConfiguration'] as const satisfies readonly Kind[];
type WatchedKind = (typeof KINDS)[number];

export class BgpController {
  readonly #o: BgpControllerOptions;
  readonly #objects = new Map<WatchedKind, Map<string, Resource>>(KINDS.map((k) => [k, new Map()]));
  readonly #unsynced = new Set<string>([...KINDS, 'blocks']);
  #blocks: NodeBlock[] = [];
  #abort: AbortController | undefined;
  #loops: Promise<void>[] = [];
  #timer: NodeJS.Timeout | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #speaker: Speaker | undefined;
  #shape = '';
  #plan: BgpPlan | undefined;
  #types = new Map<string, NodePeer>();
  #warned = new Set<string>();
  #applying: Promise<void> = Promise.resolve();

  constructor(o: BgpControllerOptions) {
    this.#o = o;
  }

  get blocks(): readonly NodeBlock[] {
    return this.#blocks;
  }

  get synced(): boolean {
    return this.#unsynced.size === 0;
  }

  get speaker(): Speaker | undefined {
    return this.#speaker;
  }

  start(): void {
    if (this.#abort) return;
    const abort = (this.#abort = new AbortController());
    this.#loops = KINDS.map((k) => this.#watch(k, abort.signal));
    void this.#poll(abort.signal);
  }

  /** Stops watching; the speaker leaves with graceful restart (routes kept). Idempotent. */
  async stop(): Promise<void> {
    this.#abort?.abort();
    clearTimeout(this.#timer);
    clearTimeout(this.#pollTimer);
    clearTimeout(this.#retry);
    await Promise.allSettled(this.#loops);
    await this.#applying;
    await this.#speaker?.stop();
  }

  status(): BgpControllerStatus {
    const s = this.#speaker?.status();
    const peers = (s?.peers ?? []).map((p) => {
      const t = this.#types.get(p.address);
      return { ...p, type: t?.type ?? ('global' as PeerType), source: t?.source ?? '' };
    });
    return { ...(s ?? {}), synced: this.synced, peers, originated: this.#speaker?.originated() ?? [], warnings: [...this.#warned] };
  }

  async #watch(kind: WatchedKind, signal: AbortSignal): Promise<void> {
    const objs = this.#objects.get(kind)!;
    while (!signal.aborted) {
      // A restarted watch lists again: what it does not list by its `synced` was deleted meanwhile.
      const listed = new Set<string>();
      let relisting = true;
      try {
        for await (const ev of this.#o.datastore.watch(kind, { signal })) {
          if (signal.aborted) return;
          if (relisting && ev.type !== 'synced') listed.add(ev.object.metadata.name);
          if (relisting && ev.type === 'synced') {
            relisting = false;
            for (const name of [...objs.keys()]) if (!listed.has(name)) objs.delete(name);
          }
          this.#onEvent(kind, objs, ev);
        }
      } catch (e) {
        if (signal.aborted) return;
        this.#o.log.warn('watch failed, retrying', { kind, err: e instanceof Error ? e.message : String(e) });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  #onEvent(kind: WatchedKind, objs: Map<string, Resource>, ev: WatchEvent): void {
    if (ev.type === 'synced') {
      if (this.#unsynced.delete(kind)) this.#o.log.info('datastore watch in sync', { kind, objects: objs.size });
    } else if (ev.type === 'deleted') objs.delete(ev.object.metadata.name);
    else objs.set(ev.object.metadata.name, ev.object);
    this.#schedule();
  }

  async #poll(signal: AbortSignal): Promise<void> {
    try {
      const blocks = await readNodeBlocks(this.#o.ipam, this.#o.node, signal);
      const changed = JSON.stringify(blocks.map((b) => b.cidr)) !== JSON.stringify(this.#blocks.map((b) => b.cidr));
      this.#blocks = blocks;
      if (changed || this.#unsynced.delete('blocks')) this.#schedule();
    } catch (e) {
      if (!signal.aborted) this.#o.log.warn('reading IPAM blocks failed', { err: e instanceof Error ? e.message : String(e) });
    }
    if (!signal.aborted) this.#pollTimer = setTimeout(() => void this.#poll(signal), this.#o.blockPollMs);
  }

  #schedule(): void {
    if (!this.synced || this.#timer !== undefined || this.#retry !== undefined || this.#abort?.signal.aborted) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#applying = this.#applying
        .then(() => this.#apply())
        .catch((e: unknown) => {
          this.#o.log.error('applying BGP configuration failed, retrying', { err: e instanceof Error ? e.message : String(e) });
          this.#retry = setTimeout(() => {
            this.#retry = undefined;
            this.#schedule();
          }, 2000);
        });
    }, this.#o.debounceMs ?? 20);
  }

  async #apply(): Promise<void> {
    if (this.#abort?.signal.aborted) return;
    const list = (k: WatchedKind): Resource[] => [...this.#objects.get(k)!.values()];
    const configs = list('BGPConfiguration');
    const plan = computePeers({ self: this.#o.node, nodes: list('Node'), bgpPeers: list('BGPPeer'), configs });
    const orig = originatedPrefixes(
      this.#blocks.map((b) => b.cidr),
      settingsFor(this.#o.node, configs).cluster,
    );
    for (const w of [...(plan?.warnings ?? []), ...orig.warnings]) {
      if (!this.#warned.has(w)) this.#o.log.warn('BGP configuration partly supported', { detail: w });
      this.#warned.add(w);
    }
    this.#plan = plan;
    await this.#o.blackholes?.set(this.#o.kernelRoutes ? this.#blocks.map((b) => b.cidr) : []);
    if (plan === undefined) {
      if (this.#speaker) this.#o.log.warn('this node has no BGP address in its Node resource; BGP stopped', { node: this.#o.node });
      await this.#replaceSpeaker(undefined, '');
      return;
    }
    const shape = JSON.stringify([plan.asNumber, plan.routerId, plan.listenPort, plan.clusterId]);
    this.#types = new Map(plan.peers.map((p) => [p.config.address, p]));
    const configure = (sp: Speaker): void => {
      sp.setPeers(plan.peers.map((p) => p.config));
      sp.setOriginated(orig.prefixes);
    };
    if (shape !== this.#shape || this.#speaker === undefined) await this.#replaceSpeaker(plan, shape, configure);
    else configure(this.#speaker);
  }

  /** `configure` runs before start(): after a restart, the kept kernel routes wait for exactly these peers' End-of-RIB. */
  async #replaceSpeaker(plan: BgpPlan | undefined, shape: string, configure?: (sp: Speaker) => void): Promise<void> {
    const old = this.#speaker;
    this.#speaker = undefined;
    this.#shape = shape;
    if (old) await old.stop();
    if (plan === undefined) return;
    const opts = {
      asNumber: plan.asNumber,
      routerId: plan.routerId,
      listen: { port: plan.listenPort },
      ...(plan.clusterId !== undefined ? { clusterId: plan.clusterId } : {}),
      multipath: { maxPaths: 8 },
      kernel: { enabled: this.#o.kernelRoutes },
      gracefulRestart: { enabled: true, restartTime: this.#o.restartTimeS },
      log: this.#o.log.child({ part: 'bgp' }),
    };
    const sp = this.#o.speakerFactory ? this.#o.speakerFactory(opts) : new Speaker(opts);
    try {
      configure?.(sp);
      await sp.start();
    } catch (e) {
      // The next apply tries again with a fresh speaker.
      this.#shape = '';
      await sp.stop().catch(() => undefined);
      throw e;
    }
    this.#speaker = sp;
    this.#o.log.info('BGP speaker started', { asNumber: plan.asNumber, routerId: plan.routerId, port: sp.port, clusterId: plan.clusterId ?? '' });
  }

  /** For the status socket: the plan last applied. */
  get plan(): BgpPlan | undefined {
    return this.#plan;
  }
}
