/**
 * Kubernetes label selectors (metav1.LabelSelector) compiled into the same
 * AST as Calico selectors, so both kinds share ipsets and one evaluator.
 * Kubernetes semantics: requirements are ANDed; `{}` selects everything;
 * NotIn and DoesNotExist match objects without the key.
 */
import { ReefError } from '../../../src/lib/errors.ts';
import { ALL, and, has, not, setOp, valueOp, type SelectorNode } from './ast.ts';

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export class LabelSelectorError extends ReefError {
  constructor(path: string, reason: string) {
    super('LABEL_SELECTOR_INVALID', `${path}: ${reason}`, { path, reason });
  }
}

export function fromLabelSelector(ls: LabelSelector | undefined, path = 'selector'): SelectorNode {
  if (ls === undefined) return ALL;
  const terms: SelectorNode[] = [];
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) terms.push(valueOp('eq', k, v));
  (ls.matchExpressions ?? []).forEach((e, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) throw new LabelSelectorError(p, `operator ${e.operator} needs at least one value`);
        terms.push(setOp(e.operator === 'In' ? 'in' : 'notIn', e.key, values));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) throw new LabelSelectorError(p, `operator ${e.operator} takes no values`);
        terms.push(e.operator === 'Exists' ? has(e.key) : not(has(e.key)));
        break;
      default:
        throw new LabelSelectorError(p, `unknown operator ${String((e as { operator: unknown }).operator)}`);
    }
  });
  return terms.length === 0 ? ALL : and(...terms);
}
