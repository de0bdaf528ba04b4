/**
 * Key layout under /reef/v1/ipam/ and the small records besides blocks.
 * See ipam/README.md for the whole picture.
 *
 *   blocks/<network>-<prefix>             a Block (block.ts)
 *   affinities/<node>/<network>-<prefix>  AffinityRecord: node -> block, pending or confirmed
 *   handles/<urlencoded handle>           HandleRecord: block -> count of addresses
 *   config                                IpamConfig (config.ts)
 */
import { IpamCorruptRecordError } from './errors.ts';
import { formatIp, mustParseCidr, type Cidr } from './ip.ts';

export const IPAM_PREFIX = '/reef/v1/ipam/';
export const BLOCKS_PREFIX = `${IPAM_PREFIX}blocks/`;
export const AFFINITIES_PREFIX = `${IPAM_PREFIX}affinities/`;
export const HANDLES_PREFIX = `${IPAM_PREFIX}handles/`;
export const CONFIG_KEY = `${IPAM_PREFIX}config`;

/** `10.0.0.0/26` -> `10.0.0.0-26`: a slash in a key would read as a path level. */
export function blockName(c: Cidr): string {
  return `${formatIp(c.family, c.base)}-${c.prefix}`;
}

export function cidrOfBlockName(name: string): Cidr {
  const i = name.lastIndexOf('-');
  return mustParseCidr(`${name.slice(0, i)}/${name.slice(i + 1)}`);
}

export const blockKey = (c: Cidr): string => `${BLOCKS_PREFIX}${blockName(c)}`;
export const affinityKey = (node: string, c: Cidr): string => `${AFFINITIES_PREFIX}${node}/${blockName(c)}`;
export const nodeAffinitiesPrefix = (node: string): string => `${AFFINITIES_PREFIX}${node}/`;
export const handleKey = (handle: string): string => `${HANDLES_PREFIX}${encodeURIComponent(handle)}`;

export function handleOfKey(key: string): string {
  return decodeURIComponent(key.slice(HANDLES_PREFIX.length));
}

/** `affinities/n1/10.0.0.0-26` -> node and block name. */
export function parseAffinityKey(key: string): { node: string; block: string } {
  const rest = key.slice(AFFINITIES_PREFIX.length);
  const i = rest.indexOf('/');
  return { node: rest.slice(0, i), block: rest.slice(i + 1) };
}

/**
 * `pending` is written before the block is created and never counts as
 * ownership; `confirmed` once the block exists with this node as its affinity.
 */
export interface AffinityRecord {
  v: 1;
  state: 'pending' | 'confirmed';
  node: string;
  block: string;
  /** When it was written (the writer's clock); GC and check judge pending ones by it. */
  since: number;
}

export interface HandleRecord {
  v: 1;
  handle: string;
  /** Block name -> how many addresses the handle holds there. Never holds a zero. */
  blocks: Record<string, number>;
}

export function decodeAffinity(key: string, text: string): AffinityRecord {
  const r = parseJson(key, text) as AffinityRecord;
  if (r?.v !== 1 || (r.state !== 'pending' && r.state !== 'confirmed') || typeof r.node !== 'string' || typeof r.block !== 'string') {
    throw new IpamCorruptRecordError({ key, reason: 'not an affinity record' });
  }
  return r;
}

export function decodeHandle(key: string, text: string): HandleRecord {
  const r = parseJson(key, text) as HandleRecord;
  if (r?.v !== 1 || typeof r.handle !== 'string' || r.blocks === null || typeof r.blocks !== 'object') {
    throw new IpamCorruptRecordError({ key, reason: 'not a handle record' });
  }
  return r;
}

export function handleTotal(r: HandleRecord | undefined): number {
  if (!r) return 0;
  return Object.values(r.blocks).reduce((a, b) => a + b, 0);
}

/** Adds `delta` to the handle's count in `block`; a count that reaches zero is removed. */
export function adjustHandle(r: HandleRecord | undefined, handle: string, block: string, delta: number): HandleRecord {
  const blocks = { ...(r?.blocks ?? {}) };
  const n = (blocks[block] ?? 0) + delta;
  if (n > 0) blocks[block] = n;
  else delete blocks[block];
  return { v: 1, handle, blocks };
}

function parseJson(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new IpamCorruptRecordError({ key, reason: `not JSON: ${(err as Error).message}` });
  }
}
