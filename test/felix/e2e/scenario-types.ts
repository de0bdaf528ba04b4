/** The shape of an acceptance scenario, and short builders for the policies in the tables. */
import type { K8sNetworkPolicySpec, PolicyInput, ReefPolicySpec } from '../../../felix/calc/policy/index.ts';
import type { LabelSelector } from '../../../felix/calc/selector/k8s.ts';
import type { Column } from './matrix.ts';

/**
 * A hand-derived expectation for one cell, from the Kubernetes or Calico
 * documentation rather than from decide(): it checks the oracle itself, so a
 * mistake shared by the oracle and the agent cannot pass unnoticed.
 */
export type Spot = readonly [from: string, to: string, column: Column, allowed: boolean];

export type Mutation =
  | { readonly kind: 'editPolicy'; readonly policy: PolicyInput }
  | { readonly kind: 'deletePolicy'; readonly key: string }
  | { readonly kind: 'podLabels'; readonly pod: string; readonly labels: Record<string, string> }
  | { readonly kind: 'namespaceLabels'; readonly namespace: string; readonly labels: Record<string, string> };

export interface Scenario {
  readonly name: string;
  readonly policies: readonly PolicyInput[];
  /** Adds an ICMP echo column (ping) to the matrix. */
  readonly icmp?: boolean;
  readonly spots?: readonly Spot[];
  /** A change made after the first matrix, followed by a second matrix. */
  readonly mutation?: { readonly change: Mutation; readonly spots?: readonly Spot[] };
}

export const knp = (namespace: string, name: string, spec: K8sNetworkPolicySpec): PolicyInput => ({ kind: 'KubernetesNetworkPolicy', namespace, name, spec });
export const np = (namespace: string, name: string, spec: ReefPolicySpec): PolicyInput => ({ kind: 'NetworkPolicy', namespace, name, spec });
export const gnp = (name: string, spec: ReefPolicySpec): PolicyInput => ({ kind: 'GlobalNetworkPolicy', name, spec });
export const ml = (matchLabels: Record<string, string>): LabelSelector => ({ matchLabels });
