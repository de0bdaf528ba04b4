/**
 * bgp/fib: the kernel FIB kept equal to the Loc-RIB's best routes.
 *
 *   Rib.flush() ──ChangeBatch──> FibSyncer.onChanges   (parked; folded into the state at flush)
 *   FibSyncer state: one small integer per prefix (desired + installed next-hop set ids, dirty bit)
 *   FibSyncer.flush()  ──chunks of 8192──> RouteWriter.applyEach (or .apply)  (net difference,
 *   4 chunks in flight, the event loop runs between chunks)
 *   NetlinkRouteWriter: rtnetlink.ts encodes straight into 64 KB datagrams (one reused op
 *   object, no per-route objects); only the last message asks for an ACK, ACKs are read
 *   as they come, errors come back per route by sequence number
 *   NetlinkTransport: the one native piece (npm `netlink`, RawNetlinkSocket)
 *
 * Routes carry protocol RTPROT_REEF (85) and metric 20 in table main by
 * default; ECMP sets are RTA_MULTIPATH routes; originated prefixes may get a
 * blackhole. Reconciliation dumps only protocol 85. Graceful restart needs
 * nothing here: stale routes stay best in the RIB until swept.
 */
export { FibSyncer, RTPROT_REEF } from './fib-sync.ts';
export type { FibConfig, FibFailure, FlushResult } from './fib-sync.ts';
export { NetlinkUnavailableError, netlinkAvailable, openNetlinkTransport } from './netlink-socket.ts';
export type { NetlinkTransport } from './netlink-socket.ts';
export { ERRNO, NetlinkRouteWriter } from './route-writer.ts';
export type { RouteOp, RouteOpKind, RouteWriter } from './route-writer.ts';
export * from './rtnetlink.ts';
