/**
 * Kubernetes label selectors (metav1.LabelSelector), checked as the API
 * server's ValidateLabelSelector does: keys are qualified names, values label
 * values; In and NotIn need values, Exists and DoesNotExist take none.
 * Operators are case-sensitive, as in Kubernetes. Canonical form leaves out
 * empty lists and maps (Kubernetes' `omitempty`), so `{}` selects everything.
 */
import { z } from 'zod';
import { LABEL_VALUE, qualifiedNameProblem, stringMap } from '../fields.ts';
import { show } from '../findings.ts';
import { field, type Findings } from '../schema.ts';

export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

export interface LabelSelectorRequirement {
  key: string;
  operator: (typeof SELECTOR_OPERATORS)[number];
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** An exact (case-sensitive) choice, as Kubernetes enums are; a case slip gets the right spelling. */
export function exactly<const T extends string>(values: readonly T[]): z.ZodType<T, unknown> {
  return field<T>((v, report) => {
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
    const near = typeof v === 'string' ? values.find((x) => x.toLowerCase() === v.toLowerCase()) : undefined;
    return report(`${show(v)} is not one of ${values.join(', ')}${near ? `; Kubernetes spells it "${near}"` : ''}`);
  });
}

const labelKey = field<string>((v, report) => {
  if (typeof v !== 'string') return report(`expected a label key string, got ${show(v)}`);
  const why = qualifiedNameProblem(v);
  return why ? report(`label key ${show(v)} ${why}`) : v;
});

const labelValue = field<string>((v, report) => {
  if (typeof v !== 'string') return report(`expected a label value string, got ${show(v)} (quote it in YAML)`);
  if (v !== '' && !LABEL_VALUE.test(v)) {
    return report(`label value ${show(v)} must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`);
  }
  return v;
});

export const labelSelector = z.strictObject({
  matchLabels: stringMap('label').optional(),
  matchExpressions: z
    .array(z.strictObject({ key: labelKey, operator: exactly(SELECTOR_OPERATORS), values: z.array(labelValue).optional() }))
    .optional(),
});

/** The checks across a requirement's fields; returns the canonical selector. `at` is its path. */
export function finishSelector(s: LabelSelector, at: string, f: Findings): LabelSelector {
  const exprs = (s.matchExpressions ?? []).map((e, i) => {
    const n = e.values?.length ?? 0;
    if ((e.operator === 'In' || e.operator === 'NotIn') && n === 0) {
      f.add(`${at}.matchExpressions[${i}].values`, `must list at least one value when operator is ${e.operator}`);
    }
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && n > 0) {
      f.add(`${at}.matchExpressions[${i}].values`, `${show(e.values)} may not be given when operator is ${e.operator}`);
    }
    return n > 0 ? { key: e.key, operator: e.operator, values: e.values! } : { key: e.key, operator: e.operator };
  });
  const out: LabelSelector = {};
  if (s.matchLabels && Object.keys(s.matchLabels).length > 0) out.matchLabels = s.matchLabels;
  if (exprs.length > 0) out.matchExpressions = exprs;
  return out;
}

/** kubectl's text for a selector: `app=web,tier in (a,b),!legacy`; `<none>` for everything. */
export function formatSelector(s: LabelSelector | undefined): string {
  const parts = Object.entries(s?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s?.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`);
  }
  return parts.length > 0 ? parts.join(',') : '<none>';
}
