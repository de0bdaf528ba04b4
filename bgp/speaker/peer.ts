/**
 * One configured neighbour: its Session, its RibPeer (kept across sessions so
 * graceful restart can hold its routes), the sink that feeds the Rib, and
 * while Established an Adj-RIB-Out drained into UPDATEs only while the socket
 * can take more.
 *
 *   established -> rib.peerUp, Adj-RIB-Out started (whole Loc-RIB pending), End-of-RIB after it
 *   down        -> rib.peerDown; stale marking when the peer negotiated graceful restart and the
 *                  session ended without a NOTIFICATION; its End-of-RIB or the timer sweeps them
 *   ROUTE-REFRESH from the peer -> the Adj-RIB-Out replayed
 *   policy fields changed (peer-config.ts) -> applied to the running session: import re-run over
 *                  the kept Adj-RIB-In, the Adj-RIB-Out resynced (the difference goes out)
 */
import net from 'node:net';
import type { TimerHandle } from '../../src/lib/clock.ts';
import type { Logger } from '../../src/lib/log.ts';
import { AdjRibOut } from '../rib/adj-rib-out.ts';
import type { RibPeer, RibPeerConfig } from '../rib/peer.ts';
import type { Rib } from '../rib/rib.ts';
import { DOWN_KIND, type DownReason } from '../session/events.ts';
import type { Negotiated } from '../session/open-check.ts';
import { Session } from '../session/session.ts';
import { SocketTransport, type Dialer } from '../session/transport.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { CEASE } from '../wire/constants.ts';
import { exportNothing, exportPolicy, rulesPolicy } from './filters.ts';
import { policyChanges, type PolicyField } from './peer-config.ts';
import { RibSink } from './rib-sink.ts';
import type { FamilyName, PeerConfig, PeerStatus } from './types.ts';
import { UpdateBuilder } from './update-builder.ts';

/** Our own graceful-restart capability as the peers see it; `restarting()` while we recover from our own restart. */
export interface OwnRestart {
  readonly restartTime: number;
  readonly forwardingPreserved: boolean;
  restarting(): boolean;
}

export interface PeerHost {
  readonly rib: Rib;
  readonly clock: Clock;
  readonly log: Logger;
  readonly asNumber: number;
  readonly routerId: string;
  /** undefined: not announced. */
  readonly ownRestart: OwnRestart | undefined;
  readonly listenAddress: string | undefined;
  scheduleFlush(): void;
  peerUp(p: PeerHandle): void;
  peerDown(p: PeerHandle, reason: string): void;
  /** The peer sent End-of-RIB for every family (its initial table is in). */
  converged(p: PeerHandle): void;
}

/** Bytes handed to the socket per write, and writes per turn of the event loop, so keepalives still get out. */
const WRITE_BYTES = 256 * 1024;
const WRITES_PER_TURN = 16;
/** After a graceful restart, how long the peer gets to send End-of-RIB before its stale routes go (s). */
const STALE_TIME = 300;

export const familiesOf = (c: PeerConfig): readonly FamilyName[] => c.families ?? [c.address.includes(':') ? 'ipv6' : 'ipv4'];
const unmapped = (a: string | undefined): string | undefined => (a?.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a);

/** Policy fields that change what goes out to the peer. */
const EXPORT_FIELDS: readonly PolicyField[] = ['export', 'nextHopSelf', 'keepOriginalNextHop', 'routeReflectorClient'];

export class PeerHandle {
  #config: PeerConfig;
  name: string;
  readonly ribPeer: RibPeer;
  readonly session: Session;
  readonly log: Logger;
  readonly #host: PeerHost;
  readonly #sink: RibSink;
  #negotiated: Negotiated | undefined;
  #aro: AdjRibOut | null = null;
  #builder: UpdateBuilder | null = null;
  #families = { ipv4: false, ipv6: false };
  #localAddress: string | undefined;
  #upSince: number | undefined;
  #lastError: string | null = null;
  #pumpQueued = false;
  #eorSent = false;
  #eorAwaited = new Set<number>();
  #staleTimer: TimerHandle | undefined;
  #removing = false;
  /** After our own restart (RFC 4724 4.1): nothing is advertised to this peer until its End-of-RIB, or the restart time. */
  #deferred = false;
  #deferTimer: TimerHandle | undefined;

