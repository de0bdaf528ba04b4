/** Policy semantics: input types, conversion to the internal ordered form, and the reference evaluator. */
export * from './types.ts';
export * from './convert.ts';
export * from './decide.ts';
export * from './errors.ts';
export * from './labels.ts';
export { parseCidr, cidrContains, type Cidr, InvalidCidrError } from './cidr.ts';
export { PROTO, protocolNumber, iptablesProtocolName } from './protocols.ts';
