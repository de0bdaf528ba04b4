/**
 * The selector AST and its canonical printed form.
 *
 * Every AST that leaves this module is canonical: `and`/`or` are flattened,
 * their operands sorted by printed form and deduplicated, set literals sorted
 * and deduplicated, and `!!x` collapsed to `x`. So two spellings of the same
 * selector (`b == 'x' && a == "y"` and `(a == "y") && b == "x"`) print the same
 * text and hash to the same id, which is what lets them share one ipset.
 */

/** The label that carries an endpoint's namespace; absent on non-namespaced entities. */
export const NAMESPACE_LABEL = 'projectcalico.org/namespace';
/** Namespace labels are inherited by the endpoints inside, under this prefix (as Calico does). */
export const NAMESPACE_LABEL_PREFIX = 'pcns.';

export type ValueOp = 'eq' | 'ne' | 'contains' | 'startsWith' | 'endsWith';
export type SetOp = 'in' | 'notIn';

export type SelectorNode =
  | { readonly op: 'all' }
  | { readonly op: 'global' }
  | { readonly op: 'has'; readonly key: string }
  | { readonly op: ValueOp; readonly key: string; readonly value: string }
  | { readonly op: SetOp; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'not'; readonly operand: SelectorNode }
  | { readonly op: 'and' | 'or'; readonly operands: readonly SelectorNode[] };

const VALUE_OP_TEXT: Record<ValueOp, string> = {
  eq: '==',
  ne: '!=',
  contains: 'contains',
  startsWith: 'starts with',
  endsWith: 'ends with',
};

export const ALL: SelectorNode = { op: 'all' };

export function has(key: string): SelectorNode {
  return { op: 'has', key };
}

export function valueOp(op: ValueOp, key: string, value: string): SelectorNode {
  return { op, key, value };
}

export function setOp(op: SetOp, key: string, values: readonly string[]): SelectorNode {
  return { op, key, values: [...new Set(values)].sort() };
}

export function not(operand: SelectorNode): SelectorNode {
  return operand.op === 'not' ? operand.operand : { op: 'not', operand };
}

/** Builds a canonical `and`/`or`: nested same-op nodes flattened, operands sorted and unique. */
export function junction(op: 'and' | 'or', operands: readonly SelectorNode[]): SelectorNode {
  const flat: SelectorNode[] = [];
  for (const o of operands) {
    if (o.op === op) flat.push(...o.operands);
    else flat.push(o);
  }
  // all() is the identity of && and absorbs ||; !all() the reverse. Folding them
  // keeps `all() && x` and `x` on one ipset.
  const identity = op === 'and' ? 'all()' : '!all()';
  const absorbing = op === 'and' ? '!all()' : 'all()';
  const byText = new Map<string, SelectorNode>();
  for (const o of flat) {
    const text = print(o);
    if (text === absorbing) return o;
    if (text !== identity) byText.set(text, o);
  }
  const unique = [...byText.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, n]) => n);
  if (unique.length === 1) return unique[0]!;
  // An empty conjunction is true and an empty disjunction false, as in logic.
  if (unique.length === 0) return op === 'and' ? ALL : { op: 'not', operand: ALL };
  return { op, operands: unique };
}

export function and(...operands: SelectorNode[]): SelectorNode {
  return junction('and', operands);
}

export function or(...operands: SelectorNode[]): SelectorNode {
  return junction('or', operands);
}

/**
 * Calico has no escapes inside string literals, so a value is quoted with
 * whichever quote it does not contain. A value with both cannot be written
 * in the language at all; such values never come from Kubernetes labels.
 */
export function quote(s: string): string {
  return s.includes('"') ? `'${s}'` : `"${s}"`;
}

function printOperand(n: SelectorNode, parent: 'and' | 'or' | 'not'): string {
  const needsParens = (n.op === 'and' || n.op === 'or') && (parent === 'not' || n.op !== parent);
  const text = print(n);
  return needsParens ? `(${text})` : text;
}

/** Printed text by node: ASTs are immutable, and junction() prints every operand it sorts. */
const printed = new WeakMap<SelectorNode, string>();

/** The canonical text: parse(print(ast)) deep-equals ast for every canonical ast. */
export function print(n: SelectorNode): string {
  let text = printed.get(n);
  if (text === undefined) {
    text = printNode(n);
    printed.set(n, text);
  }
  return text;
}

function printNode(n: SelectorNode): string {
  switch (n.op) {
    case 'all':
      return 'all()';
    case 'global':
      return 'global()';
    case 'has':
      return `has(${n.key})`;
    case 'eq':
    case 'ne':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return `${n.key} ${VALUE_OP_TEXT[n.op]} ${quote(n.value)}`;
    case 'in':
    case 'notIn':
      return `${n.key} ${n.op === 'in' ? 'in' : 'not in'} {${n.values.map(quote).join(', ')}}`;
    case 'not':
      return `!${printOperand(n.operand, 'not')}`;
    case 'and':
    case 'or':
      return n.operands.map((o) => printOperand(o, n.op as 'and' | 'or')).join(n.op === 'and' ? ' && ' : ' || ');
  }
}

/** Every label key whose presence or value can change the selector's result. */
export function labelKeys(n: SelectorNode, into: Set<string> = new Set()): Set<string> {
  switch (n.op) {
    case 'all':
      break;
    case 'global':
      into.add(NAMESPACE_LABEL);
      break;
    case 'not':
      labelKeys(n.operand, into);
      break;
    case 'and':
    case 'or':
      for (const o of n.operands) labelKeys(o, into);
      break;
    default:
      into.add(n.key);
  }
  return into;
}

/** Applies `f` to every label key (used to move a namespaceSelector into the `pcns.` space). */
export function mapKeys(n: SelectorNode, f: (key: string) => string): SelectorNode {
  switch (n.op) {
    case 'all':
    case 'global':
      return n;
    case 'not':
      return not(mapKeys(n.operand, f));
    case 'and':
    case 'or':
      return junction(n.op, n.operands.map((o) => mapKeys(o, f)));
    default:
      return { ...n, key: f(n.key) };
  }
}
