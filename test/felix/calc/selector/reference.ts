/** A deliberately naive interpreter over the AST: the oracle for the compiled closures. */
import type { SelectorNode } from '../../../../felix/calc/selector/ast.ts';

export function referenceEval(n: SelectorNode, labels: Record<string, string>): boolean {
  const present = (k: string) => Object.prototype.hasOwnProperty.call(labels, k);
  switch (n.op) {
    case 'all':
      return true;
    case 'global':
      return !present('projectcalico.org/namespace');
    case 'has':
      return present(n.key);
    case 'eq':
      return present(n.key) && labels[n.key] === n.value;
    case 'ne':
      return !present(n.key) || labels[n.key] !== n.value;
    case 'contains':
      return present(n.key) && labels[n.key]!.indexOf(n.value) >= 0;
    case 'startsWith':
      return present(n.key) && labels[n.key]!.slice(0, n.value.length) === n.value;
    case 'endsWith':
      return present(n.key) && labels[n.key]!.length >= n.value.length && labels[n.key]!.slice(labels[n.key]!.length - n.value.length) === n.value;
    case 'in':
      return present(n.key) && n.values.includes(labels[n.key]!);
    case 'notIn':
      return !present(n.key) || !n.values.includes(labels[n.key]!);
    case 'not':
      return !referenceEval(n.operand, labels);
    case 'and': {
      let r = true;
      for (const o of n.operands) r = referenceEval(o, labels) && r;
      return r;
    }
    case 'or': {
      let r = false;
      for (const o of n.operands) r = referenceEval(o, labels) || r;
      return r;
    }
  }
}
