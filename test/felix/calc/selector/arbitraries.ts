/** fast-check generators for selector ASTs and label sets over a small alphabet, so matches are common. */
import fc from 'fast-check';
import { ALL, has, junction, not, setOp, valueOp, type SelectorNode } from '../../../../felix/calc/selector/ast.ts';

export const KEYS = ['a', 'b', 'app', 'x.io/role', 'projectcalico.org/namespace'];
export const VALUES = ['', 'v', 'w', 'vw', 'it\'s', 'say "x"'];

const key = fc.constantFrom(...KEYS);
const value = fc.constantFrom(...VALUES);

const leaf: fc.Arbitrary<SelectorNode> = fc.oneof(
  fc.constant(ALL),
  fc.constant<SelectorNode>({ op: 'global' }),
  key.map(has),
  fc.tuple(fc.constantFrom('eq', 'ne', 'contains', 'startsWith', 'endsWith' as const), key, value).map(([op, k, v]) =>
    valueOp(op, k, v),
  ),
  fc.tuple(fc.constantFrom('in', 'notIn' as const), key, fc.array(value, { maxLength: 3 })).map(([op, k, vs]) => setOp(op, k, vs)),
);

export const selectorAst: fc.Arbitrary<SelectorNode> = fc.letrec<{ node: SelectorNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('node').map(not),
    fc.tuple(fc.constantFrom('and', 'or' as const), fc.array(tie('node'), { minLength: 1, maxLength: 3 })).map(([op, ops]) =>
      junction(op, ops),
    ),
  ),
})).node;

export const labelSet: fc.Arbitrary<Record<string, string>> = fc.dictionary(key, value, { maxKeys: 5 });
