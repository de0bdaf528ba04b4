/**
 * The chains the dataplane owns beside the renderer's, and the jumps that
 * hook reef into the kernel's base chains (inserted at their top):
 *
 *   filter FORWARD  -> reef-FORWARD (the renderer's: pod egress, then ingress)
 *   filter INPUT    -> reef-INPUT   workload to host: the pod's egress policy
 *                                   (unknown reef interfaces fail closed), then
 *                                   the endpoint-to-host action; IPv6 neighbour
 *                                   discovery and MLD pass before any policy
 *   filter OUTPUT   -> reef-OUTPUT  host to workload: not policed by default, as
 *                                   Kubernetes requires (kubelet probes); with
 *                                   policeHostToWorkload the pod's ingress applies
 *                                   (again after IPv6 neighbour discovery)
 *   nat POSTROUTING -> reef-POSTROUTING  MASQUERADE from natOutgoing pools to
 *                                   destinations outside every pool (Calico's
 *                                   masq manager: two ipsets per family)
 */
import { CHAIN_FORWARD, CHAIN_FROM_WL, CHAIN_TO_WL, WORKLOAD_PREFIX } from '../calc/render/index.ts';
import { HashedChain, type ChainSpec, type RuleSpec } from './chains.ts';

export const CHAIN_INPUT = 'reef-INPUT';
export const CHAIN_OUTPUT = 'reef-OUTPUT';
export const CHAIN_POSTROUTING = 'reef-POSTROUTING';

export type EndpointToHostAction = 'ACCEPT' | 'RETURN' | 'DROP';

export interface HookOptions {
  readonly endpointToHost?: EndpointToHostAction;
  readonly policeHostToWorkload?: boolean;
}

const WL = `${WORKLOAD_PREFIX}+`;
const ESTABLISHED = ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED'];

/**
 * ICMPv6 the host must exchange with a pod for IPv6 to work at all: MLD
 * query, report and done (130-132), router solicitation (133), neighbour
 * solicitation and advertisement (135, 136). Calico's list. Policy never
 * sees them: ARP, their IPv4 counterpart, is not IP and meets no iptables
 * rule, so a policy written for IPv4 must not cut a pod off its IPv6 gateway
 * (or the host off the pod's address) only because it does not allow ICMPv6.
 */
export const NDP_ICMPV6_TYPES: readonly number[] = [130, 131, 132, 133, 135, 136];

function acceptNdp(b: HashedChain, iface: readonly string[]): void {
  for (const t of NDP_ICMPV6_TYPES) b.add([...iface, '-p', 'ipv6-icmp', '-m', 'icmp6', '--icmpv6-type', String(t)], ['-j', 'ACCEPT']);
}

export function inputChain(opts: HookOptions, family: 4 | 6 = 4): ChainSpec {
  const b = new HashedChain(CHAIN_INPUT);
  if (family === 6) acceptNdp(b, ['-i', WL]);
  return b
    .add(['-i', WL, ...ESTABLISHED], ['-j', 'ACCEPT'])
    .add(['-i', WL, '-m', 'conntrack', '--ctstate', 'INVALID'], ['-j', 'DROP'])
    .add(['-i', WL], ['-j', CHAIN_FROM_WL])
    .add(['-i', WL], ['-j', opts.endpointToHost ?? 'ACCEPT'])
    .build();
}

export function outputChain(opts: HookOptions, family: 4 | 6 = 4): ChainSpec {
  const b = new HashedChain(CHAIN_OUTPUT).add(['-o', WL, ...ESTABLISHED], ['-j', 'ACCEPT']);
  if (opts.policeHostToWorkload) {
    if (family === 6) acceptNdp(b, ['-o', WL]);
    b.add(['-o', WL], ['-j', CHAIN_TO_WL]).add(['-o', WL], ['-j', 'ACCEPT']);
  }
  return b.build();
}

function jump(base: string, target: string): readonly RuleSpec[] {
  return new HashedChain(base).add([], ['-j', target]).build().rules;
}

export const FILTER_JUMPS: ReadonlyMap<string, readonly RuleSpec[]> = new Map([
  ['FORWARD', jump('FORWARD', CHAIN_FORWARD)],
  ['INPUT', jump('INPUT', CHAIN_INPUT)],
  ['OUTPUT', jump('OUTPUT', CHAIN_OUTPUT)],
]);

export const NAT_JUMPS: ReadonlyMap<string, readonly RuleSpec[]> = new Map([['POSTROUTING', jump('POSTROUTING', CHAIN_POSTROUTING)]]);

export function poolSetNames(family: 4 | 6): { all: string; masq: string } {
  return { all: `reef-pools-all${family}`, masq: `reef-pools-masq${family}` };
}

export function postroutingChain(family: 4 | 6, anyMasqPool: boolean): ChainSpec {
  const b = new HashedChain(CHAIN_POSTROUTING);
  if (!anyMasqPool) return b.build();
  const { all, masq } = poolSetNames(family);
  return b.add(['-m', 'set', '--match-set', masq, 'src', '-m', 'set', '!', '--match-set', all, 'dst'], ['-j', 'MASQUERADE']).build();
}
