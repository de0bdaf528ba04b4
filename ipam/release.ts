/**
 * Releasing addresses: by handle (CNI DEL, `reefctl ipam release --handle`)
 * and by address (`reefctl ipam release --ip`). Both are idempotent and
 * write each block together with the handle records it changes.
 */
import { IpamInvalidRequestError } from './errors.ts';
import { cidrContains, enclosingCidr, parseIp } from './ip.ts';
import { Plan } from './plan.ts';
import { poolContaining, type ParsedPool } from './pools.ts';
import { BLOCKS_PREFIX, blockKey, blockName, cidrOfBlockName, decodeHandle, handleKey } from './records.ts';
import { CONFLICT, withCasRetry } from './retry.ts';
import type { IpamState } from './state.ts';
import type { IpamStore } from './store.ts';

export interface ReleaseDeps {
  store: IpamStore;
  state: IpamState;
  now(): number;
  pools(): Promise<ParsedPool[]>;
}

export interface ReleaseResult {
  released: { address: string; handle: string }[];
  /** Addresses that were free already (release is idempotent, so this is not an error). */
  notAllocated: string[];
}

export async function releaseByHandle(deps: ReleaseDeps, handle: string, opts: { signal?: AbortSignal; scanBlocks?: boolean } = {}): Promise<ReleaseResult> {
  if (!handle) throw new IpamInvalidRequestError('a handle is required');
  const { store, state, signal } = { ...deps, signal: opts.signal };
  return withCasRetry(
    signal,
    async () => {
      const [h, all] = await store.read([{ key: handleKey(handle) }, ...(opts.scanBlocks ? [{ prefix: BLOCKS_PREFIX }] : [])], signal);
      const hkv = h![0];
      let names: string[];
      if (all) {
        names = all.map((kv) => state.noteBlock(kv.key, kv)).filter((s) => s.block!.ordinalsOf(handle).length > 0).map((s) => s.name);
      } else {
        names = hkv ? Object.keys(decodeHandle(hkv.key, hkv.value).blocks) : [];
        const keys = names.map((n) => blockKey(cidrOfBlockName(n)));
        if (keys.length > 0) {
          const got = await store.read(keys.map((key) => ({ key })), signal);
          keys.forEach((k, i) => state.noteBlock(k, got[i]![0]));
        }
      }
      const plan = new Plan();
      plan.useHandle(handle, hkv);
      plan.dropHandle(handle);
      const result: ReleaseResult = { released: [], notAllocated: [] };
      const now = deps.now();
      for (const name of names) {
        const snap = state.block(name);
        if (!snap?.block || snap.block.ordinalsOf(handle).length === 0) continue;
        const b = plan.working(snap);
        for (const o of b.releaseHandle(handle, now)) result.released.push({ address: b.addressOf(o), handle });
      }
      if (!hkv && result.released.length === 0) return result;
      const r = await plan.commit(store, state, signal);
      return r.ok ? result : CONFLICT;
    },
    { operation: `release handle ${handle}` },
  );
}

export async function releaseIPs(deps: ReleaseDeps, addresses: readonly string[], signal?: AbortSignal): Promise<ReleaseResult> {
  const pools = await deps.pools();
  const parsed = addresses.map((a) => {
    const ip = parseIp(a);
    if (!ip) throw new IpamInvalidRequestError(`"${a}" is not an IP address`);
    return { text: a, ...ip };
  });
  let blockNames: string[] | undefined;
  const byBlock = new Map<string, typeof parsed>();
  const result: ReleaseResult = { released: [], notAllocated: [] };
  for (const ip of parsed) {
    const pool = poolContaining(pools, ip.family, ip.value);
    let name: string | undefined;
    if (pool) {
      name = blockName(enclosingCidr(ip.family, ip.value, pool.pool.blockSize));
    } else {
      // The pool may be gone while its blocks are not: find the block itself.
      blockNames ??= (await deps.store.read([{ prefix: BLOCKS_PREFIX, keysOnly: true }], signal))[0]!.map((kv) => kv.key.slice(BLOCKS_PREFIX.length));
      name = blockNames.find((n) => cidrContains(cidrOfBlockName(n), ip.family, ip.value));
    }
    if (!name) {
      result.notAllocated.push(ip.text);
      continue;
    }
    byBlock.set(name, [...(byBlock.get(name) ?? []), ip]);
  }
  for (const [name, ips] of byBlock) {
    const key = blockKey(cidrOfBlockName(name));
    const part = await withCasRetry(
      signal,
      async () => {
        const out: ReleaseResult = { released: [], notAllocated: [] };
        const snap = deps.state.noteBlock(key, (await deps.store.read([{ key }], signal))[0]![0]);
        if (!snap.block) return { released: [], notAllocated: ips.map((i) => i.text) };
        const holders = [...new Set(ips.map((i) => snap.block!.holderOf(snap.block!.ordinalOf(i.value)!)?.handle).filter((h): h is string => h !== undefined))];
        const got = holders.length > 0 ? await deps.store.read(holders.map((h) => ({ key: handleKey(h) })), signal) : [];
        const plan = new Plan();
        holders.forEach((h, i) => plan.useHandle(h, got[i]![0]));
        const b = plan.working(snap);
        const now = deps.now();
        for (const ip of ips) {
          const o = b.ordinalOf(ip.value)!;
          const h = b.release(o, now);
          if (h === undefined) out.notAllocated.push(ip.text);
          else {
            plan.count(h, name, -1);
            out.released.push({ address: b.addressOf(o), handle: h });
          }
        }
        if (out.released.length === 0) return out;
        const r = await plan.commit(deps.store, deps.state, signal);
        return r.ok ? out : CONFLICT;
      },
      { operation: `release addresses in block ${name}` },
    );
    result.released.push(...part.released);
    result.notAllocated.push(...part.notAllocated);
  }
  return result;
}

/** One line per outcome, for `reefctl ipam release`. */
export function describeRelease(r: ReleaseResult): string[] {
  return [
    ...r.released.map((x) => `released ${x.address} (handle ${x.handle})`),
    ...r.notAllocated.map((a) => `${a} was not allocated; nothing to release`),
  ];
}
