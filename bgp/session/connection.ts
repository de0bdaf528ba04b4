import type { Clock, TimerHandle } from '../../src/lib/clock.ts';
import { FSM_ERROR, MESSAGE_TYPE, NOTIFICATION_CODE } from '../wire/constants.ts';
import { BgpWireError } from '../wire/errors.ts';
import { describeNotification } from '../wire/describe.ts';
import { Framer, type Frame } from '../wire/framer.ts';
import { encodeMessage, KEEPALIVE, type Message } from '../wire/message.ts';
import { decodeNotification, type NotificationMessage } from '../wire/notification.ts';
import { decodeOpen, type OpenMessage } from '../wire/open.ts';
import { decodeRouteRefresh, type RouteRefreshMessage } from '../wire/route-refresh.ts';
import type { Direction } from './collision.ts';
import { DOWN_KIND, type DownReason } from './events.ts';
import type { Negotiated, OpenRefusal } from './open-check.ts';
import type { Transport } from './transport.ts';

/**
 * One TCP connection of a session, from the moment it exists (OpenSent) to
 * Established. A session has at most one per direction while a collision is
 * being resolved. Each `enter*` owns the timers of its state; decisions that
 * need the whole session (OPEN checks, collisions, UPDATE delivery) go to the
 * host.
 */
export type ConnState = 'OpenSent' | 'OpenConfirm' | 'Established' | 'Closed';

export interface ConnectionHost {
  readonly clock: Clock;
  readonly openHoldTime: number;
  /** Judges the peer's OPEN; may close other connections (collisions) or this one. */
  openReceived(conn: Connection, open: OpenMessage): Negotiated | OpenRefusal | null;
  established(conn: Connection): void;
  update(conn: Connection, frame: Frame): void;
  routeRefresh(conn: Connection, m: RouteRefreshMessage): void;
  notification(conn: Connection, m: NotificationMessage, sent: boolean): void;
  stateChanged(conn: Connection, reason: string): void;
  closed(conn: Connection, why: DownReason, was: ConnState): void;
  drained(conn: Connection): void;
}

/** BIRD's bgp_hold_timeout: a busy peer whose input is still queued gets this long (s) before being declared dead. */
const HOLD_GRACE = 10;

export class Connection {
  readonly dir: Direction;
  readonly transport: Transport;
  state: ConnState = 'OpenSent';
  negotiated: Negotiated | undefined;
  remoteOpen: OpenMessage | undefined;
  /** write() returned false and 'drain' has not come yet. */
  blocked = false;
  private readonly host: ConnectionHost;
  private readonly framer = new Framer();
  private hold: TimerHandle | undefined;
  private keepalive: TimerHandle | undefined;

  constructor(host: ConnectionHost, transport: Transport, dir: Direction) {
    this.host = host;
    this.transport = transport;
    this.dir = dir;
    transport.on('data', this.onData);
    transport.on('drain', this.onDrain);
    transport.on('close', this.onClose);
  }

  /** TcpConnectionConfirmed: send our OPEN, wait for theirs (RFC 4271 8.2.2). */
  enterOpenSent(open: OpenMessage): void {
    this.state = 'OpenSent';
    this.write(encodeMessage(open));
    this.startHold(this.host.openHoldTime);
    this.host.stateChanged(this, `${this.dir} connection up, OPEN sent`);
  }

  private enterOpenConfirm(n: Negotiated): void {
    this.negotiated = n;
    this.state = 'OpenConfirm';
    this.write(encodeMessage(KEEPALIVE));
    this.startHold(n.holdTime);
    this.startKeepalive();
    this.host.stateChanged(this, `OPEN accepted from ${n.peerRouterId}, hold time ${n.holdTime} s`);
  }

  private enterEstablished(): void {
    this.state = 'Established';
    this.startHold(this.negotiated!.holdTime);
    this.host.established(this);
  }

  /** Sends a NOTIFICATION, closes the connection, and reports why. */
  fail(code: number, subcode: number, data: Buffer, message: string): void {
    if (this.state === 'Closed') return;
    const n: NotificationMessage = { type: 'NOTIFICATION', code, subcode, data };
    this.write(encodeMessage(n));
    this.host.notification(this, n, true);
    this.close({ kind: DOWN_KIND.NOTIFICATION_SENT, message: `${message}: sent ${describeNotification(code, subcode)}`, notification: n });
  }

  /** Closes without a NOTIFICATION (the peer vanished, or we are replacing the connection). */
  close(why: DownReason): void {
    if (this.state === 'Closed') return;
    const was = this.state;
    this.state = 'Closed';
    this.stopTimers();
    this.transport.off('data', this.onData);
    this.transport.off('drain', this.onDrain);
    this.transport.off('close', this.onClose);
    this.transport.end();
    this.host.closed(this, why, was);
  }

