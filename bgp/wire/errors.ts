import { ReefError } from '../../src/lib/errors.ts';
import { describeNotification } from './describe.ts';

export interface BgpWireErrorInit {
  readonly code: number;
  readonly subcode: number;
  /** NOTIFICATION data to send back (RFC 4271 section 6 says what each error carries). */
  readonly data?: Buffer;
  /** Byte offset in the buffer being decoded, when one applies. */
  readonly offset?: number;
  /** Where in the message, e.g. `UPDATE.attributes[2](AS_PATH).segment[0]`. */
  readonly field?: string;
  readonly message: string;
}

/**
 * Raised by the codec for bytes a peer must not send. It carries everything
 * the session needs to answer with a NOTIFICATION, and what a person needs to
 * find the bad byte. Nothing else is ever thrown by a decoder.
 */
export class BgpWireError extends ReefError {
  readonly notificationCode: number;
  readonly subcode: number;
  readonly data: Buffer;
  readonly offset: number | undefined;
  readonly field: string | undefined;

  constructor(init: BgpWireErrorInit) {
    const where = init.field !== undefined ? ` at ${init.field}` : '';
    const at = init.offset !== undefined ? ` (byte ${init.offset})` : '';
    super(
      'BGP_WIRE_MALFORMED',
      `${init.message}${where}${at}: ${describeNotification(init.code, init.subcode)}`,
      { code: init.code, subcode: init.subcode, offset: init.offset, field: init.field },
    );
    this.notificationCode = init.code;
    this.subcode = init.subcode;
    this.data = init.data ?? Buffer.alloc(0);
    this.offset = init.offset;
    this.field = init.field;
  }
}
