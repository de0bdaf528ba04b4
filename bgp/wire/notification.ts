import { NOTIFICATION_CODE } from './constants.ts';
import { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/** NOTIFICATION (RFC 4271 4.5). */
export interface NotificationMessage {
  readonly type: 'NOTIFICATION';
  readonly code: number;
  readonly subcode: number;
  readonly data: Buffer;
}

export function encodeNotification(m: NotificationMessage, w: Writer): void {
  w.u8(m.code).u8(m.subcode).bytes(m.data);
}

export function decodeNotification(buf: Buffer, start: number, end: number): NotificationMessage {
  const r = new Reader(buf, start, end, 'NOTIFICATION', NOTIFICATION_CODE.MESSAGE_HEADER_ERROR, 0);
  const code = r.u8('error code');
  const subcode = r.u8('error subcode');
  return { type: 'NOTIFICATION', code, subcode, data: r.rest() };
}

/**
 * RFC 8203/9003: the Shutdown Communication of a Cease with subcode 2 or 4,
 * a length byte then UTF-8. Returns undefined when the data is not one.
 */
export function shutdownCommunication(m: NotificationMessage): string | undefined {
  if (m.code !== NOTIFICATION_CODE.CEASE || (m.subcode !== 2 && m.subcode !== 4) || m.data.length < 1) return undefined;
  const len = m.data[0]!;
  if (len + 1 > m.data.length) return undefined;
  return m.data.subarray(1, 1 + len).toString('utf8');
}

export function shutdownData(text: string): Buffer {
  const b = Buffer.from(text, 'utf8').subarray(0, 255);
  return Buffer.concat([Buffer.from([b.length]), b]);
}
