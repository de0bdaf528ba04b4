/**
 * reef-cni: the main CNI plugin (spec 1.0.0; 0.3.x/0.4.0 results too). Calico's
 * routed veth: addresses from reef's IPAM in-process (the `ipam` section is
 * reef-ipam's, see src/cni/README.md), a veth whose host end felix knows by
 * name, and the pod's WorkloadEndpoint in the datastore. docs/reef-cni.md
 * has the configuration, labels, the result and the error codes.
 *
 * One deadline over the whole command (REEF_CNI_TIMEOUT_MS, default 10 s):
 * a runtime kills a slow plugin and retries; "try again later" (code 11) is
 * the better answer.
 */
import { IpamAllocator } from '../../ipam/allocator.ts';
import type { IpamPool } from '../../ipam/pools.ts';
import type { IpamReservation } from '../../ipam/reservations.ts';
import { execRunner, netnsRunner } from '../../felix/dataplane/command-runner.ts';
import { openDatastore } from '../datastore/index.ts';
import { childLogger } from '../lib/log.ts';
import { listReservations, nodeMatcher, openIpamStore, workloadPools } from './ipam-wiring.ts';
import { parseCniRequest, type CniRequest } from './reef-cni-config.ts';
import { cmdAdd, cmdCheck, cmdDel, encodeAddResult, type CniDeps } from './reef-cni-plugin.ts';
import { mainOf, runCniProgram, type Env, type PluginOutcome } from './plugin-runner.ts';

const CALL_TIMEOUT_MS = 2_000;

export function runCni(env: Env, stdin: string): Promise<PluginOutcome> {
  return runCniProgram({ parse: parseCniRequest, execute, defaultTimeoutMs: 10_000, timeoutEnv: 'REEF_CNI_TIMEOUT_MS' }, env, stdin);
}

async function execute(req: CniRequest, signal: AbortSignal): Promise<Record<string, unknown> | undefined> {
  const etcd = { ...req.datastore.etcd, callTimeoutMs: CALL_TIMEOUT_MS, retryBudgetMs: 1_000 };
  const datastore = openDatastore({ ...req.datastore, etcd });
  const ipam = openIpamStore(etcd, CALL_TIMEOUT_MS);
  const log = childLogger({ component: 'reef-cni', node: req.node, pod: `${req.workloadNamespace}/${req.workload}`, containerID: req.containerId, command: req.command });
  try {
    let pools: Promise<IpamPool[]> | undefined;
    const readPools = (): Promise<IpamPool[]> => (pools ??= workloadPools(datastore));
    const nodeMatches = req.command === 'ADD' ? await nodeMatcher(datastore, req.node, await readPools()) : () => true;
    let reserved: Promise<IpamReservation[]> | undefined;
    const reservations = (): Promise<IpamReservation[]> => (reserved ??= listReservations(datastore));
    const allocator = new IpamAllocator({ store: ipam.store, pools: readPools, reservations, nodeMatches, log });
    const deps: CniDeps = {
      allocator,
      store: ipam.store,
      datastore,
      runners: {
        host: req.hostNetns ? netnsRunner(req.hostNetns) : execRunner(),
        pod: execRunner(['nsenter', `--net=${req.netns ?? ''}`]),
      },
      log,
      now: () => Date.now(),
      signal,
    };
    switch (req.command) {
      case 'ADD': {
        const a = await cmdAdd(req, deps);
        log.info('pod network set up', { addresses: a.addresses, interface: a.hostIf, endpoint: req.endpointName });
        return encodeAddResult(req.cniVersion, a);
      }
      case 'DEL':
        await cmdDel(req, deps);
        log.info('pod network removed', { endpoint: req.endpointName });
        return undefined;
      case 'CHECK':
        await cmdCheck(req, deps);
        return undefined;
    }
  } finally {
    ipam.close();
    await datastore.close().catch(() => undefined);
  }
}

if (import.meta.main) await mainOf(runCni);
