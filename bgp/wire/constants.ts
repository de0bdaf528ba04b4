/**
 * Every number the BGP wire format uses, by its IANA name. Nothing outside this
 * file spells a code as a bare number.
 */
export { AFI, SAFI, ORIGIN, AS_PATH_SEGMENT } from './types.ts';

export const MARKER_LEN = 16;
export const HEADER_LEN = 19;
/** RFC 4271 section 4.1; RFC 8654 extended messages are not negotiated. */
export const MAX_MESSAGE_LEN = 4096;
export const BGP_VERSION = 4;
/** RFC 6793: the 2-octet stand-in for an AS number above 65535. */
export const AS_TRANS = 23456;
export const BGP_PORT = 179;
/** RFC 4271 section 4.2: a non-zero hold time must be at least 3 s. */
export const MIN_HOLD_TIME = 3;

export const MESSAGE_TYPE = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;
export type MessageTypeCode = (typeof MESSAGE_TYPE)[keyof typeof MESSAGE_TYPE];

/** Smallest legal length of each message type, header included (RFC 4271 4.x, RFC 2918). */
export const MIN_MESSAGE_LEN: Readonly<Record<MessageTypeCode, number>> = {
  [MESSAGE_TYPE.OPEN]: 29,
  [MESSAGE_TYPE.UPDATE]: 23,
  [MESSAGE_TYPE.NOTIFICATION]: 21,
  [MESSAGE_TYPE.KEEPALIVE]: 19,
  [MESSAGE_TYPE.ROUTE_REFRESH]: 23,
};

export const NOTIFICATION_CODE = {
  MESSAGE_HEADER_ERROR: 1,
  OPEN_MESSAGE_ERROR: 2,
  UPDATE_MESSAGE_ERROR: 3,
  HOLD_TIMER_EXPIRED: 4,
  FSM_ERROR: 5,
  CEASE: 6,
  ROUTE_REFRESH_MESSAGE_ERROR: 7,
} as const;
export type NotificationCode = (typeof NOTIFICATION_CODE)[keyof typeof NOTIFICATION_CODE];

export const HEADER_ERROR = {
  CONNECTION_NOT_SYNCHRONIZED: 1,
  BAD_MESSAGE_LENGTH: 2,
  BAD_MESSAGE_TYPE: 3,
} as const;

export const OPEN_ERROR = {
  UNSUPPORTED_VERSION_NUMBER: 1,
  BAD_PEER_AS: 2,
  BAD_BGP_IDENTIFIER: 3,
  UNSUPPORTED_OPTIONAL_PARAMETER: 4,
  UNACCEPTABLE_HOLD_TIME: 6,
  UNSUPPORTED_CAPABILITY: 7,
} as const;

export const UPDATE_ERROR = {
  MALFORMED_ATTRIBUTE_LIST: 1,
  UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE: 2,
  MISSING_WELL_KNOWN_ATTRIBUTE: 3,
  ATTRIBUTE_FLAGS_ERROR: 4,
  ATTRIBUTE_LENGTH_ERROR: 5,
  INVALID_ORIGIN_ATTRIBUTE: 6,
  INVALID_NEXT_HOP_ATTRIBUTE: 8,
  OPTIONAL_ATTRIBUTE_ERROR: 9,
  INVALID_NETWORK_FIELD: 10,
  MALFORMED_AS_PATH: 11,
} as const;

/** RFC 6608. */
export const FSM_ERROR = {
  UNSPECIFIED: 0,
  UNEXPECTED_MESSAGE_IN_OPENSENT: 1,
  UNEXPECTED_MESSAGE_IN_OPENCONFIRM: 2,
  UNEXPECTED_MESSAGE_IN_ESTABLISHED: 3,
} as const;

/** RFC 4486, RFC 8538 (Hard Reset). */
export const CEASE = {
  MAXIMUM_PREFIXES_REACHED: 1,
  ADMINISTRATIVE_SHUTDOWN: 2,
  PEER_DECONFIGURED: 3,
  ADMINISTRATIVE_RESET: 4,
  CONNECTION_REJECTED: 5,
  OTHER_CONFIGURATION_CHANGE: 6,
  CONNECTION_COLLISION_RESOLUTION: 7,
  OUT_OF_RESOURCES: 8,
  HARD_RESET: 9,
} as const;

/** RFC 7313. */
export const ROUTE_REFRESH_ERROR = { INVALID_MESSAGE_LENGTH: 1 } as const;

/** RFC 7313 section 3: the byte after the AFI in ROUTE-REFRESH (reserved in RFC 2918). */
export const ROUTE_REFRESH_SUBTYPE = { NORMAL: 0, BORR: 1, EORR: 2 } as const;

export const ATTR_FLAG = {
  OPTIONAL: 0x80,
  TRANSITIVE: 0x40,
  PARTIAL: 0x20,
  EXTENDED_LENGTH: 0x10,
} as const;

export const ATTR_TYPE = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8,
  ORIGINATOR_ID: 9,
  CLUSTER_LIST: 10,
  MP_REACH_NLRI: 14,
  MP_UNREACH_NLRI: 15,
  AS4_PATH: 17,
  AS4_AGGREGATOR: 18,
  LARGE_COMMUNITIES: 32,
} as const;
export type AttrTypeCode = (typeof ATTR_TYPE)[keyof typeof ATTR_TYPE];

export const OPEN_PARAM_TYPE = { CAPABILITIES: 2 } as const;

export const CAPABILITY_CODE = {
  MULTIPROTOCOL: 1,
  ROUTE_REFRESH: 2,
  EXTENDED_MESSAGE: 6,
  GRACEFUL_RESTART: 64,
  FOUR_OCTET_AS: 65,
  ADD_PATH: 69,
  ENHANCED_ROUTE_REFRESH: 70,
} as const;

/** RFC 4724 section 3 (N bit from RFC 8538). */
export const GRACEFUL_RESTART_FLAG = { RESTART: 0x8, NOTIFICATION: 0x4 } as const;
export const GRACEFUL_RESTART_AF_FLAG = { FORWARDING_PRESERVED: 0x80 } as const;
/** Restart Time is a 12-bit field. */
export const MAX_RESTART_TIME = 0xfff;

/**
 * RFC 7606 error actions, ordered by strength so that the strongest of several
 * findings is the numeric maximum.
 */
export const ERROR_ACTION = {
  ATTRIBUTE_DISCARD: 1,
  TREAT_AS_WITHDRAW: 2,
  SESSION_RESET: 3,
} as const;
export type ErrorAction = (typeof ERROR_ACTION)[keyof typeof ERROR_ACTION];
