/**
 * Byte builders for hand-made messages, so malformed cases read as the RFC
 * layout does: message(type, body), attr(flags, type, value).
 */
export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/[\s_]/g, ''), 'hex');
}

export function message(type: number, body: Buffer | string, length?: number): Buffer {
  const b = typeof body === 'string' ? hex(body) : body;
  const head = Buffer.alloc(19, 0xff);
  head.writeUInt16BE(length ?? 19 + b.length, 16);
  head[18] = type;
  return Buffer.concat([head, b]);
}

export function attr(flags: number, type: number, value: Buffer | string): Buffer {
  const v = typeof value === 'string' ? hex(value) : value;
  const ext = (flags & 0x10) !== 0;
  const h = Buffer.from(ext ? [flags, type, v.length >> 8, v.length & 0xff] : [flags, type, v.length]);
  return Buffer.concat([h, v]);
}

export function updateBody(withdrawn: Buffer | string, attrs: Buffer | string, nlri: Buffer | string): Buffer {
  const w = typeof withdrawn === 'string' ? hex(withdrawn) : withdrawn;
  const a = typeof attrs === 'string' ? hex(attrs) : attrs;
  const n = typeof nlri === 'string' ? hex(nlri) : nlri;
  const l1 = Buffer.alloc(2);
  l1.writeUInt16BE(w.length);
  const l2 = Buffer.alloc(2);
  l2.writeUInt16BE(a.length);
  return Buffer.concat([l1, w, l2, a, n]);
}

/** ORIGIN IGP, AS_PATH [65001] (4-octet), NEXT_HOP 10.0.0.1. */
export const BASE_ATTRS = Buffer.concat([attr(0x40, 1, '00'), attr(0x40, 2, '02 01 0000fde9'), attr(0x40, 3, '0a000001')]);
