/**
 * reef-ipam: the CNI IPAM plugin executable. The runtime (or a main plugin
 * such as bridge, delegating) runs it with CNI_* in the environment and the
 * network configuration on stdin; it prints a result or an error object on
 * stdout and exits 0 or 1. Logs go to stderr.
 *
 * The whole command runs under one deadline (REEF_IPAM_TIMEOUT_MS, default
 * 5000 ms): a runtime kills a slow plugin and retries, and a clear "try
 * again later" (code 11) is better than being killed mid-way. Each etcd call
 * has a 2 s deadline within that.
 */
import { childLogger } from '../lib/log.ts';
import { openDatastore } from '../datastore/index.ts';
import { IpamAllocator } from '../../ipam/allocator.ts';
import type { IpamPool } from '../../ipam/pools.ts';
import type { IpamReservation } from '../../ipam/reservations.ts';
import { parseRequest, type PluginRequest } from './config.ts';
import { cmdAdd, cmdCheck, cmdDel, toCniError } from './ipam-plugin.ts';
import { listReservations, nodeMatcher, openIpamStore, workloadPools } from './ipam-wiring.ts';
import { CNI_CODES, CniError, encodeResult } from './spec.ts';
import { mainOf, runCniProgram, type Env, type PluginOutcome } from './plugin-runner.ts';

const CALL_TIMEOUT_MS = 2_000;

export function runPlugin(env: Env, stdin: string): Promise<PluginOutcome> {
  return runCniProgram({ parse: parseRequest, execute, defaultTimeoutMs: 5_000, timeoutEnv: 'REEF_IPAM_TIMEOUT_MS' }, env, stdin);
}

async function execute(req: PluginRequest, signal: AbortSignal): Promise<Record<string, unknown> | undefined> {
  const etcd = { ...req.datastore.etcd, callTimeoutMs: CALL_TIMEOUT_MS, retryBudgetMs: 1_000 };
  const ds = openDatastore({ ...req.datastore, etcd });
  const ipam = openIpamStore(etcd, CALL_TIMEOUT_MS);
  const log = childLogger({ component: 'reef-ipam', handle: req.handle, node: req.node, command: req.command });
  try {
    let pools: Promise<IpamPool[]> | undefined;
    const readPools = (): Promise<IpamPool[]> => (pools ??= workloadPools(ds));
    const nodeMatches = req.command === 'ADD' ? await nodeMatcher(ds, req.node, await readPools()) : () => true;
    let reserved: Promise<IpamReservation[]> | undefined;
    const reservations = (): Promise<IpamReservation[]> => (reserved ??= listReservations(ds));
    const allocator = new IpamAllocator({ store: ipam.store, pools: readPools, reservations, nodeMatches, log });
    const deps = { allocator, store: ipam.store, now: () => Date.now(), signal };
    switch (req.command) {
      case 'ADD': {
        const r = await cmdAdd(req, deps);
        log.info('addresses assigned', { addresses: r.ips.map((i) => i.address), pod: req.pod, namespace: req.namespace });
        return encodeResult(req.cniVersion, r);
      }
      case 'DEL':
        await cmdDel(req, deps);
        log.info('addresses released');
        return undefined;
      case 'CHECK':
        await cmdCheck(req, deps);
        return undefined;
    }
  } catch (err) {
    const e = toCniError(err);
    const where = `etcd at ${etcd.endpoints.join(',')}`;
    if (e.cniCode !== CNI_CODES.tryAgainLater || e.detail?.includes(etcd.endpoints[0]!)) throw e;
    throw new CniError(e.cniCode, e.msg, e.detail ? `${e.detail} (${where})` : where, err);
  } finally {
    ipam.close();
    await ds.close().catch(() => undefined);
  }
}

if (import.meta.main) await mainOf(runPlugin);
