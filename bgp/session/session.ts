import { EventEmitter } from 'node:events';
import { type Clock, type TimerHandle, systemClock } from '../../src/lib/clock.ts';
import { childLogger, type Logger } from '../../src/lib/log.ts';
import { CEASE, FSM_ERROR, NOTIFICATION_CODE } from '../wire/constants.ts';
import { describeNotification } from '../wire/describe.ts';
import { BgpWireError } from '../wire/errors.ts';
import type { Frame } from '../wire/framer.ts';
import { encodeMessage, type Message } from '../wire/message.ts';
import { shutdownData, type NotificationMessage } from '../wire/notification.ts';
import type { OpenMessage } from '../wire/open.ts';
import type { RouteRefreshMessage } from '../wire/route-refresh.ts';
import { scanUpdate, type UpdateSink } from '../wire/scan.ts';
import { Backoff, jitter } from './backoff.ts';
import { collisionLoser, type Direction } from './collision.ts';
import { resolveSessionConfig, type ResolvedSessionConfig, type SessionConfig } from './config.ts';
import { Connection, type ConnectionHost, type ConnState } from './connection.ts';
import { DOWN_KIND, SESSION_STATE, STATE_RANK, type DownReason, type SessionEvents, type SessionState } from './events.ts';
import { buildOpen, checkOpen, isRefusal, type Negotiated, type OpenRefusal } from './open-check.ts';
import type { Dialer, Transport } from './transport.ts';

export interface SessionOptions {
  readonly config: SessionConfig;
  /** Receives the peer's routes while Established (scanUpdate's sink). */
  readonly sink: UpdateSink;
  /** How to open a connection to the peer; without one the session only accepts. */
  readonly dialer?: Dialer;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly log?: Logger;
}

/**
 * The BGP session with one peer: RFC 4271 section 8 FSM over at most two
 * connections (one we dialled, one the peer dialled) until collision
 * resolution keeps one. Idle, Connect and Active belong to the session; OpenSent,
 * OpenConfirm and Established to a Connection, and the session reports the
 * furthest one. Each enter* below owns its timers.
 */
export class Session extends EventEmitter<SessionEvents> implements ConnectionHost {
  readonly config: ResolvedSessionConfig;
  readonly clock: Clock;
  readonly openHoldTime: number;
  private readonly sink: UpdateSink;
  private readonly dialer: Dialer | undefined;
  private readonly random: () => number;
  private readonly log: Logger;
  /** Rebuilt for each connection: the Restart State bit follows the speaker's own restart. */
  private localOpen: OpenMessage;
  private readonly backoff: Backoff;

  private _state: SessionState = SESSION_STATE.IDLE;
  /** Idle/Connect/Active: where the session stands when no connection is further along. */
  private phase: SessionState = SESSION_STATE.IDLE;
  private readonly conns: Record<Direction, Connection | undefined> = { incoming: undefined, outgoing: undefined };
  private started = false;
  private dialing: AbortController | undefined;
  private connectRetry: TimerHandle | undefined;
  private idleHold: TimerHandle | undefined;
  private stable: TimerHandle | undefined;
  private writableWaiters: (() => void)[] = [];

  constructor(o: SessionOptions) {
    super();
    this.config = resolveSessionConfig(o.config);
    this.clock = o.clock ?? systemClock;
    this.sink = o.sink;
    this.dialer = o.dialer;
    this.random = o.random ?? Math.random;
    this.log = o.log ?? childLogger({ peer: this.config.peerAddress, peerAs: this.config.peerAs });
    this.localOpen = buildOpen(this.config);
    this.openHoldTime = this.config.openHoldTime;
    this.backoff = new Backoff(this.config.idleHoldTime * 1000, this.config.maxIdleHoldTime * 1000, this.random);
  }

  get state(): SessionState {
    return this._state;
  }

  /** What was agreed with the peer, while Established. */
  get negotiated(): Negotiated | undefined {
    return this.establishedConn()?.negotiated;
  }

