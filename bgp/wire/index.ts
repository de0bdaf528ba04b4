/**
 * reef BGP-4 wire codec: bytes in, plain values out, and back. No I/O.
 *
 * Pieces:
 *   framer.ts      TCP stream -> whole messages; header checks (RFC 4271 6.1)
 *   message.ts     the Message union; encodeMessage / decodeMessage dispatch
 *   open.ts, capabilities.ts   OPEN and capabilities (RFC 5492, 4760, 6793, 2918, 4724)
 *   update.ts      general UPDATE encode/decode (objects per prefix)
 *   scan.ts        fast UPDATE path for bulk ingest: numbers to a sink, no per-prefix objects
 *   attributes.ts  the attribute block: framing, flags, duplicates, RFC 7606 verdict
 *   attr-table.ts  one descriptor per attribute type (flags, decode, encode, error action)
 *   attr-cache.ts  decodes each distinct attribute block once (for scanUpdate sinks)
 *   as-path.ts, mp.ts, ip.ts   AS_PATH/AS4_PATH merge; MP_REACH/UNREACH; prefixes
 *   validate.ts    semantic checks that return findings and change nothing
 *   notification.ts, route-refresh.ts, describe.ts, constants.ts, errors.ts
 *
 * Data flow on receive: Framer.next() -> Frame { type, buf, start, end }; an
 * UPDATE goes to scanUpdate(buf, start, end - start, ctx, sink), everything
 * else to decodeBody. Decoders throw only BgpWireError, which carries the
 * NOTIFICATION to send; RFC 7606 faults that spare the session are returned as
 * findings, and the strongest action wins.
 *
 * Decoded AS numbers are always 4-octet: AS4_PATH/AS4_AGGREGATOR are merged on
 * receive from 2-octet speakers and produced (with AS_TRANS) on send to them,
 * as selected by WireContext.fourOctetAs.
 */
export * from './constants.ts';
export * from './types.ts';
export { BgpWireError } from './errors.ts';
export { describeNotification } from './describe.ts';
export { Framer, readHeader, type Frame } from './framer.ts';
export { decodeMessage, decodeBody, encodeMessage, KEEPALIVE, type Message, type MessageType, type KeepaliveMessage, type DecodedMessage } from './message.ts';
export { encodeOpen, decodeOpen, openAsn, type OpenMessage } from './open.ts';
export type { Capability, GracefulRestartFamily } from './capabilities.ts';
export { encodeUpdate, decodeUpdate, applyTreatAsWithdraw, type UpdateMessage, type DecodedUpdate } from './update.ts';
export type { MpUnreach } from './mp.ts';
export { scanUpdate, type UpdateSink, type AttributeVerdict } from './scan.ts';
export { decodeAttributes, encodeAttributeBlock, type DecodedAttributes } from './attributes.ts';
export { ATTRIBUTES, attributeName, type WireContext, type AttrDescriptor } from './attr-table.ts';
export { AttributeCache, type InternedAttributes, type AttributeValidator } from './attr-cache.ts';
export { strongestAction, isTreatAsWithdraw, ACTION_NAME, type Finding } from './findings.ts';
export { shutdownCommunication, shutdownData, type NotificationMessage } from './notification.ts';
export type { RouteRefreshMessage } from './route-refresh.ts';
export { parsePrefix, prefixToString, numberToIpv4, ipv4ToNumber, ipv6ToString, ipv6ToBytes } from './ip.ts';
export { validateAttributes, badNextHop, type ValidationContext } from './validate.ts';
