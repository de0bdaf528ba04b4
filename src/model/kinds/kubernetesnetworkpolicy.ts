/**
 * KubernetesNetworkPolicy: a networking.k8s.io/v1 NetworkPolicy, field for
 * field, checked as the API server's ValidateNetworkPolicySpec does:
 *
 * - a peer names podSelector and/or namespaceSelector, or ipBlock alone;
 * - ipBlock.except entries are strict subsets of ipBlock.cidr;
 * - a port's protocol is TCP, UDP or SCTP (case-sensitive); port is 1-65535 or
 *   an IANA service name (digits in quotes are a name, and refused); endPort
 *   needs a numeric port and is >= it;
 * - policyTypes are Ingress and/or Egress, at most two.
 *
 * Canonical form is what the API server stores: defaults filled as it fills
 * them (protocol TCP; policyTypes Ingress, plus Egress when there are egress
 * rules), empty lists left out, CIDRs with host bits cleared. Semantics are
 * felix's (felix/calc/policy/convert-k8s.ts); this file only checks shape.
 */
import { z } from 'zod';
import { cidr, portNameProblem } from '../fields.ts';
import { show } from '../findings.ts';
import { contains, formatPrefix, mask, parseCIDR } from '../net.ts';
import { field, type Findings } from '../schema.ts';
import { defineKind } from './kind.ts';
import { exactly, finishSelector, labelSelector, type LabelSelector } from './label-selector.ts';

export const K8S_PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export const K8S_POLICY_TYPES = ['Ingress', 'Egress'] as const;

export interface KubernetesNetworkPolicyPort {
  protocol: (typeof K8S_PROTOCOLS)[number];
  port?: number | string;
  endPort?: number;
}

export interface KubernetesNetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface KubernetesNetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes: (typeof K8S_POLICY_TYPES)[number][];
  ingress?: { from?: KubernetesNetworkPolicyPeer[]; ports?: KubernetesNetworkPolicyPort[] }[];
  egress?: { to?: KubernetesNetworkPolicyPeer[]; ports?: KubernetesNetworkPolicyPort[] }[];
}

/** IntOrString: a number is a port, a string a name (Kubernetes reads "80" as a name). */
const port = field<number | string>((v, report) => {
  if (typeof v === 'number') {
    return Number.isInteger(v) && v >= 1 && v <= 65535 ? v : report(`port ${v} is out of range 1-65535`);
  }
  if (typeof v !== 'string') return report(`expected a port number or name, got ${show(v)}`);
  if (/^[0-9]+$/.test(v)) return report(`${show(v)} is a string, so Kubernetes reads it as a port name, which needs a letter; write the number unquoted`);
  const why = portNameProblem(v);
  return why ? report(why.replace('is not a port number, range or port name', 'is not a valid port name')) : v;
});

const wholePort = field<number>((v, report) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535 ? v : report(`${show(v)} is not a port number 1-65535`),
);

const ipBlockCidr = cidr({ strict: false });

const peer = z.strictObject({
  podSelector: labelSelector.optional(),
  namespaceSelector: labelSelector.optional(),
  ipBlock: z.strictObject({ cidr: ipBlockCidr, except: z.array(ipBlockCidr).optional() }).optional(),
});

const ports = z.array(z.strictObject({ protocol: exactly(K8S_PROTOCOLS).default('TCP'), port: port.optional(), endPort: wholePort.optional() }));

const spec = z.strictObject({
  podSelector: labelSelector.default({}),
  policyTypes: z.array(exactly(K8S_POLICY_TYPES)).optional(),
  ingress: z.array(z.strictObject({ from: z.array(peer).optional(), ports: ports.optional() })).optional(),
  egress: z.array(z.strictObject({ to: z.array(peer).optional(), ports: ports.optional() })).optional(),
});

/** The host bits cleared, as Go's net.ParseCIDR reads a CIDR (Kubernetes accepts them). */
function network(text: string): string {
  const r = parseCIDR(text, { strict: false });
  if (!r.ok) return text;
  return formatPrefix({ ...r.prefix, value: r.prefix.value & mask(r.prefix.family, r.prefix.length) });
}

type Peer = z.output<typeof peer>;
type Port = z.output<typeof ports>[number];

