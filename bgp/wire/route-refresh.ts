import { NOTIFICATION_CODE, ROUTE_REFRESH_ERROR } from './constants.ts';
import { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/** ROUTE-REFRESH (RFC 2918; the subtype byte is RFC 7313's, reserved 0 before it). */
export interface RouteRefreshMessage {
  readonly type: 'ROUTE-REFRESH';
  readonly afi: number;
  readonly safi: number;
  readonly subtype: number;
}

export function encodeRouteRefresh(m: RouteRefreshMessage, w: Writer): void {
  w.u16(m.afi).u8(m.subtype).u8(m.safi);
}

export function decodeRouteRefresh(buf: Buffer, start: number, end: number): RouteRefreshMessage {
  const r = new Reader(buf, start, end, 'ROUTE-REFRESH', NOTIFICATION_CODE.ROUTE_REFRESH_MESSAGE_ERROR, ROUTE_REFRESH_ERROR.INVALID_MESSAGE_LENGTH);
  const afi = r.u16('afi');
  const subtype = r.u8('subtype');
  const safi = r.u8('safi');
  if (r.remaining !== 0) r.fail(`${r.remaining} bytes after the SAFI`, undefined, undefined, Buffer.from(buf.subarray(start - 19, end)));
  return { type: 'ROUTE-REFRESH', afi, safi, subtype };
}
