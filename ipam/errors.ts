/**
 * One class per distinct remedy. Codes are stable; callers (the CNI plugin,
 * reefctl) branch on `code` or `instanceof`, never on message text.
 */
import { ReefError } from '../src/lib/errors.ts';

export const IPAM_CODES = {
  poolExhausted: 'IPAM_POOL_EXHAUSTED',
  noPool: 'IPAM_NO_POOL',
  addressInUse: 'IPAM_ADDRESS_IN_USE',
  addressNotInPool: 'IPAM_ADDRESS_NOT_IN_POOL',
  addressReserved: 'IPAM_ADDRESS_RESERVED',
  addressInReservation: 'IPAM_ADDRESS_IN_RESERVATION',
  poolDisabled: 'IPAM_POOL_DISABLED',
  maxBlocks: 'IPAM_MAX_BLOCKS',
  poolInUse: 'IPAM_POOL_IN_USE',
  casExhausted: 'IPAM_CAS_RETRIES_EXHAUSTED',
  invalidRequest: 'IPAM_INVALID_REQUEST',
  corruptRecord: 'IPAM_CORRUPT_RECORD',
  storeUnavailable: 'IPAM_STORE_UNAVAILABLE',
} as const;

export class IpamPoolExhaustedError extends ReefError {
  constructor(d: { pools: string[]; node: string; family: 4 | 6; wanted: number }) {
    const { pools, node, family, wanted } = d;
    super(
      IPAM_CODES.poolExhausted,
      `no free IPv${family} address for node ${node} in pool${pools.length === 1 ? '' : 's'} ${pools.join(', ')} (wanted ${wanted})`,
      d,
    );
  }
}

export class IpamNoPoolError extends ReefError {
  constructor(d: { node: string; family: 4 | 6; requested?: string[] }) {
    super(
      IPAM_CODES.noPool,
      d.requested && d.requested.length > 0
        ? `none of the pools ${d.requested.join(', ')} is an enabled IPv${d.family} pool that selects node ${d.node}`
        : `no enabled IPv${d.family} pool selects node ${d.node}`,
      d,
    );
  }
}

export class IpamAddressInUseError extends ReefError {
  readonly handle: string;
  constructor(d: { address: string; handle: string }) {
    super(IPAM_CODES.addressInUse, `address ${d.address} is already in use by handle ${d.handle}`, d);
    this.handle = d.handle;
  }
}

export class IpamAddressNotInPoolError extends ReefError {
  constructor(d: { address: string }) {
    super(IPAM_CODES.addressNotInPool, `address ${d.address} is not in any IP pool`, d);
  }
}

export class IpamAddressReservedError extends ReefError {
  constructor(d: { address: string; block: string }) {
    super(IPAM_CODES.addressReserved, `address ${d.address} is reserved in block ${d.block} and is never handed out`, d);
  }
}

/** The address lies in an IPReservation: the remedy is another address, or changing the reservation. */
export class IpamAddressInReservationError extends ReefError {
  readonly reservation: string | undefined;
  readonly cidr: string;
  constructor(d: { address: string; cidr: string; reservation?: string }) {
    const what = d.reservation ? `IPReservation "${d.reservation}" (${d.cidr})` : `reserved range ${d.cidr}`;
    super(IPAM_CODES.addressInReservation, `address ${d.address} is inside ${what} and is never handed out`, d);
    this.reservation = d.reservation;
    this.cidr = d.cidr;
  }
}

export class IpamPoolDisabledError extends ReefError {
  constructor(d: { address: string; pool: string }) {
    super(IPAM_CODES.poolDisabled, `address ${d.address} is in pool ${d.pool}, which is disabled`, d);
  }
}

export class IpamMaxBlocksError extends ReefError {
  constructor(d: { node: string; blocks: number; max: number }) {
    super(
      IPAM_CODES.maxBlocks,
      `node ${d.node} already holds ${d.blocks} blocks, the maximum set by maxBlocksPerHost`,
      d,
    );
  }
}

export class IpamPoolInUseError extends ReefError {
  constructor(d: { pool: string; cidr: string; inUse: number }) {
    super(
      IPAM_CODES.poolInUse,
      `IP pool ${d.pool} (${d.cidr}) still has ${d.inUse} address${d.inUse === 1 ? '' : 'es'} in use; ` +
        `to drain it, set spec.disabled: true so no new address comes from it, then release the addresses ` +
        `(delete or move the pods, or run \`reefctl ipam release --ip ADDR\`) and delete the pool again`,
      d,
    );
  }
}

export class IpamCasRetriesExhaustedError extends ReefError {
  constructor(d: { operation: string; attempts: number }, cause?: unknown) {
    super(IPAM_CODES.casExhausted, `${d.operation}: gave up after ${d.attempts} conflicting or failed attempts`, d, { cause });
  }
}

export class IpamInvalidRequestError extends ReefError {
  constructor(message: string, d: Record<string, unknown> = {}) {
    super(IPAM_CODES.invalidRequest, message, d);
  }
}

export class IpamCorruptRecordError extends ReefError {
  constructor(d: { key: string; reason: string }) {
    super(IPAM_CODES.corruptRecord, `IPAM record ${d.key} is corrupt: ${d.reason}`, d);
  }
}

/**
 * A store that cannot be reached (or answered too late). Raised by store
 * implementations; withCasRetry treats it as transient.
 */
export class IpamStoreUnavailableError extends ReefError {
  constructor(d: { operation: string }, cause?: unknown) {
    super(IPAM_CODES.storeUnavailable, `IPAM datastore unavailable during ${d.operation}`, d, { cause });
  }
}