  constructor(host: PeerHost, config: PeerConfig) {
    this.#host = host;
    this.#config = config;
    this.name = config.name ?? config.address;
    this.log = host.log.child({ peer: config.address, peerAs: config.asNumber, peerName: this.name });
    this.ribPeer = host.rib.addPeer(this.#ribConfig(config, undefined));
    this.#sink = new RibSink(host.rib, this.ribPeer, {
      maxPrefix: (dropped) => queueMicrotask(() => this.#maxPrefix(dropped)),
      endOfRib: (afi) => this.#endOfRib(afi),
      dirty: () => host.scheduleFlush(),
      treatAsWithdraw: (reason) => this.log.warn('UPDATE treated as withdraw (RFC 7606)', { reason }),
    });
    const fams = familiesOf(config).map((f) => ({ afi: f === 'ipv4' ? 1 : 2, safi: 1 }));
    const grHere = config.gracefulRestart !== false ? host.ownRestart : undefined;
    this.session = new Session({
      config: {
        localAs: host.asNumber,
        peerAs: config.asNumber,
        localRouterId: host.routerId,
        peerAddress: config.address,
        holdTime: config.holdTime ?? 90,
        passive: config.passive ?? false,
        families: fams,
        connectRetryTime: config.connectRetryTime ?? 5,
        idleHoldTime: 1,
        maxIdleHoldTime: 60,
        ...(grHere !== undefined ? { gracefulRestart: grHere } : {}),
      },
      sink: this.#sink,
      ...(config.passive ? {} : { dialer: this.#dialer() }),
      clock: host.clock,
      log: this.log,
    });
    this.session.on('established', (n) => this.#established(n));
    this.session.on('down', (why) => this.#down(why));
    this.session.on('routeRefresh', () => this.#replay());
  }

  get config(): PeerConfig {
    return this.#config;
  }

  start(): void {
    this.session.start();
  }

  /**
   * A config with the same session shape (peer-config.ts): the name and the
   * policy fields take effect on the running session. Returns the policy
   * fields that changed. A limit the peer is now over ends the session, as
   * it would on the next UPDATE.
   */
  reconfigure(next: PeerConfig): PolicyField[] {
    const changed = policyChanges(this.#config, next);
    this.#config = next;
    this.name = next.name ?? next.address;
    if (changed.length === 0) return changed;
    const rib = this.#host.rib;
    const acceptedBefore = this.ribPeer.counters.accepted;
    rib.reconfigure(this.ribPeer, this.#ribConfig(next, this.ribPeer.config.localAddress));
    const limit = changed.includes('import') || changed.includes('maxPrefixes') ? rib.reimport(this.ribPeer) : undefined;
    if (changed.some((f) => EXPORT_FIELDS.includes(f))) this.resyncExport();
    this.log.info('peer policy applied without a session reset', {
      fields: changed.join(','),
      acceptedBefore,
      accepted: this.ribPeer.counters.accepted,
      ...(this.#aro !== null ? { updatesPending: this.#aro.pendingPrefixes } : {}),
    });
    this.#host.scheduleFlush();
    if (limit?.maxPrefixExceeded === true && this.#up) this.#maxPrefix(limit.dropped);
    return changed;
  }

  /**
   * What we send the peer may have changed although the Loc-RIB did not
   * (its export settings, or another peer's reflection role): the
   * difference goes out. With `export: none` since the session came up
   * there is nothing sent yet, so the Adj-RIB-Out simply starts.
   */
  resyncExport(): void {
    if (this.#aro === null) this.#startExport();
    else this.#aro.resync();
    this.#schedulePump();
  }

  /** An incoming connection from this peer's address. */
  accept(socket: net.Socket): void {
    this.#localAddress = unmapped(socket.localAddress);
    this.session.accept(this.#transport(socket));
  }

  /**
   * One socket read per turn of the event loop: libuv would otherwise read a
   * busy socket up to 32 times (2 MB) before anything else runs, so the status
   * API, other peers and the Loc-RIB flush would wait for a whole table.
   * Registered after the transport's own listener, so it runs once the chunk
   * has been through the session.
   */
  #transport(socket: net.Socket): SocketTransport {
    const t = new SocketTransport(socket);
    let paused = false;
    socket.on('data', () => {
      this.#host.scheduleFlush();
      if (paused) return;
      paused = true;
      socket.pause();
      setImmediate(() => {
        paused = false;
        if (!socket.destroyed) socket.resume();
      });
    });
    return t;
  }

  /** Ends the session for good (peer removed, reconfigured, or shutdown) and takes its routes out of the Rib. */
  remove(subcode: number, text: string, keepRoutes = false): void {
    this.#removing = !keepRoutes;
    this.#host.clock.clearTimeout(this.#staleTimer);
    if (subcode === CEASE.ADMINISTRATIVE_SHUTDOWN) this.session.stop(text);
    else this.session.cease(subcode, text, { restart: false });
    if (!keepRoutes) this.#host.rib.removePeer(this.ribPeer);
    this.#host.scheduleFlush();
  }

  /** Hands what the sink collected to the Rib (before a Loc-RIB flush). */
  flushInput(): void {
    this.#sink.flush();
  }

  get staleRoutes(): number {
    return this.ribPeer.staleCount;
  }

  status(): PeerStatus {
    const c = this.ribPeer.counters;
    const n = this.#negotiated;
    return {
      name: this.name,
      address: this.config.address,
      asNumber: this.config.asNumber,
      state: this.session.state,
      uptimeSeconds: this.#upSince === undefined ? 0 : Math.floor((this.#host.clock.now() - this.#upSince) / 1000),
      lastError: this.#lastError,
      prefixes: { received: c.received, accepted: c.accepted, advertised: c.advertised },
      families: n !== undefined ? n.families.map((f): FamilyName => (f.afi === 1 ? 'ipv4' : 'ipv6')) : familiesOf(this.config),
    };
  }

  #dialer(): Dialer {
    const c = this.config;
    const family = c.address.includes(':') ? 6 : 4;
    const la = c.localAddress ?? this.#host.listenAddress;
    const localAddress = la !== undefined && (la.includes(':') ? 6 : 4) === family && la !== '0.0.0.0' && la !== '::' ? la : undefined;
    return (signal) =>
      new Promise((resolve, reject) => {
        const socket = net.connect({ host: c.address, port: c.port ?? 179, ...(localAddress ? { localAddress } : {}), signal });
        const fail = (e: Error): void => {
          socket.destroy();
          reject(e);
        };
        socket.once('error', fail);
        socket.setTimeout(5000, () => fail(new Error(`connect to ${c.address} timed out`)));
        socket.once('connect', () => {
          socket.off('error', fail);
          socket.setTimeout(0);
          this.#localAddress = unmapped(socket.localAddress);
          resolve(this.#transport(socket));
        });
      });
  }

  #established(n: Negotiated): void {
    const host = this.#host;
    this.#negotiated = n;
    this.#upSince = host.clock.now();
    this.#sink.reset(n.fourOctetAs, {
      ebgp: this.config.asNumber !== host.asNumber,
      peerAs: this.config.asNumber,
      localRouterId: host.routerId,
      clusterId: host.rib.config.clusterId ?? host.routerId,
      enforceFirstAs: this.config.enforceFirstAs ?? true,
      ...(this.#localAddress !== undefined ? { localAddress: this.#localAddress } : {}),
    });
    host.rib.peerUp(this.ribPeer, n.peerRouterId);
    this.#families = { ipv4: n.families.some((f) => f.afi === 1), ipv6: n.families.some((f) => f.afi === 2) };
    this.#eorAwaited = new Set(n.families.map((f) => f.afi));
    host.clock.clearTimeout(this.#staleTimer);
    if (this.ribPeer.staleCount > 0) {
      this.#staleTimer = host.clock.setTimeout(() => this.#sweep('no End-of-RIB within the stale time'), STALE_TIME * 1000);
    }
    const local = this.#localAddress;
    host.rib.reconfigure(this.ribPeer, this.#ribConfig(this.#config, local));
    const v4 = local !== undefined && !local.includes(':') ? local : host.routerId;
    const v6 = local !== undefined && local.includes(':') ? local : `::ffff:${v4}`;
    this.#builder = new UpdateBuilder({ fourOctetAs: n.fourOctetAs, ipv4: this.#families.ipv4, ipv6: this.#families.ipv6, nextHopV4: v4, nextHopV6: v6 });
    this.#eorSent = false;
    host.clock.clearTimeout(this.#deferTimer);
    const own = this.config.gracefulRestart !== false ? host.ownRestart : undefined;
    this.#deferred = own !== undefined && own.restarting() && n.gracefulRestart !== undefined;
    if (this.#deferred) {
      this.#deferTimer = host.clock.setTimeout(() => this.#release(`no End-of-RIB within the restart time ${own!.restartTime} s`), own!.restartTime * 1000);
    }
    this.#startExport();
    this.log.info('peer up', { peerRouterId: n.peerRouterId, families: [...this.#eorAwaited].join(','), advertising: this.#aro?.pendingPrefixes ?? 0, ...(this.#deferred ? { deferredUntilEndOfRib: true } : {}) });
    this.#schedulePump();
    host.peerUp(this);
  }

  /** Between our 'established' and 'down' handlers (the UpdateBuilder lives exactly that long). */
  get #up(): boolean {
    return this.#builder !== null;
  }

  /** While Established and not `export: none`: the Adj-RIB-Out takes the whole Loc-RIB, then its changes. */
  #startExport(): void {
    if (!this.#up || this.#config.export === 'none') return;
    this.#aro = new AdjRibOut(this.#host.rib, this.ribPeer);
    this.#aro.onPending = () => this.#schedulePump();
    this.#aro.start();
  }

  /** The RIB's view of this peer; `localAddress` is ours on the session, known once connected. */
  #ribConfig(c: PeerConfig, localAddress: string | undefined): RibPeerConfig {
    return {
      address: c.address,
      asn: c.asNumber,
      rrClient: c.routeReflectorClient ?? false,
      nextHopSelf: c.nextHopSelf ?? false,
      keepOriginalNextHop: c.keepOriginalNextHop ?? false,
      ...(localAddress !== undefined ? { localAddress } : {}),
      ...(c.maxPrefixes !== undefined ? { maxPrefixes: c.maxPrefixes } : {}),
      ...(c.import !== undefined && c.import.length > 0 ? { importPolicy: rulesPolicy(c.import) } : {}),
      // An Adj-RIB-Out kept after a change to `none` must withdraw everything.
      exportPolicy: c.export === 'none' ? exportNothing : exportPolicy(c.export, () => this.#families),
    };
  }

  #down(why: DownReason): void {
    const host = this.#host;
    this.#sink.flush();
    this.#aro?.stop();
    this.#aro = null;
    this.#builder = null;
    this.#upSince = undefined;
    this.#lastError = why.message;
    const n = this.#negotiated;
    this.#negotiated = undefined;
    const withoutNotification = why.kind === DOWN_KIND.CONNECTION_CLOSED || why.kind === DOWN_KIND.PEER_RESTARTED;
    const graceful = !this.#removing && this.config.gracefulRestart !== false && n?.gracefulRestart !== undefined && withoutNotification;
    host.rib.peerDown(this.ribPeer, { gracefulRestart: graceful });
    host.clock.clearTimeout(this.#staleTimer);
    host.clock.clearTimeout(this.#deferTimer);
    this.#deferred = false;
    if (graceful) {
      const s = n!.gracefulRestart!.restartTime;
      this.log.info('peer down, keeping its routes for graceful restart', { reason: why.message, kind: why.kind, staleRoutes: this.ribPeer.staleCount, restartTime: s });
      this.#staleTimer = host.clock.setTimeout(() => this.#sweep(`peer did not come back within its restart time ${s} s`), s * 1000);
    } else {
      this.log.info('peer down', { reason: why.message, kind: why.kind });
    }
    host.scheduleFlush();
    host.peerDown(this, why.message);
  }

  #sweep(why: string): void {
    this.#host.clock.clearTimeout(this.#staleTimer);
    const n = this.#host.rib.sweepStale(this.ribPeer);
    if (n > 0) this.log.info('stale routes removed', { count: n, reason: why });
    this.#host.scheduleFlush();
  }

  #endOfRib(afi: number): void {
    if (!this.#eorAwaited.delete(afi) || this.#eorAwaited.size > 0) return;
    if (this.ribPeer.staleCount > 0) this.#sweep('End-of-RIB received');
    this.#release('End-of-RIB received');
    this.#host.converged(this);
  }

  /** Ends the hold on our advertisements after our own restart. */
  #release(why: string): void {
    if (!this.#deferred) return;
    this.#deferred = false;
    this.#host.clock.clearTimeout(this.#deferTimer);
    this.log.info('advertising after our restart', { reason: why });
    // Routes the peer just sent must be in the Loc-RIB before the Adj-RIB-Out is drained.
    this.#host.scheduleFlush();
    this.#schedulePump();
  }

  #maxPrefix(dropped: number): void {
    const max = this.config.maxPrefixes;
    const text = `maximum of ${max} prefixes reached`;
    this.#lastError = text;
    this.log.warn('maximum prefixes reached', { maxPrefixes: max, dropped });
    this.session.cease(CEASE.MAXIMUM_PREFIXES_REACHED, text);
  }

  #replay(): void {
    if (this.#aro === null) return;
    this.log.info('route refresh requested, replaying Adj-RIB-Out');
    this.#aro.resync(true);
    this.#schedulePump();
  }

  #schedulePump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    setImmediate(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  /** Builds UPDATEs while the socket takes them; stops at backpressure and resumes on writable. */
  #pump(): void {
    const b = this.#builder;
    if (b === null || this.#deferred || !this.session.writable) return;
    for (let writes = 0; writes < WRITES_PER_TURN; writes++) {
      const msgs: Buffer[] = [];
      let bytes = 0;
      let idle = false;
      while (bytes < WRITE_BYTES) {
        const u = this.#aro?.next(2048) ?? null;
        if (u === null) {
          idle = true;
          break;
        }
        for (const m of b.build(u)) {
          msgs.push(m);
          bytes += m.length;
        }
      }
      if (idle && !this.#eorSent) {
        this.#eorSent = true;
        if (this.#families.ipv4) msgs.push(b.endOfRib(1));
        if (this.#families.ipv6) msgs.push(b.endOfRib(2));
      }
      if (msgs.length > 0 && !this.session.sendRaw(msgs.length === 1 ? msgs[0]! : Buffer.concat(msgs))) {
        this.session.onWritable(() => this.#schedulePump());
        return;
      }
      if (idle) return;
    }
    this.#schedulePump();
  }
}
