/**
 * What NetworkPolicy and GlobalNetworkPolicy share: order, selector, types and
 * rules, and Calico's defaulting of `types` from the rules present.
 */
import { z } from 'zod';
import { field, type Findings } from '../schema.ts';
import { show } from '../findings.ts';
import { oneOf, selector } from '../fields.ts';
import { checkRule, rule, type Rule } from './rule.ts';

export const POLICY_TYPES = ['Ingress', 'Egress'] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

export interface PolicySpecCommon {
  /** Lower orders apply first; absent means after every ordered policy. */
  order?: number;
  /** Which endpoints the policy applies to; `all()` when absent in the input. */
  selector: string;
  serviceAccountSelector?: string;
  types: PolicyType[];
  ingress: Rule[];
  egress: Rule[];
}

const order = field<number>((v, report) => {
  const n = typeof v === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) return report(`expected a number, got ${show(v)}`);
  if (n < 0) return report(`${n} is negative; order must be 0 or more (lower orders apply first)`);
  return n;
});

export const commonShape = {
  order: order.optional(),
  selector: selector().default('all()'),
  serviceAccountSelector: selector('serviceAccountSelector').optional(),
  types: z.array(oneOf(POLICY_TYPES)).optional(),
  ingress: z.array(rule).default([]),
  egress: z.array(rule).default([]),
};

/**
 * Calico's default: no egress rules -> [Ingress] (even with no rules at all);
 * egress rules only -> [Egress]; both -> [Ingress, Egress].
 */
export function defaultTypes(ingress: readonly Rule[], egress: readonly Rule[]): PolicyType[] {
  if (egress.length === 0) return ['Ingress'];
  if (ingress.length === 0) return ['Egress'];
  return ['Ingress', 'Egress'];
}

export function finishCommon<P extends Omit<PolicySpecCommon, 'types'> & { types?: PolicyType[] }>(
  p: P,
  f: Findings,
): P & { types: PolicyType[] } {
  // Calico treats an empty list like an absent one.
  const types = p.types && p.types.length > 0 ? p.types : defaultTypes(p.ingress, p.egress);
  const seen = new Set<PolicyType>();
  types.forEach((t, i) => {
    if (seen.has(t)) f.add(`spec.types[${i}]`, `${t} is listed twice`);
    seen.add(t);
  });
  if (p.ingress.length > 0 && !seen.has('Ingress')) {
    f.add('spec.ingress', `${p.ingress.length} ingress rule(s) would be ignored: spec.types (${types.join(', ')}) does not include Ingress`);
  }
  if (p.egress.length > 0 && !seen.has('Egress')) {
    f.add('spec.egress', `${p.egress.length} egress rule(s) would be ignored: spec.types (${types.join(', ')}) does not include Egress`);
  }
  p.ingress.forEach((r, i) => checkRule(r, `spec.ingress[${i}]`, f));
  p.egress.forEach((r, i) => checkRule(r, `spec.egress[${i}]`, f));
  return { ...p, types };
}
