import { HEADER_LEN, MAX_MESSAGE_LEN, MESSAGE_TYPE } from './constants.ts';
import type { WireContext } from './attr-table.ts';
import type { Finding } from './findings.ts';
import { readHeader } from './framer.ts';
import { decodeNotification, encodeNotification, type NotificationMessage } from './notification.ts';
import { decodeOpen, encodeOpen, type OpenMessage } from './open.ts';
import { decodeRouteRefresh, encodeRouteRefresh, type RouteRefreshMessage } from './route-refresh.ts';
import { decodeUpdate, encodeUpdate, type UpdateMessage } from './update.ts';
import { Writer } from './writer.ts';

/** Every BGP message, discriminated on `type`. Lengths exist only on the wire. */
export interface KeepaliveMessage {
  readonly type: 'KEEPALIVE';
}
export type Message = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;
export type MessageType = Message['type'];

export const MESSAGE_TYPE_CODE: Readonly<Record<MessageType, number>> = {
  OPEN: MESSAGE_TYPE.OPEN,
  UPDATE: MESSAGE_TYPE.UPDATE,
  NOTIFICATION: MESSAGE_TYPE.NOTIFICATION,
  KEEPALIVE: MESSAGE_TYPE.KEEPALIVE,
  'ROUTE-REFRESH': MESSAGE_TYPE.ROUTE_REFRESH,
};

export const KEEPALIVE: KeepaliveMessage = { type: 'KEEPALIVE' };

/** Header (marker, length, type) then body; throws RangeError if it exceeds 4096 bytes. */
export function encodeMessage(m: Message, ctx: WireContext = { fourOctetAs: true }, w = new Writer()): Buffer {
  const start = w.pos;
  for (let i = 0; i < 16; i++) w.u8(0xff);
  const lenAt = w.reserveU16();
  w.u8(MESSAGE_TYPE_CODE[m.type]);
  switch (m.type) {
    case 'OPEN':
      encodeOpen(m, w);
      break;
    case 'UPDATE':
      encodeUpdate(m, ctx, w);
      break;
    case 'NOTIFICATION':
      encodeNotification(m, w);
      break;
    case 'KEEPALIVE':
      break;
    case 'ROUTE-REFRESH':
      encodeRouteRefresh(m, w);
      break;
  }
  const len = w.pos - start;
  if (len > MAX_MESSAGE_LEN) throw new RangeError(`${m.type} of ${len} bytes exceeds the ${MAX_MESSAGE_LEN}-byte limit`);
  w.setU16(lenAt, len);
  return Buffer.from(w.finish().subarray(start));
}

export interface DecodedMessage {
  readonly message: Message;
  /** RFC 7606 findings, only ever non-empty for an UPDATE. */
  readonly findings: readonly Finding[];
}

/** Decodes one whole message, header included. */
export function decodeMessage(buf: Buffer, ctx: WireContext = { fourOctetAs: true }): DecodedMessage {
  const { type, length } = readHeader(buf, 0, buf.length);
  return decodeBody(type, buf, HEADER_LEN, length, ctx);
}

/** Decodes the body `buf[start, end)` of a message whose header said `type`. */
export function decodeBody(type: number, buf: Buffer, start: number, end: number, ctx: WireContext): DecodedMessage {
  switch (type) {
    case MESSAGE_TYPE.OPEN:
      return { message: decodeOpen(buf, start, end), findings: [] };
    case MESSAGE_TYPE.UPDATE:
      return decodeUpdate(buf, start, end, ctx);
    case MESSAGE_TYPE.NOTIFICATION:
      return { message: decodeNotification(buf, start, end), findings: [] };
    case MESSAGE_TYPE.ROUTE_REFRESH:
      return { message: decodeRouteRefresh(buf, start, end), findings: [] };
    default:
      return { message: KEEPALIVE, findings: [] };
  }
}
