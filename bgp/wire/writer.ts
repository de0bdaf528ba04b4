/**
 * A growable byte builder. Encoders append fields in RFC order and patch
 * lengths through `reserveU8`/`reserveU16` once the enclosed part is written,
 * so no caller computes a length by hand.
 */
export class Writer {
  private buf: Buffer;
  pos = 0;

  constructor(size = 256) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private grow(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): this {
    this.grow(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.grow(2);
    this.buf.writeUInt16BE(v & 0xffff, this.pos);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    this.grow(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.grow(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  ipv4(addr: string): this {
    return this.bytes(ipv4ToBytes(addr));
  }

  /** Returns the position of a placeholder byte for a length written later. */
  reserveU8(): number {
    this.u8(0);
    return this.pos - 1;
  }

  reserveU16(): number {
    this.u16(0);
    return this.pos - 2;
  }

  /** Fills a reserved length with the number of bytes written since it. */
  patchU8(at: number, max = 0xff): number {
    const len = this.pos - at - 1;
    if (len > max) throw new RangeError(`length ${len} does not fit in one byte`);
    this.buf[at] = len;
    return len;
  }

  patchU16(at: number): number {
    const len = this.pos - at - 2;
    if (len > 0xffff) throw new RangeError(`length ${len} does not fit in two bytes`);
    this.buf.writeUInt16BE(len, at);
    return len;
  }

  setU16(at: number, v: number): void {
    this.buf.writeUInt16BE(v, at);
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

export function ipv4ToBytes(addr: string): Buffer {
  const parts = addr.split('.');
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${addr}`);
  const out = Buffer.allocUnsafe(4);
  for (let i = 0; i < 4; i++) {
    const n = Number(parts[i]);
    if (!Number.isInteger(n) || n < 0 || n > 255) throw new RangeError(`not an IPv4 address: ${addr}`);
    out[i] = n;
  }
  return out;
}
