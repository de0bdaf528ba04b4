import { CAPABILITY_CODE, GRACEFUL_RESTART_AF_FLAG, GRACEFUL_RESTART_FLAG, MAX_RESTART_TIME, NOTIFICATION_CODE } from './constants.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/**
 * OPEN capabilities (RFC 5492). The ones reef acts on are decoded; every other
 * one is kept as raw bytes so it can be logged and compared.
 */
export interface GracefulRestartFamily {
  readonly afi: number;
  readonly safi: number;
  /** RFC 4724: the peer kept forwarding state for this family across its restart. */
  readonly forwardingPreserved: boolean;
}

export type Capability =
  | { readonly kind: 'multiprotocol'; readonly afi: number; readonly safi: number }
  | { readonly kind: 'route-refresh' }
  | { readonly kind: 'four-octet-as'; readonly asn: number }
  | {
      readonly kind: 'graceful-restart';
      /** R bit: the sender has just restarted. */
      readonly restarting: boolean;
      /** N bit (RFC 8538). */
      readonly notification: boolean;
      /** Seconds, 12 bits. */
      readonly restartTime: number;
      readonly families: readonly GracefulRestartFamily[];
    }
  | { readonly kind: 'unknown'; readonly code: number; readonly value: Buffer };

/** OPEN Message Error with subcode 0: RFC 5492 names no subcode for a malformed capability. */
const MALFORMED = { code: NOTIFICATION_CODE.OPEN_MESSAGE_ERROR, subcode: 0 };

function badLength(r: Reader, name: string, len: number, want: string): never {
  return r.fail(`${name} capability length ${len}, expected ${want}`, MALFORMED.code, MALFORMED.subcode);
}

/** Reads one capability TLV; `r` is positioned at its code. */
export function readCapability(r: Reader): Capability {
  const code = r.u8('capability code');
  const len = r.u8('capability length');
  return r.within(len, `capability(${code})`, (): Capability => {
    switch (code) {
      case CAPABILITY_CODE.MULTIPROTOCOL: {
        if (len !== 4) badLength(r, 'multiprotocol', len, '4');
        const afi = r.u16('afi');
        r.u8('reserved');
        return { kind: 'multiprotocol', afi, safi: r.u8('safi') };
      }
      case CAPABILITY_CODE.ROUTE_REFRESH:
        if (len !== 0) badLength(r, 'route refresh', len, '0');
        return { kind: 'route-refresh' };
      case CAPABILITY_CODE.FOUR_OCTET_AS:
        if (len !== 4) badLength(r, '4-octet AS', len, '4');
        return { kind: 'four-octet-as', asn: r.u32('asn') };
      case CAPABILITY_CODE.GRACEFUL_RESTART: {
        if (len < 2 || (len - 2) % 4 !== 0) badLength(r, 'graceful restart', len, '2 + 4n');
        const head = r.u16('restart flags and time');
        const families: GracefulRestartFamily[] = [];
        while (r.remaining > 0) {
          const afi = r.u16('afi');
          const safi = r.u8('safi');
          const flags = r.u8('flags');
          families.push({ afi, safi, forwardingPreserved: (flags & GRACEFUL_RESTART_AF_FLAG.FORWARDING_PRESERVED) !== 0 });
        }
        const flags = head >> 12;
        return {
          kind: 'graceful-restart',
          restarting: (flags & GRACEFUL_RESTART_FLAG.RESTART) !== 0,
          notification: (flags & GRACEFUL_RESTART_FLAG.NOTIFICATION) !== 0,
          restartTime: head & MAX_RESTART_TIME,
          families,
        };
      }
      default:
        return { kind: 'unknown', code, value: r.rest() };
    }
  });
}

export function writeCapability(w: Writer, c: Capability): void {
  switch (c.kind) {
    case 'multiprotocol':
      w.u8(CAPABILITY_CODE.MULTIPROTOCOL).u8(4).u16(c.afi).u8(0).u8(c.safi);
      return;
    case 'route-refresh':
      w.u8(CAPABILITY_CODE.ROUTE_REFRESH).u8(0);
      return;
    case 'four-octet-as':
      w.u8(CAPABILITY_CODE.FOUR_OCTET_AS).u8(4).u32(c.asn);
      return;
    case 'graceful-restart': {
      w.u8(CAPABILITY_CODE.GRACEFUL_RESTART);
      const at = w.reserveU8();
      const flags = (c.restarting ? GRACEFUL_RESTART_FLAG.RESTART : 0) | (c.notification ? GRACEFUL_RESTART_FLAG.NOTIFICATION : 0);
      w.u16((flags << 12) | (c.restartTime & MAX_RESTART_TIME));
      for (const f of c.families) {
        w.u16(f.afi).u8(f.safi).u8(f.forwardingPreserved ? GRACEFUL_RESTART_AF_FLAG.FORWARDING_PRESERVED : 0);
      }
      w.patchU8(at);
      return;
    }
    case 'unknown':
      w.u8(c.code).u8(c.value.length).bytes(c.value);
      return;
  }
}