  /** Consecutive failures since the last stable period, and the wait the next one would cause. */
  get flapping(): { failures: number; nextIdleHoldMs: number } {
    return { failures: this.backoff.failures, nextIdleHoldMs: this.backoff.nextBaseMs };
  }

  /** ManualStart (passive when configured so, or when there is no dialer). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.clock.clearTimeout(this.idleHold);
    this.enterStart('started');
  }

  /** ManualStop: Cease / Administrative Shutdown to the peer, then Idle without restarting. Idempotent. */
  stop(text = 'session stopped'): void {
    this.started = false;
    this.ceaseAll(CEASE.ADMINISTRATIVE_SHUTDOWN, text);
    this.enterIdle(text, undefined);
  }

  /** Cease / Administrative Reset, then a new attempt after the back-off. */
  reset(text = 'session reset'): void {
    this.ceaseAll(CEASE.ADMINISTRATIVE_RESET, text);
  }

  /**
   * Closes the session with a Cease of the caller's choosing (e.g. Maximum
   * Number of Prefixes Reached); `restart: false` keeps it Idle until start().
   */
  cease(subcode: number, text: string, opts: { restart: boolean } = { restart: true }): void {
    if (!opts.restart) this.started = false;
    this.ceaseAll(subcode, text);
    if (!opts.restart) this.enterIdle(text, undefined);
  }

  /** An incoming connection from this peer's address (the speaker's listener matched it). */
  accept(t: Transport): void {
    const old = this.conns.incoming;
    if (!this.started || (old !== undefined && old.state !== 'Closed')) {
      const why = !this.started ? 'session is not started' : 'an incoming connection is already open';
      t.write(encodeMessage({ type: 'NOTIFICATION', code: NOTIFICATION_CODE.CEASE, subcode: CEASE.CONNECTION_REJECTED, data: Buffer.alloc(0) }));
      t.end();
      this.log.info('incoming connection rejected', { reason: why });
      return;
    }
    this.open(t, 'incoming');
  }

  get writable(): boolean {
    const c = this.establishedConn();
    return c !== undefined && !c.blocked;
  }

  /** Calls `fn` once, when the socket can take more UPDATEs (now, on a microtask, if it already can). */
  onWritable(fn: () => void): void {
    if (this.writable) queueMicrotask(fn);
    else this.writableWaiters.push(fn);
  }

  /** Writes an encoded UPDATE (or any whole messages). False: stop producing until onWritable. */
  sendRaw(bytes: Buffer): boolean {
    const c = this.establishedConn();
    if (c === undefined) return false;
    c.write(bytes);
    return !c.blocked;
  }

  send(m: Message): boolean {
    const c = this.establishedConn();
    if (c === undefined) return false;
    c.send(m);
    return !c.blocked;
  }

  /** Asks the peer to send its routes again (RFC 2918); false if it did not announce the capability. */
  requestRouteRefresh(afi: number, safi: number): boolean {
    if (this.negotiated?.routeRefresh !== true) return false;
    return this.send({ type: 'ROUTE-REFRESH', afi, safi, subtype: 0 });
  }

  pauseInput(): void {
    this.establishedConn()?.transport.pause();
  }

  resumeInput(): void {
    this.establishedConn()?.transport.resume();
  }

  // ---- RFC 4271 8.2.2 transitions of the session itself ------------------------

  private enterStart(reason: string): void {
    if (this.config.passive || this.dialer === undefined) this.enterActive(reason);
    else this.enterConnect(reason);
  }

  /** Idle: no connection. With `restartMs`, IdleHoldTimer runs and then the session starts again. */
  private enterIdle(reason: string, restartMs: number | undefined): void {
    this.clock.clearTimeout(this.connectRetry);
    this.clock.clearTimeout(this.idleHold);
    this.clock.clearTimeout(this.stable);
    this.dialing?.abort();
    this.dialing = undefined;
    this.phase = SESSION_STATE.IDLE;
    if (restartMs !== undefined && this.started) {
      this.idleHold = this.clock.setTimeout(() => this.enterStart('idle hold time over'), restartMs);
      reason = `${reason}; next attempt in ${(restartMs / 1000).toFixed(1)} s`;
    }
    this.recompute(reason);
  }

