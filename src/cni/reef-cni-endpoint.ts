/**
 * The WorkloadEndpoint reef-cni writes for a pod: felix on the pod's node
 * routes its ipNetworks to interfaceName and applies the policies whose
 * selectors match its labels. Validated with the model's rules before any
 * write, so a bad label never reaches the datastore.
 *
 * Ownership is by container ID: ADD overwrites an endpoint left by an
 * earlier container of the same pod; DEL removes the endpoint only while it
 * still names the container being deleted (a late DEL of an old container
 * must not remove its successor's endpoint).
 */
import type { Datastore } from '../datastore/datastore.ts';
import { DatastoreAlreadyExistsError, DatastoreConflictError, DatastoreNotFoundError } from '../datastore/errors.ts';
import { API_VERSION, type Resource, type ResourceKey } from '../model/resource.ts';
import { validateResource } from '../model/validate.ts';
import type { WorkloadEndpointSpec } from '../model/index.ts';
import type { CniRequest } from './reef-cni-config.ts';

export function endpointKey(req: Pick<CniRequest, 'endpointName' | 'workloadNamespace'>): ResourceKey {
  return { kind: 'WorkloadEndpoint', name: req.endpointName, namespace: req.workloadNamespace };
}

export function buildEndpoint(req: CniRequest, ipNetworks: readonly string[], mac: string): Resource {
  const spec: WorkloadEndpointSpec = {
    node: req.node,
    orchestrator: req.orchestrator,
    ...(req.orchestrator === 'k8s' ? { pod: req.workload } : { workload: req.workload }),
    endpoint: req.ifName,
    containerID: req.containerId,
    interfaceName: req.hostIf,
    ipNetworks: [...ipNetworks],
    mac,
    profiles: [`kns.${req.workloadNamespace}`],
    ports: [],
  };
  return validateResource({
    apiVersion: API_VERSION,
    kind: 'WorkloadEndpoint',
    metadata: {
      name: req.endpointName,
      namespace: req.workloadNamespace,
      // Calico's automatic labels, so namespace- and orchestrator-based selectors work as there.
      labels: { ...req.labels, 'projectcalico.org/namespace': req.workloadNamespace, 'projectcalico.org/orchestrator': req.orchestrator },
    },
    spec,
  });
}

/** Creates the endpoint, or replaces one left by an earlier container (compare-and-swap on what was read). */
export async function writeEndpoint(ds: Datastore, r: Resource): Promise<Resource> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ds.create(r);
    } catch (err) {
      if (!(err instanceof DatastoreAlreadyExistsError)) throw err;
    }
    try {
      const old = await ds.get(endpointKey({ endpointName: r.metadata.name, workloadNamespace: r.metadata.namespace! }));
      return await ds.update({ ...r, metadata: { ...r.metadata, resourceVersion: old.metadata.resourceVersion! } });
    } catch (err) {
      const raced = err instanceof DatastoreNotFoundError || err instanceof DatastoreConflictError;
      if (!raced || attempt >= 3) throw err;
    }
  }
}

/** Deletes the endpoint if it still belongs to `containerId`; absent is success. Returns whether it deleted. */
export async function deleteEndpoint(ds: Datastore, key: ResourceKey, containerId: string): Promise<boolean> {
  let cur: Resource;
  try {
    cur = await ds.get(key);
  } catch (err) {
    if (err instanceof DatastoreNotFoundError) return false;
    throw err;
  }
  const owner = (cur.spec as unknown as WorkloadEndpointSpec).containerID;
  if (owner !== undefined && owner !== containerId) return false;
  try {
    await ds.delete(key, { revision: cur.metadata.resourceVersion! });
    return true;
  } catch (err) {
    // Gone or rewritten meanwhile: either way it is no longer this container's.
    if (err instanceof DatastoreNotFoundError || err instanceof DatastoreConflictError) return false;
    throw err;
  }
}

/** What CHECK finds wrong with the stored endpoint; empty when it matches. */
export async function inspectEndpoint(ds: Datastore, req: CniRequest, ipNetworks: readonly string[]): Promise<string[]> {
  let cur: Resource;
  try {
    cur = await ds.get(endpointKey(req));
  } catch (err) {
    if (err instanceof DatastoreNotFoundError) return [`WorkloadEndpoint ${req.workloadNamespace}/${req.endpointName} is missing`];
    throw err;
  }
  const s = cur.spec as unknown as WorkloadEndpointSpec;
  const problems: string[] = [];
  if (s.containerID !== req.containerId) problems.push(`WorkloadEndpoint belongs to container ${s.containerID}, not ${req.containerId}`);
  if (s.interfaceName !== req.hostIf) problems.push(`WorkloadEndpoint interfaceName is ${s.interfaceName}, not ${req.hostIf}`);
  const want = [...ipNetworks].sort().join(',');
  if ([...s.ipNetworks].sort().join(',') !== want) problems.push(`WorkloadEndpoint ipNetworks are ${s.ipNetworks.join(',')}, not ${want}`);
  return problems;
}
