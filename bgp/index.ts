/**
 * bgp/: reef's BGP-4 speaker, a library that knows nothing of Kubernetes or
 * etcd, plus the `reef-bgp` program around it.
 *
 * Pieces (each folder opens with its own note):
 *   wire/      the codec: bytes <-> messages, the fast UPDATE scan (no I/O)
 *   session/   the RFC 4271 FSM for one peer: timers, collisions, backpressure
 *   rib/       Adj-RIB-In + Loc-RIB (decision process, ECMP, RR), Adj-RIB-Out buckets (pure)
 *   fib/       the kernel FIB kept equal to the Loc-RIB over netlink (protocol 85)
 *   speaker/   the wiring: per-peer handle, listener, RIB sink, UPDATE builder, kernel sync
 *   speaker.ts the Speaker: setPeers / setOriginated (declarative, diffed; policy changes keep the session), status, routes, events
 *   config.ts  the reef-bgp config file schema (zod), errors naming the field
 *   status-server.ts, main.ts   the program: HTTP status on a unix socket, signals
 *
 * Data flow: socket -> Framer -> scanUpdate -> RibSink (runs of prefix keys per
 * attribute set) -> Rib; once per turn of the event loop Rib.flush() hands the
 * best-route changes to each Adj-RIB-Out and the FIB syncer; each peer pulls
 * UPDATEs from its Adj-RIB-Out only while its socket is writable.
 *
 * Behaviours: RFC 4271, 4760 (IPv6 unicast), 6793 (4-octet AS), 2918 (route
 * refresh: the Adj-RIB-Out is replayed), 4724 (graceful restart: helper for
 * peers; for ourselves the capability with restart time and forwarding bit,
 * kernel routes kept across our restart and swept after End-of-RIB), 4456
 * (route reflection), 4486 (Cease subcodes: max prefixes, de-configured,
 * configuration change, connection rejected), 7606 (via the codec; per-session semantic
 * checks, wire/validate.ts, applied by the RIB sink).
 */
export { Speaker } from './speaker.ts';
export type { FamilyName, OriginatedPrefix, PeerConfig, PeerStatus, PrefixRule, RouteInfo, SpeakerEvents, SpeakerOptions, SpeakerStatus } from './speaker/types.ts';
export { ConfigError, parseConfig, loadConfigFile, benchConfig, speakerOptionsFrom, peersFrom, originatedFrom, type ReefBgpConfig } from './config.ts';
export { StatusServer, type StatusServerOptions } from './status-server.ts';
export { UpdateBuilder, type BuildContext } from './speaker/update-builder.ts';
export { RTPROT_REEF } from './fib/fib-sync.ts';
