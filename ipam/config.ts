/**
 * Cluster-wide IPAM settings, one key (records.ts CONFIG_KEY). Absent means
 * the defaults. Written with a compare-and-swap so two operators' changes do
 * not silently overwrite each other's fields.
 */
import { IpamCorruptRecordError, IpamInvalidRequestError } from './errors.ts';
import { CONFIG_KEY } from './records.ts';
import { withCasRetry, CONFLICT } from './retry.ts';
import { getKey, type IpamStore } from './store.ts';

export interface IpamConfig {
  /** A node allocates only from blocks affine to it: no borrowing from other nodes' blocks. */
  strictAffinity: boolean;
  /** Most blocks one node may hold; 0 means no limit. */
  maxBlocksPerHost: number;
  /** When false, nodes never claim new blocks (only borrow, or use what they hold). */
  autoAllocateBlocks: boolean;
}

export const DEFAULT_IPAM_CONFIG: Readonly<IpamConfig> = Object.freeze({
  strictAffinity: false,
  maxBlocksPerHost: 0,
  autoAllocateBlocks: true,
});

export function decodeConfig(text: string | undefined): IpamConfig {
  if (text === undefined) return { ...DEFAULT_IPAM_CONFIG };
  let doc: Partial<IpamConfig>;
  try {
    doc = JSON.parse(text) as Partial<IpamConfig>;
  } catch (err) {
    throw new IpamCorruptRecordError({ key: CONFIG_KEY, reason: (err as Error).message });
  }
  return validateConfig({ ...DEFAULT_IPAM_CONFIG, ...doc });
}

export function validateConfig(c: IpamConfig): IpamConfig {
  if (typeof c.strictAffinity !== 'boolean') throw new IpamInvalidRequestError(`strictAffinity must be true or false, not ${JSON.stringify(c.strictAffinity)}`);
  if (typeof c.autoAllocateBlocks !== 'boolean') throw new IpamInvalidRequestError(`autoAllocateBlocks must be true or false, not ${JSON.stringify(c.autoAllocateBlocks)}`);
  if (!Number.isInteger(c.maxBlocksPerHost) || c.maxBlocksPerHost < 0) {
    throw new IpamInvalidRequestError(`maxBlocksPerHost must be a whole number >= 0 (0: no limit), not ${JSON.stringify(c.maxBlocksPerHost)}`);
  }
  return { strictAffinity: c.strictAffinity, maxBlocksPerHost: c.maxBlocksPerHost, autoAllocateBlocks: c.autoAllocateBlocks };
}

export async function getIpamConfig(store: IpamStore, signal?: AbortSignal): Promise<IpamConfig> {
  return decodeConfig((await getKey(store, CONFIG_KEY, signal))?.value);
}

/** Changes the fields given and keeps the rest; returns the stored result. */
export async function setIpamConfig(store: IpamStore, patch: Partial<IpamConfig>, signal?: AbortSignal): Promise<IpamConfig> {
  let kv = await getKey(store, CONFIG_KEY, signal);
  return withCasRetry(
    signal,
    async () => {
      const next = validateConfig({ ...decodeConfig(kv?.value), ...patch });
      const r = await store.txn([{ key: CONFIG_KEY, modRevision: kv?.modRevision ?? 0 }], [{ op: 'put', key: CONFIG_KEY, value: JSON.stringify(next) }], signal);
      if (r.succeeded) return next;
      kv = r.current[0];
      return CONFLICT;
    },
    { operation: 'set IPAM configuration' },
  );
}
