/**
 * ADD, DEL and CHECK on an allocator and its store, with no process, stdin
 * or environment in sight (reef-ipam.ts does those). Errors from IPAM become
 * CNI errors here, each with the code a runtime can act on.
 *
 * - ADD is retry-safe: a handle that already holds an address of a family
 *   gets it back instead of a second one (a runtime that timed out and
 *   repeats ADD must not leak). A failure after a partial assignment
 *   releases what this ADD took.
 * - DEL releases by handle and succeeds when nothing is held.
 * - CHECK wants every address the handle holds in prevResult, and every
 *   prevResult address inside a reef pool held by the handle.
 */
import type { IpamAllocator } from '../../ipam/allocator.ts';
import { Block } from '../../ipam/block.ts';
import { IPAM_CODES } from '../../ipam/errors.ts';
import { parseIp, type Family } from '../../ipam/ip.ts';
import { poolContaining, type ParsedPool } from '../../ipam/pools.ts';
import { BLOCKS_PREFIX, decodeHandle, handleKey } from '../../ipam/records.ts';
import type { IpamStore } from '../../ipam/store.ts';
import { ReefError } from '../lib/errors.ts';
import type { PluginRequest } from './config.ts';
import { gatewayOf, releaseLoneReservation, reserveSpecials } from './gateway.ts';
import { CNI_CODES, CniError, decodeResultIps, type IpamResult, type IpConfig } from './spec.ts';

export interface PluginDeps {
  allocator: IpamAllocator;
  store: IpamStore;
  now(): number;
  signal?: AbortSignal;
}

export interface Held {
  address: string;
  family: Family;
  block: Block;
  blockName: string;
}

/** What `handle` holds, from its record and the blocks it names: two reads. */
export async function heldBy(store: IpamStore, handle: string, signal?: AbortSignal): Promise<Held[]> {
  const [h] = await store.read([{ key: handleKey(handle) }], signal);
  const kv = h![0];
  if (!kv) return [];
  const names = Object.keys(decodeHandle(kv.key, kv.value).blocks).sort();
  if (names.length === 0) return [];
  const got = await store.read(names.map((n) => ({ key: `${BLOCKS_PREFIX}${n}` })), signal);
  const out: Held[] = [];
  names.forEach((name, i) => {
    const bkv = got[i]![0];
    if (!bkv) return;
    const block = Block.decode(bkv.value, bkv.key);
    for (const o of block.ordinalsOf(handle)) out.push({ address: block.addressOf(o), family: block.cidr.family, block, blockName: name });
  });
  return out;
}

export async function cmdAdd(req: PluginRequest, deps: PluginDeps): Promise<IpamResult> {
  const { allocator, store, signal } = deps;
  let held = await heldBy(store, req.handle, signal);
  const attrs = {
    node: req.node,
    containerID: req.containerId,
    ifname: req.ifName,
    ...(req.namespace !== undefined ? { namespace: req.namespace } : {}),
    ...(req.pod !== undefined ? { pod: req.pod } : {}),
  };
  const wanted: [Family, string[] | undefined][] = [];
  if (req.assignIpv4) wanted.push([4, req.ipv4Pools]);
  if (req.assignIpv6) wanted.push([6, req.ipv6Pools]);
  const fresh = held.length === 0;
  try {
    const pools = await allocator.pools();
    for (const [family, poolNames] of wanted) {
      for (let round = 0; round < 4 && !held.some((h) => h.family === family); round++) {
        await allocator.autoAssign({
          num4: family === 4 ? 1 : 0,
          num6: family === 6 ? 1 : 0,
          handle: req.handle,
          node: req.node,
          attrs,
          ...(poolNames ? { pools: poolNames } : {}),
          ...(signal ? { signal } : {}),
        });
        held = await heldBy(store, req.handle, signal);
        if (req.subnet !== 'block') continue;
        for (const h of held.filter((x) => x.family === family)) {
          const p = poolContaining(pools, family, parseIp(h.address)!.value);
          checkBlockFitsGateway(p, h);
          await reserveSpecials(allocator, store, h.blockName, req.handle, req.node, signal);
        }
        held = await heldBy(store, req.handle, signal);
      }
      if (!held.some((h) => h.family === family)) {
        throw new CniError(CNI_CODES.poolExhausted, `no IPv${family} address for ${req.handle}`, 'every address handed out was a block gateway; the pool may be nearly full');
      }
    }
  } catch (err) {
    if (fresh) await allocator.releaseByHandle(req.handle, signal ? { signal } : {}).catch(() => undefined);
    throw toCniError(err);
  }
  return {
    ips: held.map((h) => ipConfigOf(h, req)),
    routes: req.routes,
    dns: req.dns,
  };
}

