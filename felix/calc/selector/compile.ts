/**
 * Compiles a selector AST into a closure once, so evaluating it against an
 * endpoint's labels is a few map lookups with no tree walk or dispatch on
 * node kinds. Semantics follow Calico's evaluator:
 *
 * - `k == v`, `contains`, `starts with`, `ends with`, `in {…}` need k present;
 * - `k != v` and `k not in {…}` match when k is absent;
 * - `all()` matches everything;
 * - `global()` matches only non-namespaced entities, i.e. those without the
 *   `projectcalico.org/namespace` label. (Calico evaluates a bare `global()`
 *   as true and gives it meaning only inside a namespaceSelector, where it
 *   becomes `!has(projectcalico.org/namespace)`; reef uses that meaning
 *   everywhere, so a bare `global()` never selects a pod.)
 */
import { NAMESPACE_LABEL, type SelectorNode } from './ast.ts';

export type Labels = ReadonlyMap<string, string>;
export type Matcher = (labels: Labels) => boolean;

export function compile(n: SelectorNode): Matcher {
  switch (n.op) {
    case 'all':
      return () => true;
    case 'global':
      return (l) => !l.has(NAMESPACE_LABEL);
    case 'has': {
      const k = n.key;
      return (l) => l.has(k);
    }
    case 'eq': {
      const { key, value } = n;
      return (l) => l.get(key) === value;
    }
    case 'ne': {
      const { key, value } = n;
      return (l) => l.get(key) !== value;
    }
    case 'contains': {
      const { key, value } = n;
      return (l) => l.get(key)?.includes(value) ?? false;
    }
    case 'startsWith': {
      const { key, value } = n;
      return (l) => l.get(key)?.startsWith(value) ?? false;
    }
    case 'endsWith': {
      const { key, value } = n;
      return (l) => l.get(key)?.endsWith(value) ?? false;
    }
    case 'in': {
      const { key } = n;
      const set = new Set(n.values);
      return (l) => {
        const v = l.get(key);
        return v !== undefined && set.has(v);
      };
    }
    case 'notIn': {
      const { key } = n;
      const set = new Set(n.values);
      return (l) => {
        const v = l.get(key);
        return v === undefined || !set.has(v);
      };
    }
    case 'not': {
      const inner = compile(n.operand);
      return (l) => !inner(l);
    }
    case 'and': {
      const ops = n.operands.map(compile);
      if (ops.length === 2) {
        const [a, b] = ops as [Matcher, Matcher];
        return (l) => a(l) && b(l);
      }
      return (l) => ops.every((m) => m(l));
    }
    case 'or': {
      const ops = n.operands.map(compile);
      if (ops.length === 2) {
        const [a, b] = ops as [Matcher, Matcher];
        return (l) => a(l) || b(l);
      }
      return (l) => ops.some((m) => m(l));
    }
  }
}

export function toLabels(record: Readonly<Record<string, string>> | undefined): Labels {
  return new Map(Object.entries(record ?? {}));
}
