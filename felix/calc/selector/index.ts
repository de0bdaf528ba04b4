/**
 * Selectors: Calico's label-selector language and Kubernetes LabelSelectors,
 * parsed once into one canonical AST (ast.ts), compiled to closures
 * (compile.ts), named by a stable id over the canonical text (selector.ts).
 */
export * from './ast.ts';
export * from './compile.ts';
export * from './parser.ts';
export * from './selector.ts';
export * from './k8s.ts';
