import { HEADER_ERROR, HEADER_LEN, MARKER_LEN, MAX_MESSAGE_LEN, MESSAGE_TYPE, MIN_MESSAGE_LEN, NOTIFICATION_CODE, type MessageTypeCode } from './constants.ts';
import { BgpWireError } from './errors.ts';

/**
 * Splits a TCP byte stream into BGP messages, whatever the chunk boundaries.
 * Only the header is checked here (RFC 4271 6.1); bodies go to the decoders.
 *
 * A chunk that holds whole messages is never copied: frames point into it.
 * Only a message split across chunks is assembled in a buffer of its own.
 */
export interface Frame {
  readonly type: MessageTypeCode;
  /** The buffer that holds the message; the body is `buf[start, end)`. */
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
}

export interface Header {
  readonly type: MessageTypeCode;
  readonly length: number;
}

function headerError(subcode: number, message: string, offset: number, data?: Buffer): BgpWireError {
  return new BgpWireError({ code: NOTIFICATION_CODE.MESSAGE_HEADER_ERROR, subcode, data, offset, field: 'header', message });
}

/** Validates the header at `buf[at]`; needs HEADER_LEN bytes there. */
export function readHeader(buf: Buffer, at: number, end: number, maxLength = MAX_MESSAGE_LEN): Header {
  if (end - at < HEADER_LEN) {
    throw headerError(HEADER_ERROR.BAD_MESSAGE_LENGTH, `${end - at} bytes cannot hold a header`, at, u16(end - at));
  }
  for (let i = 0; i < MARKER_LEN; i++) {
    if (buf[at + i] !== 0xff) throw headerError(HEADER_ERROR.CONNECTION_NOT_SYNCHRONIZED, `marker byte ${i} is 0x${buf[at + i]!.toString(16)}`, at + i);
  }
  const length = buf.readUInt16BE(at + MARKER_LEN);
  const type = buf[at + MARKER_LEN + 2]!;
  if (type < MESSAGE_TYPE.OPEN || type > MESSAGE_TYPE.ROUTE_REFRESH) {
    throw headerError(HEADER_ERROR.BAD_MESSAGE_TYPE, `message type ${type} is unknown`, at + MARKER_LEN + 2, Buffer.from([type]));
  }
  const t = type as MessageTypeCode;
  const min = MIN_MESSAGE_LEN[t];
  // KEEPALIVE is exactly 19; ROUTE-REFRESH's exact length is its own error (RFC 7313 5).
  const tooLong = length > maxLength || (t === MESSAGE_TYPE.KEEPALIVE && length !== HEADER_LEN);
  if (length < min || tooLong) {
    throw headerError(HEADER_ERROR.BAD_MESSAGE_LENGTH, `length ${length} is not valid for message type ${type}`, at + MARKER_LEN, u16(length));
  }
  return { type: t, length };
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}

export class Framer {
  private pending: Buffer | null = null;
  private pendingLen = 0;
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private failed: BgpWireError | null = null;
  maxLength = MAX_MESSAGE_LEN;

  /** Adds bytes from the socket. Frames already returned stay valid: buffers are never reused. */
  push(chunk: Buffer): void {
    if (this.pos < this.buf.length) {
      // Unconsumed whole frames are still valid views; keep them ahead of the new bytes.
      chunk = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.buf = chunk;
    this.pos = 0;
  }

  /** Bytes received but not yet returned as frames. */
  get buffered(): number {
    return this.buf.length - this.pos + this.pendingLen;
  }

  /** The next whole message, or null until more bytes arrive. Throws BgpWireError for a bad header, and again on every later call. */
  next(): Frame | null {
    if (this.failed) throw this.failed;
    try {
      return this.pending !== null ? this.fillPending() : this.fromChunk();
    } catch (e) {
      if (e instanceof BgpWireError) this.failed = e;
      throw e;
    }
  }

  private fromChunk(): Frame | null {
    const avail = this.buf.length - this.pos;
    if (avail < HEADER_LEN) return this.stash();
    const h = readHeader(this.buf, this.pos, this.buf.length, this.maxLength);
    if (avail < h.length) return this.stash();
    const start = this.pos;
    this.pos += h.length;
    return { type: h.type, buf: this.buf, start: start + HEADER_LEN, end: start + h.length };
  }

  /** Copies a partial message aside, in a buffer as long as the message once the header is known. */
  private stash(): null {
    const avail = this.buf.length - this.pos;
    if (avail === 0) return null;
    this.pending = Buffer.allocUnsafe(this.maxLength);
    this.buf.copy(this.pending, 0, this.pos);
    this.pendingLen = avail;
    this.pos = this.buf.length;
    return null;
  }

  private fillPending(): Frame | null {
    const p = this.pending!;
    if (this.pendingLen < HEADER_LEN) {
      this.take(HEADER_LEN - this.pendingLen);
      if (this.pendingLen < HEADER_LEN) return null;
    }
    const h = readHeader(p, 0, this.pendingLen, this.maxLength);
    this.take(h.length - this.pendingLen);
    if (this.pendingLen < h.length) return null;
    this.pending = null;
    this.pendingLen = 0;
    return { type: h.type, buf: p, start: HEADER_LEN, end: h.length };
  }

  private take(n: number): void {
    const k = Math.min(n, this.buf.length - this.pos);
    this.buf.copy(this.pending!, this.pendingLen, this.pos, this.pos + k);
    this.pos += k;
    this.pendingLen += k;
  }
}