  /** Connect: dialling, with ConnectRetryTimer to try again. */
  private enterConnect(reason: string): void {
    this.phase = SESSION_STATE.CONNECT;
    this.startConnectRetry();
    this.recompute(reason);
    this.dial();
  }

  /** Active: waiting for the peer to connect; ConnectRetryTimer takes us back to Connect unless passive. */
  private enterActive(reason: string): void {
    this.phase = SESSION_STATE.ACTIVE;
    this.dialing?.abort();
    this.dialing = undefined;
    if (!this.config.passive && this.dialer !== undefined) this.startConnectRetry();
    this.recompute(reason);
  }

  private startConnectRetry(): void {
    this.clock.clearTimeout(this.connectRetry);
    const ms = this.config.connectRetryTime * 1000 * jitter(this.random);
    this.connectRetry = this.clock.setTimeout(() => {
      if (this.conns.outgoing !== undefined) return;
      this.dialing?.abort();
      this.enterConnect('connect retry timer expired');
    }, ms);
  }

  private dial(): void {
    const ac = new AbortController();
    this.dialing = ac;
    this.dialer!(ac.signal).then(
      (t) => {
        if (ac.signal.aborted || !this.started || this.conns.outgoing !== undefined) {
          t.destroy();
          return;
        }
        this.dialing = undefined;
        this.clock.clearTimeout(this.connectRetry);
        this.open(t, 'outgoing');
      },
      (e: unknown) => {
        if (ac.signal.aborted || !this.started) return;
        this.dialing = undefined;
        if (this.phase === SESSION_STATE.CONNECT) this.enterActive(`connect failed: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }

  private open(t: Transport, dir: Direction): void {
    const c = new Connection(this, t, dir);
    this.conns[dir] = c;
    this.localOpen = buildOpen(this.config);
    c.enterOpenSent(this.localOpen);
  }

  private ceaseAll(subcode: number, text: string): void {
    for (const c of [this.conns.outgoing, this.conns.incoming]) {
      // RFC 9003 defines a Shutdown Communication only for shutdown and reset.
      const data = subcode === CEASE.ADMINISTRATIVE_SHUTDOWN || subcode === CEASE.ADMINISTRATIVE_RESET ? shutdownData(text) : Buffer.alloc(0);
      if (c !== undefined && c.state !== 'Closed') c.fail(NOTIFICATION_CODE.CEASE, subcode, data, text);
    }
  }

  private recompute(reason: string): void {
    let next = this.phase;
    for (const c of [this.conns.outgoing, this.conns.incoming]) {
      if (c !== undefined && c.state !== 'Closed' && STATE_RANK[c.state] > STATE_RANK[next]) next = c.state;
    }
    if (next === this._state) return;
    const from = this._state;
    this._state = next;
    this.log.debug('state change', { from, to: next, reason });
    this.emit('stateChange', from, next, reason);
  }

  // ---- ConnectionHost: what connections ask of the session ------------------------

  stateChanged(_c: Connection, reason: string): void {
    this.recompute(reason);
  }

  openReceived(conn: Connection, open: OpenMessage): Negotiated | OpenRefusal | null {
    const verdict = checkOpen(open, this.config, this.localOpen);
    if (isRefusal(verdict)) return verdict;
    const other = this.conns[conn.dir === 'incoming' ? 'outgoing' : 'incoming'];
    if (other === undefined || other.state === 'Closed') return verdict;
    if (other.state === 'Established') {
      if (other.negotiated?.gracefulRestart !== undefined) {
        // RFC 4724 4.2: the peer restarted; the old session is gone, its routes go stale.
        other.close({ kind: DOWN_KIND.PEER_RESTARTED, message: 'peer reconnected while Established (graceful restart)' });
        return verdict;
      }
      conn.fail(NOTIFICATION_CODE.CEASE, CEASE.CONNECTION_COLLISION_RESOLUTION, Buffer.alloc(0), 'collision with an Established connection');
      return null;
    }
    // Both connections are past TCP and we now know the peer's identifier (RFC 4271 6.8).
    const loserDir = collisionLoser({ routerId: this.config.localRouterId, asn: this.config.localAs }, { routerId: open.bgpId, asn: verdict.peerAs });
    const loser = loserDir === conn.dir ? conn : other;
    this.log.info('connection collision', { kept: loserDir === 'incoming' ? 'outgoing' : 'incoming', peerRouterId: open.bgpId });
    loser.fail(NOTIFICATION_CODE.CEASE, CEASE.CONNECTION_COLLISION_RESOLUTION, Buffer.alloc(0), `collision resolved against the ${loserDir} connection`);
    return loser === conn ? null : verdict;
  }

  established(conn: Connection): void {
    const n = conn.negotiated!;
    this.clock.clearTimeout(this.connectRetry);
    this.dialing?.abort();
    this.dialing = undefined;
    this.clock.clearTimeout(this.stable);
    this.stable = this.clock.setTimeout(() => this.backoff.reset(), this.config.stableTime * 1000);
    this.recompute(`${conn.dir} connection Established`);
    this.log.info('session established', { peerRouterId: n.peerRouterId, holdTime: n.holdTime, fourOctetAs: n.fourOctetAs, families: n.families.map((f) => `${f.afi}/${f.safi}`).join(',') });
    this.emit('established', n);
    this.emit('writable');
  }

  private establishedConn(): Connection | undefined {
    for (const c of [this.conns.outgoing, this.conns.incoming]) if (c?.state === 'Established') return c;
    return undefined;
  }

  update(conn: Connection, f: Frame): void {
    try {
      scanUpdate(f.buf, f.start, f.end - f.start, { fourOctetAs: conn.negotiated!.fourOctetAs }, this.sink);
    } catch (e) {
      if (e instanceof BgpWireError) throw e;
      // A fault on our side must not take the process down; the peer resends after the reset.
      this.log.error('UPDATE handling failed', { error: e instanceof Error ? e.message : String(e) });
      conn.fail(NOTIFICATION_CODE.FSM_ERROR, FSM_ERROR.UNSPECIFIED, Buffer.alloc(0), 'internal error while handling an UPDATE');
    }
  }

  routeRefresh(conn: Connection, m: RouteRefreshMessage): void {
    // RFC 2918 4: a request for a family we did not announce is ignored.
    if (conn.negotiated?.families.some((f) => f.afi === m.afi && f.safi === m.safi)) this.emit('routeRefresh', m);
  }

  notification(_c: Connection, m: NotificationMessage, sent: boolean): void {
    this.log.info(sent ? 'notification sent' : 'notification received', { notification: describeNotification(m.code, m.subcode) });
    this.emit(sent ? 'notificationSent' : 'notificationReceived', m);
  }

  drained(c: Connection): void {
    if (c.state !== 'Established') return;
    const waiters = this.writableWaiters;
    this.writableWaiters = [];
    for (const fn of waiters) fn();
    this.emit('writable');
  }

  closed(c: Connection, why: DownReason, was: ConnState): void {
    if (this.conns[c.dir] === c) this.conns[c.dir] = undefined;
    if (was === 'Established') {
      this.clock.clearTimeout(this.stable);
      this.writableWaiters = [];
      this.log.info('session down', { reason: why.message, kind: why.kind });
      this.emit('down', why);
    }
    const remaining = this.conns.outgoing ?? this.conns.incoming;
    if (remaining !== undefined) {
      this.recompute(why.message);
      return;
    }
    if (!this.started) {
      this.enterIdle(why.message, undefined);
      return;
    }
    this.enterIdle(why.message, this.backoff.fail());
  }
}
