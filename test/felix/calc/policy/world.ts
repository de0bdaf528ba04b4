/** A small cluster used by the policy, graph and render tests. */
import type { EndpointInput, K8sNetworkPolicySpec, NamespaceInput, PolicyInput, ReefPolicySpec } from '../../../../felix/calc/policy/types.ts';

export const NAMESPACES: NamespaceInput[] = [
  { name: 'prod', labels: { team: 'a', env: 'prod' } },
  { name: 'dev', labels: { team: 'b' } },
  { name: 'other', labels: {} },
];

export const ENDPOINTS: EndpointInput[] = [
  { namespace: 'prod', name: 'web', labels: { app: 'web' }, ips: ['10.0.1.1'], node: 'n1', interfaceName: 'reef0a1', ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] },
  { namespace: 'prod', name: 'db', labels: { app: 'db', tier: 'be' }, ips: ['10.0.1.2/32'], node: 'n1', interfaceName: 'reef0a2', ports: [{ name: 'pg', protocol: 'TCP', port: 5432 }, { name: 'dns', protocol: 'UDP', port: 53 }] },
  { namespace: 'prod', name: 'cache', labels: { app: 'cache', tier: 'be' }, ips: ['10.0.1.3'], node: 'n2', interfaceName: 'reef0b1' },
  { namespace: 'dev', name: 'web', labels: { app: 'web' }, ips: ['10.0.2.1'], node: 'n1', interfaceName: 'reef0a3', ports: [{ name: 'http', protocol: 'TCP', port: 9090 }] },
  { namespace: 'dev', name: 'client', labels: { app: 'client' }, ips: ['10.0.2.2'], node: 'n2', interfaceName: 'reef0b2' },
  { namespace: 'other', name: 'x', labels: {}, ips: ['10.0.3.1'], node: 'n1', interfaceName: 'reef0a4' },
];

export function knp(namespace: string, name: string, spec: K8sNetworkPolicySpec): PolicyInput {
  return { kind: 'KubernetesNetworkPolicy', namespace, name, spec };
}
export function np(namespace: string, name: string, spec: ReefPolicySpec): PolicyInput {
  return { kind: 'NetworkPolicy', namespace, name, spec };
}
export function gnp(name: string, spec: ReefPolicySpec): PolicyInput {
  return { kind: 'GlobalNetworkPolicy', name, spec };
}
