/**
 * reef-node's own Node resource: created at first start, updated at every
 * start with the addresses and AS this process found, by compare-and-swap on
 * the revision it read (an operator's label or routeReflectorClusterID edit
 * in between makes the update retry on the fresh object, never overwrite it).
 * Labels, annotations and every field reef-node does not own are kept.
 */
import type { Datastore } from '../datastore/datastore.ts';
import { DatastoreAlreadyExistsError, DatastoreConflictError, DatastoreNotFoundError } from '../datastore/errors.ts';
import type { NodeBGPSpec, NodeSpec } from '../model/index.ts';
import { API_VERSION, type Resource } from '../model/resource.ts';
import { validateResource } from '../model/validate.ts';

export interface OwnBgp {
  readonly ipv4Address?: string;
  readonly ipv6Address?: string;
  /** Only when the AS variable is set; otherwise what the Node holds stays. */
  readonly asNumber?: number;
}

/** The Node as it should be: `current` (or a fresh one) with our fields replaced. */
export function desiredNode(name: string, current: Resource | undefined, own: OwnBgp): Resource {
  const spec = { ...((current?.spec ?? {}) as NodeSpec) };
  const bgp: NodeBGPSpec = { ...(spec.bgp ?? {}) };
  delete bgp.ipv4Address;
  delete bgp.ipv6Address;
  if (own.ipv4Address !== undefined) bgp.ipv4Address = own.ipv4Address;
  if (own.ipv6Address !== undefined) bgp.ipv6Address = own.ipv6Address;
  if (own.asNumber !== undefined) bgp.asNumber = own.asNumber;
  if (bgp.ipv4Address !== undefined || bgp.ipv6Address !== undefined) spec.bgp = bgp;
  else delete spec.bgp;
  const metadata = current ? { ...current.metadata } : { name };
  return { apiVersion: current?.apiVersion ?? API_VERSION, kind: 'Node', metadata, spec: spec as Record<string, unknown> };
}

function sameSpec(a: Resource, b: Resource): boolean {
  return JSON.stringify(a.spec) === JSON.stringify(b.spec);
}

/** Writes the Node; returns what is stored. Retries a lost race a few times. */
export async function upsertOwnNode(ds: Pick<Datastore, 'get' | 'create' | 'update'>, name: string, own: OwnBgp): Promise<{ node: Resource; changed: boolean }> {
  for (let attempt = 0; ; attempt++) {
    let current: Resource | undefined;
    try {
      current = await ds.get({ kind: 'Node', name });
    } catch (e) {
      if (!(e instanceof DatastoreNotFoundError)) throw e;
    }
    // Canonical form, and a message naming the field when what we found (IP=..., AS=...) is not valid.
    const want = validateResource(desiredNode(name, current, own), `Node "${name}"`);
    if (current !== undefined && sameSpec(current, want)) return { node: current, changed: false };
    try {
      const node = current === undefined ? await ds.create(want) : await ds.update(want);
      return { node, changed: true };
    } catch (e) {
      const raced = e instanceof DatastoreConflictError || e instanceof DatastoreAlreadyExistsError || e instanceof DatastoreNotFoundError;
      if (!raced || attempt >= 4) throw e;
    }
  }
}
