import { BgpWireError } from './errors.ts';

/**
 * A bounds-checked cursor over one message. Every overrun becomes a
 * BgpWireError that names the field being read, so decoders never index past
 * their data and never throw RangeError.
 *
 * The error an overrun raises (code/subcode) is chosen by the caller with
 * `onOverrun`, because the same short read means different things in an OPEN
 * and in an UPDATE attribute.
 */
export class Reader {
  readonly buf: Buffer;
  pos: number;
  end: number;
  private readonly path: string[];
  private overrunCode: number;
  private overrunSubcode: number;

  constructor(buf: Buffer, start: number, end: number, root: string, code: number, subcode: number) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.path = [root];
    this.overrunCode = code;
    this.overrunSubcode = subcode;
  }

  onOverrun(code: number, subcode: number): void {
    this.overrunCode = code;
    this.overrunSubcode = subcode;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  field(): string {
    return this.path.join('.');
  }

  enter(name: string): void {
    this.path.push(name);
  }

  leave(): void {
    this.path.pop();
  }

  /** Runs `fn` inside a sub-range of `len` bytes, then moves past it whatever `fn` read. */
  within<T>(len: number, name: string, fn: () => T): T {
    this.need(len, name);
    const savedEnd = this.end;
    const stop = this.pos + len;
    this.end = stop;
    this.enter(name);
    try {
      return fn();
    } finally {
      this.leave();
      this.end = savedEnd;
      this.pos = stop;
    }
  }

  fail(message: string, code = this.overrunCode, subcode = this.overrunSubcode, data?: Buffer, offset = this.pos): never {
    throw new BgpWireError({ code, subcode, data, offset, field: this.field(), message });
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      this.fail(`${what} needs ${n} bytes, ${this.end - this.pos} left`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  ipv4(what: string): string {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return `${b[p]}.${b[p + 1]}.${b[p + 2]}.${b[p + 3]}`;
  }

  /** A copy, so decoded messages never alias the socket's receive buffer. */
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  rest(): Buffer {
    return this.bytes(this.end - this.pos, 'rest');
  }
}
