/**
 * Namespace scoping, exactly as Calico's update processor does it: a
 * namespaceSelector is rewritten to run over the `pcns.`-prefixed labels the
 * endpoint inherits, with all() meaning "any namespaced endpoint" and
 * global() meaning "no namespace".
 */
import {
  and,
  has,
  junction,
  NAMESPACE_LABEL,
  NAMESPACE_LABEL_PREFIX,
  not,
  valueOp,
  type SelectorNode,
} from '../selector/ast.ts';

export function namespaceScope(nsSelector: SelectorNode): SelectorNode {
  switch (nsSelector.op) {
    case 'all':
      return has(NAMESPACE_LABEL);
    case 'global':
      return not(has(NAMESPACE_LABEL));
    case 'not':
      return not(namespaceScope(nsSelector.operand));
    case 'and':
    case 'or':
      return junction(nsSelector.op, nsSelector.operands.map(namespaceScope));
    default:
      return { ...nsSelector, key: NAMESPACE_LABEL_PREFIX + nsSelector.key };
  }
}

export function inNamespace(ns: string): SelectorNode {
  return valueOp('eq', NAMESPACE_LABEL, ns);
}

/**
 * The selector an entity rule stands for (Calico's getEndpointSelector):
 * undefined means "no selector constraint" (any address). In a namespaced
 * policy any selector field scopes the rule to the policy's namespace unless
 * a namespaceSelector says otherwise. notSelector itself is never scoped.
 */
export function entitySelector(
  selector: SelectorNode | undefined,
  nsSelector: SelectorNode | undefined,
  hasNotSelector: boolean,
  policyNamespace: string | undefined,
): SelectorNode | undefined {
  let scope: SelectorNode | undefined;
  if (nsSelector !== undefined) scope = namespaceScope(nsSelector);
  else if (policyNamespace !== undefined) scope = inNamespace(policyNamespace);
  if (scope !== undefined && (selector !== undefined || hasNotSelector || nsSelector !== undefined)) {
    return selector === undefined ? scope : and(scope, selector);
  }
  return selector;
}