  send(m: Message, ctx = { fourOctetAs: this.negotiated?.fourOctetAs ?? true }): boolean {
    return this.write(encodeMessage(m, ctx));
  }

  /** Writes bytes of whole messages; a sent UPDATE also counts as a keepalive (RFC 4271 4.4). */
  write(bytes: Buffer): boolean {
    const ok = this.transport.write(bytes);
    if (!ok) this.blocked = true;
    if (this.state === 'Established' || this.state === 'OpenConfirm') this.startKeepalive();
    return ok;
  }

  private stopTimers(): void {
    this.host.clock.clearTimeout(this.hold);
    this.host.clock.clearTimeout(this.keepalive);
    this.hold = undefined;
    this.keepalive = undefined;
  }

  private startHold(seconds: number): void {
    this.host.clock.clearTimeout(this.hold);
    this.hold = seconds > 0 ? this.host.clock.setTimeout(() => this.holdExpired(seconds), seconds * 1000) : undefined;
  }

  private startKeepalive(): void {
    this.host.clock.clearTimeout(this.keepalive);
    const s = this.negotiated?.keepaliveTime ?? 0;
    this.keepalive = s > 0 ? this.host.clock.setTimeout(() => this.write(encodeMessage(KEEPALIVE)), s * 1000) : undefined;
  }

  private holdExpired(seconds: number): void {
    if (this.transport.readableLength > 0 || this.framer.buffered > 0) {
      // The peer did talk; we have not read it yet. Not dead, just slow on our side.
      this.startHold(Math.min(HOLD_GRACE, seconds));
      return;
    }
    this.fail(NOTIFICATION_CODE.HOLD_TIMER_EXPIRED, 0, Buffer.alloc(0), `hold timer expired after ${seconds} s`);
  }

  private readonly onDrain = (): void => {
    this.blocked = false;
    this.host.drained(this);
  };

  private readonly onClose = (reason: string): void => {
    this.close({ kind: DOWN_KIND.CONNECTION_CLOSED, message: `connection closed: ${reason}` });
  };

  private readonly onData = (chunk: Buffer): void => {
    try {
      this.framer.push(chunk);
      for (let f = this.framer.next(); f !== null && this.state !== 'Closed'; f = this.framer.next()) this.handle(f);
    } catch (e) {
      if (!(e instanceof BgpWireError)) throw e;
      this.fail(e.notificationCode, e.subcode, e.data, `malformed message from peer: ${e.message}`);
    }
  };

  private handle(f: Frame): void {
    if (f.type === MESSAGE_TYPE.NOTIFICATION) {
      const n = decodeNotification(f.buf, f.start, f.end);
      this.host.notification(this, n, false);
      this.close({ kind: DOWN_KIND.NOTIFICATION_RECEIVED, message: `peer sent ${describeNotification(n.code, n.subcode)}`, notification: n });
      return;
    }
    switch (this.state) {
      case 'OpenSent':
        if (f.type !== MESSAGE_TYPE.OPEN) return this.unexpected(f, FSM_ERROR.UNEXPECTED_MESSAGE_IN_OPENSENT);
        return this.openReceived(decodeOpen(f.buf, f.start, f.end));
      case 'OpenConfirm':
        if (f.type !== MESSAGE_TYPE.KEEPALIVE) return this.unexpected(f, FSM_ERROR.UNEXPECTED_MESSAGE_IN_OPENCONFIRM);
        return this.enterEstablished();
      case 'Established':
        if (f.type === MESSAGE_TYPE.UPDATE) {
          this.startHold(this.negotiated!.holdTime);
          return this.host.update(this, f);
        }
        if (f.type === MESSAGE_TYPE.KEEPALIVE) return this.startHold(this.negotiated!.holdTime);
        if (f.type === MESSAGE_TYPE.ROUTE_REFRESH) return this.host.routeRefresh(this, decodeRouteRefresh(f.buf, f.start, f.end));
        return this.unexpected(f, FSM_ERROR.UNEXPECTED_MESSAGE_IN_ESTABLISHED);
      case 'Closed':
        return;
    }
  }

  private openReceived(open: OpenMessage): void {
    this.remoteOpen = open;
    const verdict = this.host.openReceived(this, open);
    if (verdict === null || this.state === 'Closed') return; // closed by collision resolution
    if ('subcode' in verdict) {
      this.fail(verdict.code, verdict.subcode, verdict.data, `OPEN refused: ${verdict.reason}`);
      return;
    }
    this.enterOpenConfirm(verdict);
  }

  private unexpected(f: Frame, subcode: number): void {
    const names = ['', 'OPEN', 'UPDATE', 'NOTIFICATION', 'KEEPALIVE', 'ROUTE-REFRESH'];
    // RFC 6608 4: the data is the type of the unexpected message, one octet.
    this.fail(NOTIFICATION_CODE.FSM_ERROR, subcode, Buffer.from([f.type]), `${names[f.type]} is not expected in ${this.state}`);
  }
}