function finishPeer(p: Peer, at: string, f: Findings): KubernetesNetworkPolicyPeer {
  const out: KubernetesNetworkPolicyPeer = {};
  if (p.podSelector) out.podSelector = finishSelector(p.podSelector, `${at}.podSelector`, f);
  if (p.namespaceSelector) out.namespaceSelector = finishSelector(p.namespaceSelector, `${at}.namespaceSelector`, f);
  if (p.ipBlock) {
    if (p.podSelector || p.namespaceSelector) {
      f.add(at, 'ipBlock cannot be combined with podSelector or namespaceSelector in one peer; list them as separate peers');
    }
    const whole = parseCIDR(p.ipBlock.cidr, { strict: false });
    const except = (p.ipBlock.except ?? []).map((e, i) => {
      const inner = parseCIDR(e, { strict: false });
      if (whole.ok && inner.ok && !(contains(whole.prefix, inner.prefix) && inner.prefix.length > whole.prefix.length)) {
        f.add(`${at}.ipBlock.except[${i}]`, `${e} is not a strict subset of cidr ${p.ipBlock!.cidr}`);
      }
      return network(e);
    });
    out.ipBlock = except.length > 0 ? { cidr: network(p.ipBlock.cidr), except } : { cidr: network(p.ipBlock.cidr) };
  }
  if (!p.podSelector && !p.namespaceSelector && !p.ipBlock) f.add(at, 'names no peer: give podSelector, namespaceSelector or ipBlock');
  return out;
}

function finishPort(p: Port, at: string, f: Findings): KubernetesNetworkPolicyPort {
  if (p.endPort !== undefined) {
    if (p.port === undefined) f.add(`${at}.endPort`, `${p.endPort} needs a port: endPort ends the range that port starts`);
    else if (typeof p.port === 'string') f.add(`${at}.endPort`, `${p.endPort} cannot follow the named port ${show(p.port)}; a range needs a numeric port`);
    else if (p.endPort < p.port) f.add(`${at}.endPort`, `${p.endPort} is below port ${p.port}; endPort must be >= port`);
  }
  return p;
}

function finishRules<D extends 'from' | 'to'>(
  list: ({ ports?: Port[] } & { [k in D]?: Peer[] })[] | undefined,
  dir: 'ingress' | 'egress',
  peers: D,
  f: Findings,
): ({ ports?: KubernetesNetworkPolicyPort[] } & { [k in D]?: KubernetesNetworkPolicyPeer[] })[] {
  return (list ?? []).map((r, i) => {
    const at = `spec.${dir}[${i}]`;
    const out: { ports?: KubernetesNetworkPolicyPort[] } & { [k in D]?: KubernetesNetworkPolicyPeer[] } = {};
    const ps = (r[peers] ?? []) as Peer[];
    if (ps.length > 0) (out as Record<string, unknown>)[peers] = ps.map((p, j) => finishPeer(p, `${at}.${peers}[${j}]`, f));
    if ((r.ports ?? []).length > 0) out.ports = r.ports!.map((p, j) => finishPort(p, `${at}.ports[${j}]`, f));
    return out;
  });
}

export const kubernetesNetworkPolicyKind = defineKind({
  kind: 'KubernetesNetworkPolicy',
  spec,
  finish(p, _meta, f): KubernetesNetworkPolicySpec {
    if ((p.policyTypes?.length ?? 0) > 2) f.add('spec.policyTypes', `lists ${p.policyTypes!.length} types; at most two (Ingress, Egress)`);
    const ingress = finishRules(p.ingress, 'ingress', 'from', f);
    const egress = finishRules(p.egress, 'egress', 'to', f);
    // The API server's default: Ingress always, Egress when there are egress rules.
    const policyTypes = p.policyTypes && p.policyTypes.length > 0 ? p.policyTypes : egress.length > 0 ? ['Ingress' as const, 'Egress' as const] : ['Ingress' as const];
    const out: KubernetesNetworkPolicySpec = { podSelector: finishSelector(p.podSelector, 'spec.podSelector', f), policyTypes };
    if (ingress.length > 0) out.ingress = ingress;
    if (egress.length > 0) out.egress = egress;
    return out;
  },
});