export async function cmdDel(req: PluginRequest, deps: PluginDeps): Promise<void> {
  try {
    // Which blocks to look at afterwards: the handle record is gone once released.
    const blocks = req.subnet === 'block' ? new Set((await heldBy(deps.store, req.handle, deps.signal)).map((h) => h.blockName)) : new Set<string>();
    await deps.allocator.releaseByHandle(req.handle, deps.signal ? { signal: deps.signal } : {});
    for (const b of blocks) await releaseLoneReservation(deps.store, b, deps.now(), deps.signal);
  } catch (err) {
    throw toCniError(err);
  }
}

export async function cmdCheck(req: PluginRequest, deps: PluginDeps): Promise<void> {
  let held: Held[];
  let pools: ParsedPool[];
  try {
    held = await heldBy(deps.store, req.handle, deps.signal);
    pools = await deps.allocator.pools();
  } catch (err) {
    throw toCniError(err);
  }
  if (held.length === 0) throw new CniError(CNI_CODES.checkNoAllocation, `no address is allocated to handle ${req.handle}`);
  const prev = decodeResultIps(req.prevResult);
  if (!prev) throw new CniError(CNI_CODES.invalidNetworkConfig, 'invalid network configuration: prevResult', 'CHECK needs a prevResult with ips');
  const prevAddrs = new Set(prev.map((p) => p.address.split('/')[0]!));
  const mine = new Set(held.map((h) => h.address));
  const missing = [...mine].filter((a) => !prevAddrs.has(a));
  const foreign = [...prevAddrs].filter((a) => {
    const ip = parseIp(a);
    return ip !== undefined && !mine.has(a) && poolContaining(pools, ip.family, ip.value) !== undefined;
  });
  if (missing.length > 0 || foreign.length > 0) {
    const parts = [
      ...(missing.length ? [`held but not in prevResult: ${missing.join(', ')}`] : []),
      ...(foreign.length ? [`in prevResult but not held: ${foreign.join(', ')}`] : []),
    ];
    throw new CniError(CNI_CODES.checkMismatch, `addresses of handle ${req.handle} do not match prevResult`, parts.join('; '));
  }
  for (const [family, want] of [[4, req.assignIpv4], [6, req.assignIpv6]] as const) {
    if (want && !held.some((h) => h.family === family)) throw new CniError(CNI_CODES.checkNoAllocation, `handle ${req.handle} holds no IPv${family} address`);
  }
}

function ipConfigOf(h: Held, req: PluginRequest): IpConfig {
  if (req.subnet === 'host') return { address: `${h.address}/${h.family === 4 ? 32 : 128}` };
  return { address: `${h.address}/${h.block.cidr.prefix}`, gateway: gatewayOf(h.block) };
}

function checkBlockFitsGateway(p: ParsedPool | undefined, h: Held): void {
  if (h.block.size >= 4) return;
  throw new CniError(
    CNI_CODES.invalidNetworkConfig,
    'invalid network configuration: ipam.subnet',
    `"block" needs blocks of at least 4 addresses, but ${h.address} is in block ${h.block.cidrText}${p ? ` of pool ${p.pool.name}` : ''}; use "host"`,
  );
}

const IPAM_TO_CNI: Record<string, number> = {
  [IPAM_CODES.poolExhausted]: CNI_CODES.poolExhausted,
  [IPAM_CODES.maxBlocks]: CNI_CODES.maxBlocks,
  [IPAM_CODES.noPool]: CNI_CODES.noPool,
  [IPAM_CODES.addressInUse]: CNI_CODES.addressUnavailable,
  [IPAM_CODES.addressReserved]: CNI_CODES.addressUnavailable,
  [IPAM_CODES.addressInReservation]: CNI_CODES.addressUnavailable,
  [IPAM_CODES.poolDisabled]: CNI_CODES.addressUnavailable,
  [IPAM_CODES.addressNotInPool]: CNI_CODES.addressUnavailable,
  [IPAM_CODES.invalidRequest]: CNI_CODES.invalidNetworkConfig,
  [IPAM_CODES.storeUnavailable]: CNI_CODES.tryAgainLater,
  [IPAM_CODES.casExhausted]: CNI_CODES.tryAgainLater,
  DATASTORE_UNREACHABLE: CNI_CODES.tryAgainLater,
};

export function toCniError(err: unknown): CniError {
  if (err instanceof CniError) return err;
  if (err instanceof ReefError) {
    const code = (IPAM_TO_CNI[err.code] ?? CNI_CODES.internal) as CniError['cniCode'];
    const msg = code === CNI_CODES.tryAgainLater ? 'datastore unreachable, try again later' : err.message;
    return new CniError(code, msg, code === CNI_CODES.tryAgainLater ? describeCause(err) : undefined, err);
  }
  return new CniError(CNI_CODES.internal, 'internal error in reef-ipam', err instanceof Error ? err.message : String(err), err);
}

/** The innermost reef message (it names the endpoint), without gRPC's resolution notes. */
function describeCause(err: Error): string {
  let inner: Error = err;
  for (let e: unknown = err.cause; e instanceof ReefError; e = e.cause) inner = e;
  return inner.message.split('\n')[0]!.replace(/\.?\s*Resolution note:.*$/, '').replace(/: Error: /, ': ');
}
