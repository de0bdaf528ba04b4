import { BGP_VERSION, NOTIFICATION_CODE, OPEN_ERROR, OPEN_PARAM_TYPE } from './constants.ts';
import { readCapability, writeCapability, type Capability } from './capabilities.ts';
import { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/**
 * OPEN (RFC 4271 4.2). `myAs` is the 2-octet field as sent (AS_TRANS for a
 * 4-octet AS); the real AS is in the four-octet-as capability, see `openAsn`.
 * Decoding checks syntax only; the session validates AS, identifier and hold time.
 */
export interface OpenMessage {
  readonly type: 'OPEN';
  readonly version: number;
  readonly myAs: number;
  readonly holdTime: number;
  readonly bgpId: string;
  readonly capabilities: readonly Capability[];
}

export function encodeOpen(m: OpenMessage, w: Writer): void {
  w.u8(m.version).u16(m.myAs).u16(m.holdTime).ipv4(m.bgpId);
  const optLen = w.reserveU8();
  if (m.capabilities.length > 0) {
    w.u8(OPEN_PARAM_TYPE.CAPABILITIES);
    const paramLen = w.reserveU8();
    for (const c of m.capabilities) writeCapability(w, c);
    w.patchU8(paramLen);
  }
  w.patchU8(optLen);
}

export function decodeOpen(buf: Buffer, start: number, end: number): OpenMessage {
  const r = new Reader(buf, start, end, 'OPEN', NOTIFICATION_CODE.OPEN_MESSAGE_ERROR, 0);
  const version = r.u8('version');
  if (version !== BGP_VERSION) {
    // RFC 4271 6.2: the data is the largest version we support, as 2 bytes.
    r.fail(`version ${version} is not supported`, NOTIFICATION_CODE.OPEN_MESSAGE_ERROR, OPEN_ERROR.UNSUPPORTED_VERSION_NUMBER, Buffer.from([0, BGP_VERSION]), start);
  }
  const myAs = r.u16('my AS');
  const holdTime = r.u16('hold time');
  const bgpId = r.ipv4('BGP identifier');
  const optLen = r.u8('optional parameters length');
  if (r.remaining !== optLen) {
    r.fail(`optional parameters length ${optLen} but ${r.remaining} bytes follow`);
  }
  const capabilities: Capability[] = [];
  let i = 0;
  while (r.remaining > 0) {
    const at = r.pos;
    const ptype = r.u8('parameter type');
    const plen = r.u8('parameter length');
    r.within(plen, `parameters[${i}]`, () => {
      if (ptype !== OPEN_PARAM_TYPE.CAPABILITIES) {
        r.fail(`optional parameter type ${ptype} is not supported`, NOTIFICATION_CODE.OPEN_MESSAGE_ERROR, OPEN_ERROR.UNSUPPORTED_OPTIONAL_PARAMETER, undefined, at);
      }
      while (r.remaining > 0) capabilities.push(readCapability(r));
    });
    i++;
  }
  return { type: 'OPEN', version, myAs, holdTime, bgpId, capabilities };
}

/** The sender's AS: from the 4-octet AS capability when present (RFC 6793), else the 2-octet field. */
export function openAsn(m: OpenMessage): number {
  for (const c of m.capabilities) if (c.kind === 'four-octet-as') return c.asn;
  return m.myAs;
}
