/**
 * The reference evaluator: what reef's policy means for one packet, written
 * for clarity rather than speed. It is the oracle for the incremental
 * calculation, for the rendered iptables chains, and (later) for the
 * dataplane tests' reachability matrices.
 *
 * A packet from A to B passes A's egress policies, then B's ingress policies.
 * For each endpoint and direction: the policies that select the endpoint and
 * have that direction, lower order first (no order last, then by key). Within
 * a policy, rules in order: the first matching Allow or Deny decides; Log
 * records and goes on; Pass ends the policies. reef has a single tier and no
 * profiles, so after Pass (as after the last policy) the default applies: an
 * endpoint selected by any policy in a direction is denied by default; an
 * endpoint no policy selects allows everything in that direction. Calico would
 * go on to the next tier and then the profiles; reef has neither.
 *
 * As in Calico, a rule whose nets or notNets list has no CIDR of the
 * packet's address family does not apply to that family at all.
 *
 * Traffic from a pod to itself is always allowed (it never leaves the pod).
 * Addresses that belong to no endpoint have no policy and no labels: only
 * nets/notNets can match them.
 */
import type { Labels } from '../selector/compile.ts';
import { cidrContains, familyOf, parseCidr, type Cidr } from './cidr.ts';
import { endpointLabels } from './labels.ts';
import { isIcmp, protocolNumber } from './protocols.ts';
import {
  comparePolicies,
  endpointKey,
  type Direction,
  type EndpointInput,
  type IcmpMatch,
  type NamespaceInput,
  type Policy,
  type PortSpec,
  type Rule,
  type RuleAction,
  type Side,
} from './types.ts';

export interface EvalState {
  readonly endpoints: readonly EndpointInput[];
  readonly namespaces: readonly NamespaceInput[];
  readonly policies: readonly Policy[];
}

export type PeerRef = { readonly endpoint: string } | { readonly ip: string };

export interface Packet {
  readonly src: PeerRef;
  readonly dst: PeerRef;
  readonly protocol: string | number;
  readonly srcPort?: number;
  readonly dstPort?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
}

export type DecidedBy =
  | { readonly kind: 'rule'; readonly direction: Direction; readonly policy: string; readonly rule: number; readonly action: RuleAction }
  | { readonly kind: 'pass'; readonly direction: Direction; readonly policy: string; readonly rule: number }
  | { readonly kind: 'default-deny'; readonly direction: Direction }
  | { readonly kind: 'no-policy'; readonly direction: Direction }
  | { readonly kind: 'self' };

export interface DirectionResult {
  readonly verdict: 'allow' | 'deny';
  readonly by: DecidedBy;
  /** Log rules that matched before the verdict, as `policy#rule`. */
  readonly logged: readonly string[];
}

export interface Decision {
  readonly verdict: 'allow' | 'deny';
  readonly by: DecidedBy;
  readonly egress?: DirectionResult;
  readonly ingress?: DirectionResult;
}

interface Peer {
  readonly ip: Cidr;
  readonly endpoint: EndpointInput | undefined;
  readonly labels: Labels | undefined;
}

interface Ctx {
  readonly src: Peer;
  readonly dst: Peer;
  readonly protocol: number;
  readonly packet: Packet;
}

function resolve(state: EvalState, ref: PeerRef, family: 4 | 6 | undefined): Peer {
  const nsOf = (e: EndpointInput) => state.namespaces.find((n) => n.name === e.namespace);
  if ('endpoint' in ref) {
    const ep = state.endpoints.find((e) => endpointKey(e) === ref.endpoint);
    if (!ep) throw new Error(`no endpoint ${ref.endpoint}`);
    const ips = ep.ips.map((i) => parseCidr(i));
    const ip = ips.find((i) => family === undefined || i.family === family) ?? ips[0];
    if (!ip) throw new Error(`endpoint ${ref.endpoint} has no address`);
    return { ip, endpoint: ep, labels: endpointLabels(ep, nsOf(ep)) };
  }
  const ip = parseCidr(ref.ip);
  // The dataplane sees addresses, so an address that belongs to an endpoint is that endpoint.
  const ep = state.endpoints.find((e) => e.ips.some((i) => cidrContains(parseCidr(i), ip)));
  return { ip, endpoint: ep, labels: ep ? endpointLabels(ep, nsOf(ep)) : undefined };
}

function portMatches(specs: readonly PortSpec[], port: number | undefined, ep: EndpointInput | undefined, protocol: number): boolean {
  if (port === undefined) return false;
  return specs.some((s) =>
    'name' in s
      ? (ep?.ports ?? []).some((np) => np.name === s.name && np.port === port && protocolNumber(np.protocol) === protocol)
      : port >= s.first && port <= s.last,
  );
}

