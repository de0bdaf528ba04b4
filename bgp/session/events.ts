import type { NotificationMessage } from '../wire/notification.ts';
import type { RouteRefreshMessage } from '../wire/route-refresh.ts';
import type { Negotiated } from './open-check.ts';

/** RFC 4271 8.2.2 states, ranked so that a session with two connections reports the further one. */
export const SESSION_STATE = {
  IDLE: 'Idle',
  CONNECT: 'Connect',
  ACTIVE: 'Active',
  OPEN_SENT: 'OpenSent',
  OPEN_CONFIRM: 'OpenConfirm',
  ESTABLISHED: 'Established',
} as const;
export type SessionState = (typeof SESSION_STATE)[keyof typeof SESSION_STATE];

export const STATE_RANK: Readonly<Record<SessionState, number>> = {
  Idle: 0,
  Connect: 1,
  Active: 2,
  OpenSent: 3,
  OpenConfirm: 4,
  Established: 5,
};

export const DOWN_KIND = {
  /** We sent a NOTIFICATION (a protocol error, hold timer expiry, a Cease we chose). */
  NOTIFICATION_SENT: 'notification-sent',
  NOTIFICATION_RECEIVED: 'notification-received',
  /** TCP closed or reset without a NOTIFICATION. */
  CONNECTION_CLOSED: 'connection-closed',
  /** The peer reconnected while Established and announced graceful restart (RFC 4724 4.2). */
  PEER_RESTARTED: 'peer-restarted',
  STOPPED: 'stopped',
} as const;
export type DownKind = (typeof DOWN_KIND)[keyof typeof DOWN_KIND];

export interface DownReason {
  readonly kind: DownKind;
  /** A sentence for logs: "hold timer expired after 90 s", "peer sent Cease / administrative shutdown (6/2)". */
  readonly message: string;
  readonly notification?: NotificationMessage;
}

export interface SessionEvents {
  stateChange: [from: SessionState, to: SessionState, reason: string];
  established: [negotiated: Negotiated];
  /** Established ended; the speaker flushes (or, with graceful restart, marks stale) the peer's routes. */
  down: [reason: DownReason];
  routeRefresh: [message: RouteRefreshMessage];
  notificationSent: [message: NotificationMessage];
  notificationReceived: [message: NotificationMessage];
  /** The socket took what was queued; the Adj-RIB-Out may build more UPDATEs. */
  writable: [];
}
