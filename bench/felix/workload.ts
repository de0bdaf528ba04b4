/**
 * A synthetic but cluster-shaped workload for felix benchmarks: namespaces of
 * teams, pods with app/tier/env/version labels, and policies of the kinds
 * people write: tier-to-tier allows on ports, namespace isolation, named
 * ports, CIDR egress, a few global deny/log rules. Seeded, so every run
 * measures the same thing.
 */
import { createHash } from 'node:crypto';
import type { EndpointInput, NamespaceInput, PolicyInput, RuleInput } from '../../felix/calc/policy/index.ts';

export interface Workload {
  readonly namespaces: NamespaceInput[];
  readonly endpoints: EndpointInput[];
  readonly policies: PolicyInput[];
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TIERS = ['web', 'api', 'db', 'cache', 'worker'] as const;
const PORTS: Record<(typeof TIERS)[number], number[]> = { web: [80, 443], api: [8080], db: [5432], cache: [6379], worker: [9000] };

/** Pod i's host-side veth, named like the CNI plugin names them: a hash, so names spread over the dispatch tree. */
export function ifaceFor(i: number): string {
  return `reef${createHash('sha1').update(`pod-${i}`).digest('hex').slice(0, 11)}`;
}

export function generate(opts: { endpoints: number; policies: number; local: number; node: string; seed?: number }): Workload {
  const r = rng(opts.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const nsCount = 20;
  const apps = 60;
  const namespaces: NamespaceInput[] = Array.from({ length: nsCount }, (_, i) => ({
    name: `team-${i}`,
    labels: { team: `t${i}`, env: i % 4 === 0 ? 'prod' : i % 4 === 1 ? 'staging' : 'dev' },
  }));
  const endpoints: EndpointInput[] = Array.from({ length: opts.endpoints }, (_, i) => {
    const tier = pick(TIERS);
    const ip = `10.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
    return {
      namespace: namespaces[i % nsCount]!.name,
      name: `pod-${i}`,
      labels: { app: `app-${Math.floor(r() * apps)}`, tier, version: `v${1 + Math.floor(r() * 3)}`, ...(r() < 0.3 ? { canary: 'true' } : {}) },
      ips: [`${ip}/32`],
      node: i < opts.local ? opts.node : `node-${1 + (i % 9)}`,
      interfaceName: ifaceFor(i),
      ports: PORTS[tier].map((port, k) => ({ name: k === 0 ? 'main' : 'alt', protocol: 'TCP' as const, port })),
    };
  });
  const policies: PolicyInput[] = [];
  for (let i = 0; i < opts.policies; i++) {
    const ns = namespaces[i % nsCount]!.name;
    const kind = r();
    if (i % 50 === 0) {
      const rules: RuleInput[] = [
        { action: 'Deny', protocol: 'TCP', destination: { ports: [23, '6000:6010'] } },
        { action: 'Log', protocol: 'UDP', destination: { nets: ['192.0.2.0/24'] } },
        { action: 'Pass' },
      ];
      policies.push({ kind: 'GlobalNetworkPolicy', name: `global-${i}`, spec: { order: 10 + i, selector: `tier == '${pick(TIERS)}'`, types: ['Ingress', 'Egress'], ingress: rules, egress: rules } });
    } else if (kind < 0.45) {
      const tier = pick(TIERS);
      const from = pick(TIERS);
      policies.push({
        kind: 'NetworkPolicy',
        namespace: ns,
        name: `p-${i}`,
        spec: {
          order: 100 + (i % 10),
          selector: `app == 'app-${Math.floor(r() * apps)}' && tier == '${tier}'`,
          types: ['Ingress'],
          ingress: [
            { action: 'Allow', protocol: 'TCP', source: { selector: `tier == '${from}'` }, destination: { ports: PORTS[tier] } },
            { action: 'Allow', protocol: 'TCP', source: { selector: `app in {'app-${Math.floor(r() * apps)}', 'app-${Math.floor(r() * apps)}'}`, namespaceSelector: `env == 'prod'` }, destination: { ports: ['main'] } },
          ],
        },
      });
    } else if (kind < 0.8) {
      policies.push({
        kind: 'KubernetesNetworkPolicy',
        namespace: ns,
        name: `k-${i}`,
        spec: {
          podSelector: { matchLabels: { app: `app-${Math.floor(r() * apps)}` } },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [{ from: [{ podSelector: { matchLabels: { tier: pick(TIERS) } } }, { namespaceSelector: { matchLabels: { team: `t${Math.floor(r() * nsCount)}` } } }], ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 'main' }] }],
          egress: [{ to: [{ podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['db', 'cache'] }] } }] }, { to: [{ ipBlock: { cidr: '172.16.0.0/12', except: ['172.16.5.0/24'] } }], ports: [{ protocol: 'UDP', port: 53 }] }],
        },
      });
    } else {
      policies.push({
        kind: 'NetworkPolicy',
        namespace: ns,
        name: `e-${i}`,
        spec: {
          order: 200,
          selector: `version == 'v${1 + Math.floor(r() * 3)}' && has(canary)`,
          types: ['Egress'],
          egress: [
            { action: 'Deny', protocol: 'TCP', destination: { notNets: ['10.64.0.0/10'], ports: [25] } },
            { action: 'Allow', destination: { selector: `tier != 'db'` } },
          ],
        },
      });
    }
  }
  return { namespaces, endpoints, policies };
}
