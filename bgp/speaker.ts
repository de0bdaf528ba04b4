/**
 * The Speaker: reef's BGP speaker behind a declarative API. Callers hand over
 * the whole desired set of peers and originated prefixes; the speaker diffs
 * and applies only the changes (MetalLB's shape). It knows nothing of
 * Kubernetes or etcd.
 *
 *   Listener ──socket──> PeerHandle.accept ──> Session ──UPDATE──> RibSink ──> Rib
 *   Rib.flush() (once per turn of the event loop, after the socket reads) ──> each AdjRibOut, KernelSync
 *   AdjRibOut ──next()──> UpdateBuilder ──> Session.sendRaw, only while writable
 *
 * See bgp/speaker/peer.ts for the per-peer life cycle and graceful restart.
 */
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { systemClock, type Clock, type TimerHandle } from '../src/lib/clock.ts';
import { childLogger, type Logger } from '../src/lib/log.ts';
import { Rib } from './rib/rib.ts';
import { formatKey, parsePrefix, type PrefixKey } from './rib/prefix-key.ts';
import { CEASE } from './wire/constants.ts';
import { ORIGIN, type PathAttributes } from './wire/types.ts';
import { KernelSync } from './speaker/kernel.ts';
import { Listener, normalizeAddress } from './speaker/listener.ts';
import { PeerHandle, type OwnRestart, type PeerHost } from './speaker/peer.ts';
import { sessionShape } from './speaker/peer-config.ts';
import { routesOf } from './speaker/routes.ts';
import type { FamilyName, OriginatedPrefix, PeerConfig, RouteInfo, SpeakerEvents, SpeakerOptions, SpeakerStatus } from './speaker/types.ts';

export class Speaker extends EventEmitter<SpeakerEvents> implements PeerHost {
  readonly rib: Rib;
  readonly clock: Clock;
  readonly log: Logger;
  readonly asNumber: number;
  readonly routerId: string;
  readonly ownRestart: OwnRestart | undefined;
  readonly listenAddress: string | undefined;
  readonly #o: SpeakerOptions;
  readonly #peers = new Map<string, PeerHandle>();
  readonly #shapes = new Map<string, string>();
  readonly #originated = new Map<PrefixKey, string>();
  #listener: Listener | undefined;
  #kernel: KernelSync | undefined;
  #flushQueued = false;
  #started = false;
  #stopping: Promise<void> | undefined;
  #awaiting: Set<PeerHandle> | null = null;
  #sweepTimer: TimerHandle | undefined;
  /** We found our own kernel routes at start: a restart, until the peers have resent their tables (RFC 4724 R bit). */
  #restarting = false;

