/**
 * A selector's prefilter: label terms of which every endpoint the selector
 * matches carries at least one, so an index by label key and value can hand
 * the selector its few candidates instead of every endpoint. Only a
 * necessary condition: candidates are still checked with the compiled
 * selector, so a prefilter can narrow the work but never change a result.
 *
 *   k == v, k in {a, b}            the values of k
 *   has(k), contains, starts/ends  the presence of k
 *   a && b                         the narrower of the operands' prefilters
 *   a || b                         all operands' terms (if every operand has some)
 *   all(), global(), !x, !=, not in  none: evaluated against every endpoint
 */
import type { SelectorNode } from '../selector/ast.ts';

/** `value` undefined: the item has the key (any value). */
export interface Term {
  readonly key: string;
  readonly value?: string;
}

/** Without counts, a rough guess: value terms pick few items, presence terms many. */
function guess(terms: readonly Term[]): number {
  let c = 0;
  for (const t of terms) c += t.value === undefined ? 1000 : 1;
  return c;
}

/**
 * undefined: no prefilter (the selector can match an item without any
 * particular label). `cost` (how many items carry the terms, when an index
 * knows) picks the narrowest operand of an `&&`; it changes the work, never
 * the result.
 */
export function prefilter(n: SelectorNode, cost: (terms: readonly Term[]) => number = guess): readonly Term[] | undefined {
  switch (n.op) {
    case 'eq':
      return [{ key: n.key, value: n.value }];
    case 'in':
      return n.values.map((value) => ({ key: n.key, value }));
    case 'has':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return [{ key: n.key }];
    case 'and': {
      let best: readonly Term[] | undefined;
      let bestCost = Infinity;
      for (const o of n.operands) {
        const t = prefilter(o, cost);
        if (t === undefined) continue;
        const c = cost(t);
        if (c < bestCost) [best, bestCost] = [t, c];
      }
      return best;
    }
    case 'or': {
      const out: Term[] = [];
      for (const o of n.operands) {
        const t = prefilter(o, cost);
        if (t === undefined) return undefined;
        out.push(...t);
      }
      return out;
    }
    default:
      return undefined;
  }
}
