/**
 * reef BGP session layer: the RFC 4271 section 8 FSM for one peer.
 *
 * Pieces:
 *   session.ts     Session: Idle/Connect/Active, dialling, accepting, collision
 *                  resolution (RFC 4271 6.8, RFC 6286), IdleHold back-off, events
 *   connection.ts  one TCP connection: OpenSent -> OpenConfirm -> Established,
 *                  hold and keepalive timers, NOTIFICATION on every error
 *   open-check.ts  our OPEN; the peer's OPEN judged (AS, identifier, hold time,
 *                  required capabilities) into Negotiated or a refusal
 *   backoff.ts     doubling IdleHold with RFC 4271 jitter, reset after a stable period
 *   collision.ts   which of two connections survives
 *   transport.ts   the Transport interface, a net.Socket adapter, a TCP dialer
 *   memory-transport.ts  an in-memory connected pair for tests
 *
 * Who calls whom: the speaker creates one Session per peer with a Dialer and
 * an UpdateSink, calls start(), hands incoming sockets for the peer's address
 * to accept(), and listens to 'established' / 'down' / 'routeRefresh' /
 * 'writable'. While Established, every UPDATE goes straight from the socket
 * through the framer to scanUpdate and the sink: no per-prefix objects. The
 * speaker sends with sendRaw()/send() and stops producing when they return
 * false, until onWritable() calls back (socket backpressure).
 *
 * Time comes from an injected Clock (src/lib/clock.ts), so tests run the FSM
 * on a FakeClock.
 */
export { Session, type SessionOptions } from './session.ts';
export { SESSION_STATE, STATE_RANK, DOWN_KIND, type SessionState, type DownReason, type DownKind, type SessionEvents } from './events.ts';
export { resolveSessionConfig, SessionConfigError, type SessionConfig, type ResolvedSessionConfig, type Family, type RequiredCapability } from './config.ts';
export { buildOpen, checkOpen, isRefusal, type Negotiated, type OpenRefusal } from './open-check.ts';
export { collisionLoser, type Direction } from './collision.ts';
export { Backoff, jitter } from './backoff.ts';
export { SocketTransport, tcpDialer, type Transport, type TransportEvents, type Dialer } from './transport.ts';
export { memoryPair, MemoryTransport, type MemoryPair } from './memory-transport.ts';
