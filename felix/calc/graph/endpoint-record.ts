import { hostAddress, parseCidr } from '../policy/cidr.ts';
import { endpointLabels } from '../policy/labels.ts';
import type { EndpointInput, NamespaceInput } from '../policy/types.ts';
import type { Labels } from '../selector/compile.ts';
import type { IpSetDef } from './resolve.ts';

/** An endpoint as the graph holds it: the input plus what is derived from it once. */
export interface EndpointRecord {
  readonly input: EndpointInput;
  readonly labels: Labels;
  /** Canonical host CIDRs, sorted. */
  readonly cidrs: readonly string[];
  readonly local: boolean;
}

/** `inherited`: inheritedLabels(ns, ep.namespace), when the caller keeps it per namespace. */
export function endpointRecord(ep: EndpointInput, ns: NamespaceInput | undefined, nodeName: string, inherited?: readonly string[]): EndpointRecord {
  return {
    input: ep,
    labels: endpointLabels(ep, ns, inherited),
    cidrs: ep.ips.length === 1 ? [parseCidr(ep.ips[0]!).text] : [...new Set(ep.ips.map((ip) => parseCidr(ip).text))].sort(),
    local: ep.node === nodeName,
  };
}

/** The members an endpoint puts into a selector or named-port set. */
const NONE: readonly string[] = [];

export function contributions(def: IpSetDef, ep: EndpointRecord): readonly string[] {
  // The record's own list: callers only read it.
  if (def.kind === 'selector') return ep.cidrs;
  if (def.kind === 'nets') return NONE;
  const out: string[] = [];
  for (const np of ep.input.ports ?? []) {
    if (np.name !== def.port || np.protocol.toLowerCase() !== def.protocol) continue;
    for (const c of ep.cidrs) out.push(`${hostAddress(parseCidr(c))},${def.protocol}:${np.port}`);
  }
  return out;
}