  constructor(o: SpeakerOptions) {
    super();
    this.#o = o;
    this.clock = o.clock ?? systemClock;
    this.log = o.log ?? childLogger({ component: 'bgp', routerId: o.routerId });
    this.asNumber = o.asNumber;
    this.routerId = o.routerId;
    const gr = o.gracefulRestart;
    this.ownRestart = gr?.enabled ? { restartTime: gr.restartTime ?? 120, forwardingPreserved: o.kernel?.enabled === true, restarting: () => this.#restarting } : undefined;
    this.listenAddress = o.listen === false ? undefined : o.listen?.address;
    this.rib = new Rib({
      localAsn: o.asNumber,
      routerId: o.routerId,
      ...(o.clusterId !== undefined ? { clusterId: o.clusterId } : {}),
      maxPaths: o.multipath?.maxPaths ?? 1,
      ...(o.expectedPrefixes !== undefined ? { expectedPrefixes: o.expectedPrefixes } : {}),
    });
  }

  /** The bound BGP port (0 before start or without a listener). */
  get port(): number {
    return this.#listener?.port ?? 0;
  }

  /** Prefixes in the Loc-RIB table. */
  get ribCount(): number {
    return this.rib.size;
  }

  /** Paths across all peers (what BIRD's "imported" sums to). */
  get pathCount(): number {
    let n = 0;
    for (const p of this.#peers.values()) n += p.ribPeer.counters.accepted;
    return n + this.#originated.size;
  }

  get kernelRoutes(): number {
    return this.#kernel?.installed ?? 0;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const o = this.#o;
    if (o.kernel?.enabled) {
      this.#kernel = new KernelSync(this.rib, o.kernel, this.log.child({ part: 'fib' }), o.routeWriter);
      const adopt = this.ownRestart !== undefined;
      const adopted = await this.#kernel.start(adopt);
      if (adopt) {
        this.#restarting = adopted > 0;
        if (this.#restarting) this.log.info('restarting: kernel routes of ours kept, Restart State set in our OPENs', { adopted });
        this.#awaitConvergence();
      }
    }
    if (o.listen !== false) {
      this.#listener = new Listener({
        ...(o.listen?.address !== undefined ? { address: o.listen.address } : {}),
        port: o.listen?.port ?? 179,
        log: this.log,
        route: (remote) => {
          const p = this.#peers.get(remote);
          return p === undefined ? undefined : (s) => p.accept(s);
        },
      });
      await this.#listener.start();
    }
    for (const p of this.#peers.values()) p.start();
    this.scheduleFlush();
  }

  /** Cease / Administrative Shutdown to every peer. With graceful restart our kernel routes stay. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.clock.clearTimeout(this.#sweepTimer);
    this.#listener?.stop();
    if (this.ownRestart !== undefined) this.#kernel?.detach();
    for (const p of this.#peers.values()) p.remove(CEASE.ADMINISTRATIVE_SHUTDOWN, 'reef-bgp shutting down');
    this.#peers.clear();
    this.#flushNow();
    await this.#kernel?.stop();
    this.log.info('speaker stopped', { kernelRoutesKept: this.ownRestart !== undefined ? (this.#kernel?.installed ?? 0) : 0 });
  }

  /** An incoming connection accepted elsewhere (listen: false); unknown addresses are closed. */
  handleConnection(socket: net.Socket): void {
    const p = this.#peers.get(normalizeAddress(socket.remoteAddress));
    if (p === undefined) socket.destroy();
    else p.accept(socket);
  }

  /**
   * The whole desired set of peers: new ones start, missing ones get Cease /
   * Peer De-configured, ones whose session shape changed are reset, and ones
   * whose policy fields changed keep their session and get the change in
   * place (`updated`; see speaker/peer-config.ts for which field is which).
   */
  setPeers(peers: readonly PeerConfig[]): { added: number; removed: number; reset: number; updated: number } {
    if (this.#stopping) return { added: 0, removed: 0, reset: 0, updated: 0 };
    const want = new Map(peers.map((p) => [normalizeAddress(p.address), p]));
    let added = 0;
    let removed = 0;
    let reset = 0;
    let updated = 0;
    const reflection: PeerHandle[] = [];
    for (const [addr, h] of this.#peers) {
      const c = want.get(addr);
      if (c === undefined) {
        h.remove(CEASE.PEER_DECONFIGURED, 'peer removed from the configuration');
        this.#forget(addr, h);
        removed++;
      } else if (sessionShape(c) !== this.#shapes.get(addr)) {
        h.remove(CEASE.OTHER_CONFIGURATION_CHANGE, 'peer configuration changed');
        this.#forget(addr, h);
        reset++;
      } else {
        const changed = h.reconfigure({ ...c, address: addr });
        if (changed.length > 0) updated++;
        if (changed.includes('routeReflectorClient')) reflection.push(h);
      }
    }
    // Whether a peer's routes are reflected to the other iBGP peers depends on its client role.
    for (const h of this.#peers.values()) if (reflection.some((r) => r !== h)) h.resyncExport();
    for (const [addr, c] of want) {
      if (this.#peers.has(addr)) continue;
      const h = new PeerHandle(this, { ...c, address: addr });
      this.#peers.set(addr, h);
      this.#shapes.set(addr, sessionShape(c));
      if (this.#started) h.start();
      added++;
    }
    added -= reset;
    if (added + removed + reset + updated > 0) this.log.info('peers configured', { peers: this.#peers.size, added, removed, reset, updated });
    this.scheduleFlush();
    return { added, removed, reset, updated };
  }

  /** The whole desired set of prefixes we advertise. */
  setOriginated(prefixes: readonly OriginatedPrefix[]): { added: number; removed: number } {
    const want = new Map<PrefixKey, { sig: string; attrs: PathAttributes }>();
    for (const p of prefixes) {
      const communities = (p.communities ?? []).map((c) => {
        const [hi, lo] = c.split(':').map(Number);
        return ((hi! << 16) | lo!) >>> 0;
      });
      const attrs: PathAttributes = { origin: ORIGIN.IGP, ...(communities.length > 0 ? { communities } : {}) };
      want.set(parsePrefix(p.prefix), { sig: communities.join(','), attrs });
    }
    let added = 0;
    let removed = 0;
    for (const key of this.#originated.keys()) {
      if (want.has(key)) continue;
      this.rib.withdrawOriginated(key);
      this.#originated.delete(key);
      removed++;
    }
    for (const [key, w] of want) {
      if (this.#originated.get(key) === w.sig) continue;
      this.rib.originate(key, w.attrs);
      this.#originated.set(key, w.sig);
      added++;
    }
    if (added + removed > 0) this.log.info('originated prefixes changed', { prefixes: this.#originated.size, added, removed });
    this.scheduleFlush();
    return { added, removed };
  }

  status(): SpeakerStatus {
    return { routerId: this.routerId, asNumber: this.asNumber, peers: [...this.#peers.values()].map((p) => p.status()) };
  }

  routes(family?: FamilyName): RouteInfo[] {
    return routesOf(this.rib, family);
  }

  originated(): string[] {
    return [...this.#originated.keys()].map(formatKey);
  }

  // ---- PeerHost ------------------------------------------------------------------

  /** Hands collected input to the Rib and the Loc-RIB changes to their consumers, once per turn of the event loop. */
  scheduleFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => {
      this.#flushQueued = false;
      this.#flushNow();
    });
  }

  peerUp(p: PeerHandle): void {
    this.emit('peerUp', p.status());
  }

  peerDown(p: PeerHandle, reason: string): void {
    this.emit('peerDown', p.status(), reason);
  }

  converged(p: PeerHandle): void {
    if (this.#awaiting === null || !this.#awaiting.delete(p)) return;
    if (this.#awaiting.size === 0) this.#sweepKernel('every peer sent End-of-RIB');
  }

  #flushNow(): void {
    for (const p of this.#peers.values()) p.flushInput();
    const n = this.rib.pendingChanges;
    if (n === 0) return;
    this.rib.flush();
    this.emit('bestChanged', n);
    this.#kernel?.kick();
  }

  #forget(addr: string, h: PeerHandle): void {
    this.#peers.delete(addr);
    this.#shapes.delete(addr);
    this.#awaiting?.delete(h);
  }

  /** After our own restart: keep adopted kernel routes until the peers have resent their tables, or the restart time is over. */
  #awaitConvergence(): void {
    this.#awaiting = new Set(this.#peers.values());
    const s = this.ownRestart!.restartTime;
    if (this.#awaiting.size === 0) return void this.#sweepKernel('no peers configured');
    this.#sweepTimer = this.clock.setTimeout(() => this.#sweepKernel(`restart time ${s} s is over`), s * 1000);
  }

  #sweepKernel(why: string): void {
    this.#awaiting = null;
    this.#restarting = false;
    this.clock.clearTimeout(this.#sweepTimer);
    const k = this.#kernel;
    if (k === undefined || this.#stopping) return;
    this.log.info('removing kernel routes left from before the restart', { reason: why });
    // The sweep must see the Loc-RIB as it is now, not as of the last flush.
    this.#flushNow();
    void k.sweep();
  }
}

export type { FamilyName, OriginatedPrefix, PeerConfig, PeerStatus, PrefixRule, RouteInfo, SpeakerEvents, SpeakerOptions, SpeakerStatus } from './speaker/types.ts';
