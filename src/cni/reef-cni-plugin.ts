/**
 * ADD, DEL and CHECK of the main plugin, over reef-ipam's commands
 * (ipam-plugin.ts, in-process), the veth (reef-cni-link.ts) and the
 * WorkloadEndpoint (reef-cni-endpoint.ts).
 *
 *   ADD    addresses (retry-safe: a handle that holds one gets it back) ->
 *          veth, addresses, routes -> WorkloadEndpoint. A failure anywhere
 *          undoes all of it (the DEL path), so a failed ADD leaves nothing.
 *   DEL    pod interface, endpoint (only while it names this container),
 *          addresses; each absent part is success; every part is tried and
 *          the first failure is reported.
 *   CHECK  the handle holds exactly prevResult's addresses, the veth, the
 *          addresses and routes on both ends, and the endpoint are in place.
 */
import type { IpamAllocator } from '../../ipam/allocator.ts';
import type { IpamStore } from '../../ipam/store.ts';
import type { Datastore } from '../datastore/datastore.ts';
import { ReefError } from '../lib/errors.ts';
import type { Logger } from '../lib/log.ts';
import { ValidationError } from '../model/findings.ts';
import { cmdAdd as ipamAdd, cmdCheck as ipamCheck, cmdDel as ipamDel, toCniError } from './ipam-plugin.ts';
import type { CniRequest } from './reef-cni-config.ts';
import { buildEndpoint, deleteEndpoint, endpointKey, inspectEndpoint, writeEndpoint } from './reef-cni-endpoint.ts';
import { GATEWAY4, HOST_LINK_LOCAL6, HOST_MAC, inspectVeth, podLinkExists, setUpVeth, tearDownVeth, type Runners } from './reef-cni-link.ts';
import { CNI_CODES, CniError, decodeResultIps, type Dns } from './spec.ts';

export interface CniDeps {
  allocator: IpamAllocator;
  store: IpamStore;
  datastore: Datastore;
  runners: Runners;
  log: Logger;
  now(): number;
  signal?: AbortSignal;
}

export interface AddOutcome {
  hostIf: string;
  podIf: string;
  podMac: string;
  netns: string;
  addresses: string[];
  dns: Dns;
}

export async function cmdAdd(req: CniRequest, deps: CniDeps): Promise<AddOutcome> {
  const netns = req.netns!;
  const ipamDeps = { allocator: deps.allocator, store: deps.store, now: deps.now, ...(deps.signal ? { signal: deps.signal } : {}) };
  // Before anything is taken: undoing a refused ADD must not touch what an earlier ADD set up.
  if (await podLinkExists(deps.runners, req.ifName)) {
    throw new CniError(CNI_CODES.invalidEnvironment, `CNI_IFNAME ${req.ifName} already exists in ${netns}`, 'ADD again needs a DEL first');
  }
  const assigned = await ipamAdd(req, ipamDeps);
  const addresses = assigned.ips.map((i) => i.address);
  try {
    const podMac = await setUpVeth(deps.runners, { hostIf: req.hostIf, podIf: req.ifName, netnsPath: netns, addresses, mtu: req.mtu });
    await writeEndpoint(deps.datastore, buildEndpoint(req, addresses, podMac));
    return { hostIf: req.hostIf, podIf: req.ifName, podMac, netns, addresses, dns: assigned.dns };
  } catch (err) {
    deps.log.warn('ADD failed, undoing it', { err: (err as Error).message });
    await cmdDel(req, deps).catch((e: unknown) => deps.log.warn('undo after failed ADD incomplete', { err: (e as Error).message }));
    throw asCniError(err);
  }
}

export async function cmdDel(req: CniRequest, deps: CniDeps): Promise<void> {
  const failures: unknown[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      const did = await fn();
      deps.log.debug(`${what} done`, { changed: did });
    } catch (err) {
      failures.push(err);
    }
  };
  if (req.netns) await attempt('pod interface removal', () => tearDownVeth(deps.runners, req.ifName));
  await attempt('endpoint removal', () => deleteEndpoint(deps.datastore, endpointKey(req), req.containerId));
  await attempt('address release', () =>
    ipamDel(req, { allocator: deps.allocator, store: deps.store, now: deps.now, ...(deps.signal ? { signal: deps.signal } : {}) }),
  );
  if (failures.length > 0) throw asCniError(failures[0]);
}

export async function cmdCheck(req: CniRequest, deps: CniDeps): Promise<void> {
  await ipamCheck(req, { allocator: deps.allocator, store: deps.store, now: deps.now, ...(deps.signal ? { signal: deps.signal } : {}) });
  const prev = decodeResultIps(req.prevResult) ?? [];
  const addresses = prev.map((p) => p.address);
  const problems = [
    ...(await inspectVeth(deps.runners, { hostIf: req.hostIf, podIf: req.ifName, netnsPath: req.netns!, addresses })),
    ...(await inspectEndpoint(deps.datastore, req, addresses).catch((err: unknown) => {
      throw toCniError(err);
    })),
  ];
  if (problems.length > 0) throw new CniError(CNI_CODES.checkMismatch, `pod ${req.workloadNamespace}/${req.workload} is not set up as prevResult says`, problems.join('; '));
}

/** The ADD result in the requested spec version: host and pod interfaces, addresses on the pod one. */
export function encodeAddResult(version: string, a: AddOutcome): Record<string, unknown> {
  const old = version !== '1.0.0';
  const v4 = a.addresses.some((x) => !x.includes(':'));
  const v6 = a.addresses.some((x) => x.includes(':'));
  return {
    cniVersion: version,
    interfaces: [
      { name: a.hostIf, mac: HOST_MAC },
      { name: a.podIf, mac: a.podMac, sandbox: a.netns },
    ],
    ips: a.addresses.map((address) => ({
      ...(old ? { version: address.includes(':') ? '6' : '4' } : {}),
      address,
      gateway: address.includes(':') ? HOST_LINK_LOCAL6 : GATEWAY4,
      interface: 1,
    })),
    routes: [...(v4 ? [{ dst: '0.0.0.0/0', gw: GATEWAY4 }] : []), ...(v6 ? [{ dst: '::/0', gw: HOST_LINK_LOCAL6 }] : [])],
    dns: a.dns,
  };
}

function asCniError(err: unknown): CniError {
  if (err instanceof CniError) return err;
  if (err instanceof ValidationError) return new CniError(CNI_CODES.invalidNetworkConfig, 'invalid network configuration: the WorkloadEndpoint would be invalid', err.message, err);
  const dataplane = !(err instanceof ReefError) || err.code.startsWith('DATAPLANE_');
  if (dataplane) return new CniError(CNI_CODES.ioFailure, 'setting up the pod network failed', (err as Error).message, err);
  return toCniError(err);
}
