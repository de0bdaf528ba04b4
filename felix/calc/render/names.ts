/**
 * Names in the kernel. iptables chain names are at most 28 characters and
 * ipset names at most 31, so anything unbounded is hashed behind a readable
 * prefix:
 *
 *   reef-FORWARD              the entry chain; the writer jumps to it from FORWARD
 *   reef-from-wl-dispatch     by input interface, to the workload's egress chain
 *     (-<chars>)              a subtree of it, for interface names starting reef<chars>
 *   reef-to-wl-dispatch       by output interface, to the workload's ingress chain
 *   reef-fw-<iface>           from workload: the pod's egress policies
 *   reef-tw-<iface>           to workload: the pod's ingress policies
 *   reef-pi-<16 hash>         a policy's ingress rules (hash of the policy key)
 *   reef-po-<16 hash>         a policy's egress rules
 *   reef-s4-<20> / reef-s6-   selector sets (the id's hash), per family
 *   reef-n4-<20> / reef-n6-   named-port sets
 *   reef-c4-<20> / reef-c6-   nets lists
 *
 * Workload interfaces are named `reef` + 11 hex characters (15, the kernel's
 * limit), chosen by the CNI plugin like Calico's `cali` names, so `-i reef+`
 * matches every workload and `reef-fw-<iface>` is at most 23 characters.
 */
import { shortHash } from '../selector/selector.ts';

export const WORKLOAD_PREFIX = 'reef';
export const CHAIN_FORWARD = 'reef-FORWARD';
export const CHAIN_FROM_WL = 'reef-from-wl-dispatch';
export const CHAIN_TO_WL = 'reef-to-wl-dispatch';
export const MAX_CHAIN_NAME = 28;
export const MAX_IPSET_NAME = 31;

export function fromWorkloadChain(iface: string): string {
  return `reef-fw-${iface}`;
}

export function toWorkloadChain(iface: string): string {
  return `reef-tw-${iface}`;
}

/** policy key -> its hash part; every endpoint chain names each of its policies' chains, so this is hashed once per key. */
const policyHashes = new Map<string, string>();

export function policyChain(policyKey: string, dir: 'ingress' | 'egress'): string {
  let h = policyHashes.get(policyKey);
  if (h === undefined) {
    h = shortHash(policyKey, 16);
    // A crude bound, as for the selector cache: policies churn rarely.
    if (policyHashes.size >= 100_000) policyHashes.clear();
    policyHashes.set(policyKey, h);
  }
  return `reef-p${dir === 'ingress' ? 'i' : 'o'}-${h}`;
}

/** `s:abc…` in family 4 -> `reef-s4-abc…`. */
export function ipsetName(id: string, family: 4 | 6): string {
  const colon = id.indexOf(':');
  return `reef-${id.slice(0, colon)}${family}-${id.slice(colon + 1)}`;
}