/** Calico's rule: a nets or notNets list without a CIDR of the packet's family takes the rule out of that family. */
function hasFamily(nets: readonly string[] | undefined, family: 4 | 6): boolean {
  return nets === undefined || nets.some((n) => familyOf(n) === family);
}

function sideMatches(side: Side, peer: Peer, port: number | undefined, protocol: number): boolean {
  if (!hasFamily(side.nets, peer.ip.family) || !hasFamily(side.notNets, peer.ip.family)) return false;
  if (side.selector && !(peer.labels && side.selector.matches(peer.labels))) return false;
  if (side.notSelector && peer.labels && side.notSelector.matches(peer.labels)) return false;
  if (side.nets && !side.nets.some((n) => cidrContains(parseCidr(n), peer.ip))) return false;
  if (side.notNets && side.notNets.some((n) => cidrContains(parseCidr(n), peer.ip))) return false;
  if (side.ports && !portMatches(side.ports, port, peer.endpoint, protocol)) return false;
  if (side.notPorts && portMatches(side.notPorts, port, peer.endpoint, protocol)) return false;
  return true;
}

function icmpMatches(m: IcmpMatch, p: Packet, protocol: number): boolean {
  if (!isIcmp(protocol) || p.icmpType !== m.type) return false;
  return m.code === undefined || p.icmpCode === m.code;
}

export function ruleMatches(r: Rule, ctx: Ctx): boolean {
  const { protocol, packet } = ctx;
  if (r.protocol !== undefined && r.protocol !== protocol) return false;
  if (r.notProtocol !== undefined && r.notProtocol === protocol) return false;
  if (r.icmp && !icmpMatches(r.icmp, packet, protocol)) return false;
  if (r.notICMP && icmpMatches(r.notICMP, packet, protocol)) return false;
  return sideMatches(r.src, ctx.src, packet.srcPort, protocol) && sideMatches(r.dst, ctx.dst, packet.dstPort, protocol);
}

/** The policies that apply to an endpoint in one direction, in evaluation order. */
export function applicablePolicies(policies: readonly Policy[], labels: Labels, dir: Direction): Policy[] {
  return policies.filter((p) => p[dir] !== undefined && p.selector.matches(labels)).sort(comparePolicies);
}

function evaluate(state: EvalState, labels: Labels, dir: Direction, ctx: Ctx): DirectionResult {
  const policies = applicablePolicies(state.policies, labels, dir);
  const logged: string[] = [];
  if (policies.length === 0) return { verdict: 'allow', by: { kind: 'no-policy', direction: dir }, logged };
  for (const p of policies) {
    const rules = p[dir]!;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (!ruleMatches(r, ctx)) continue;
      switch (r.action) {
        case 'Log':
          logged.push(`${p.key}#${i}`);
          continue;
        case 'Pass':
          return { verdict: 'deny', by: { kind: 'pass', direction: dir, policy: p.key, rule: i }, logged };
        case 'Allow':
        case 'Deny':
          return { verdict: r.action === 'Allow' ? 'allow' : 'deny', by: { kind: 'rule', direction: dir, policy: p.key, rule: i, action: r.action }, logged };
      }
    }
  }
  return { verdict: 'deny', by: { kind: 'default-deny', direction: dir }, logged };
}

export function decide(state: EvalState, packet: Packet): Decision {
  const protocol = protocolNumber(packet.protocol);
  if (protocol === undefined) throw new Error(`unknown protocol ${String(packet.protocol)}`);
  const src0 = resolve(state, packet.src, undefined);
  const dst = resolve(state, packet.dst, src0.ip.family);
  const src = src0.ip.family === dst.ip.family ? src0 : resolve(state, packet.src, dst.ip.family);
  if (src.endpoint && src.endpoint === dst.endpoint) return { verdict: 'allow', by: { kind: 'self' } };
  const ctx: Ctx = { src, dst, protocol, packet };
  const egress = src.endpoint ? evaluate(state, src.labels!, 'egress', ctx) : undefined;
  if (egress?.verdict === 'deny') return { verdict: 'deny', by: egress.by, egress };
  const ingress = dst.endpoint ? evaluate(state, dst.labels!, 'ingress', ctx) : undefined;
  if (ingress?.verdict === 'deny') return { verdict: 'deny', by: ingress.by, ...(egress ? { egress } : {}), ingress };
  const by: DecidedBy = ingress && ingress.by.kind !== 'no-policy' ? ingress.by : egress?.by ?? ingress?.by ?? { kind: 'no-policy', direction: 'ingress' };
  return { verdict: 'allow', by, ...(egress ? { egress } : {}), ...(ingress ? { ingress } : {}) };
}
