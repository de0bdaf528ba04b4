/**
 * What the `ipam` commands and the IPPool delete guard share: an IPAM store
 * on the same etcd the rest of reefctl uses (resolved the same way: flags,
 * env, config file), every IPAM call bounded by --request-timeout, and the
 * `isInUse` predicate that `ipam check` judges leaks by.
 *
 * IPAM keys are only in etcd: against another datastore (the in-memory one
 * tests inject) the commands refuse, and the delete guard has nothing to
 * check.
 */
import { existsSync } from 'node:fs';
import { datastoreConfigFrom } from '../../datastore/config.ts';
import type { Resource } from '../../model/resource.ts';
import type { AllocationAttrs } from '../../../ipam/block.ts';
import { IpamStoreUnavailableError, IpamCasRetriesExhaustedError } from '../../../ipam/errors.ts';
import type { IpamPool } from '../../../ipam/pools.ts';
import { parseReservations, type ParsedReservation } from '../../../ipam/reservations.ts';
import type { IpamSnapshot } from '../../../ipam/snapshot.ts';
import type { IpamStore } from '../../../ipam/store.ts';
import { GATEWAY_HANDLE_PREFIX, isGatewayHandle } from '../../cni/gateway.ts';
import { listPools, listReservations, openIpamStore } from '../../cni/ipam-wiring.ts';
import { DEFAULT_CONFIG_FILE } from '../connect.ts';
import { deadline, DEFAULT_TIMEOUT_MS, type Context } from '../context.ts';
import { CliError, EXIT, UnreachableError } from '../errors.ts';

export interface IpamSession {
  store: IpamStore;
  pools(): Promise<IpamPool[]>;
  /** The IPReservations' CIDRs, named by reservation. */
  reservations(): Promise<ParsedReservation[]>;
  signal: AbortSignal;
}

/** True when the datastore behind `ctx` is etcd, where IPAM keeps its keys. */
export async function hasIpam(ctx: Context): Promise<boolean> {
  return (await ctx.describeStore()).type === 'etcdv3';
}

export async function withIpam<T>(ctx: Context, fn: (s: IpamSession) => Promise<T>): Promise<T> {
  const conn = await ctx.describeStore();
  if (conn.type !== 'etcdv3') throw new CliError(`IPAM needs an etcd datastore; this one is ${conn.type}`, EXIT.usage);
  const ms = timeoutMs(ctx);
  const { options: o, io } = ctx;
  const configFile = o.config ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  const flags = { datastoreType: o.datastoreType, etcdEndpoints: o.etcdEndpoints };
  const cfg = datastoreConfigFrom(configFile === undefined ? { flags, env: io.env } : { flags, env: io.env, configFile });
  const ipam = openIpamStore({ ...cfg.etcd, callTimeoutMs: ms }, ms);
  const ac = new AbortController();
  const store = await ctx.store();
  try {
    const reservations = async () => parseReservations(await listReservations(store));
    const work = fn({ store: ipam.store, pools: () => listPools(store), reservations, signal: ac.signal });
    return await deadline(work, ms, () => {
      ac.abort(new UnreachableError(conn.where));
      throw new UnreachableError(conn.where);
    });
  } catch (err) {
    if (err instanceof IpamStoreUnavailableError || err instanceof IpamCasRetriesExhaustedError || ac.signal.aborted) {
      throw err instanceof UnreachableError ? err : new UnreachableError(conn.where, err);
    }
    throw err;
  } finally {
    ac.abort();
    ipam.close();
  }
}

function timeoutMs(ctx: Context): number {
  const raw = ctx.options.requestTimeout ?? ctx.io.env.REEF_REQUEST_TIMEOUT;
  const secs = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(secs) && secs > 0 ? secs * 1000 : DEFAULT_TIMEOUT_MS;
}

/**
 * A handle is in use when a WorkloadEndpoint in the datastore carries its
 * container ID: `attrs.containerID` as reef-ipam records it, else the part
 * of the handle after the network name (`<network>.<containerID>`, Calico's
 * form), else the whole handle. A reef-gateway reservation is in use while
 * its block holds any other address.
 */
export function inUsePredicate(endpoints: readonly Resource[], snap: IpamSnapshot): (handle: string, attrs: AllocationAttrs) => boolean {
  const ids = new Set(endpoints.map((e) => (e.spec as { containerID?: string }).containerID).filter((c): c is string => !!c));
  const busyBlocks = new Set(snap.blocks.filter((b) => b.block.handleCounts().size > 1).map((b) => b.name));
  return (handle, attrs) => {
    if (isGatewayHandle(handle)) return busyBlocks.has(handle.slice(GATEWAY_HANDLE_PREFIX.length));
    const cid = attrs.containerID ?? (handle.includes('.') ? handle.slice(handle.indexOf('.') + 1) : handle);
    return ids.has(cid) || ids.has(handle);
  };
}

export function parseBool(flag: string, v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new CliError(`${flag}: "${v}" is not true or false`, EXIT.usage);
}
