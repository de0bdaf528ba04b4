/**
 * A parsed, compiled selector with its canonical text and stable id. Parsing
 * is cached by source text, so a selector repeated across a thousand policies
 * is parsed and compiled once.
 */
import { hash } from 'node:crypto';
import { labelKeys, print, type SelectorNode } from './ast.ts';
import { compile, type Labels, type Matcher } from './compile.ts';
import { parseSelector } from './parser.ts';

export class Selector {
  readonly ast: SelectorNode;
  /** Canonical text: equal for every spelling of the same selector. */
  readonly text: string;
  /** `s:` and 20 base64url characters of SHA-256 over the canonical text. */
  readonly id: string;
  /** The label keys the result can depend on: the index key for incremental updates. */
  readonly keys: ReadonlySet<string>;
  readonly matches: Matcher;

  constructor(ast: SelectorNode) {
    this.ast = ast;
    this.text = print(ast);
    this.id = selectorId(this.text);
    this.keys = labelKeys(ast);
    this.matches = compile(ast);
  }

  matchesRecord(labels: Readonly<Record<string, string>>): boolean {
    return this.matches(new Map(Object.entries(labels)) as Labels);
  }

  toString(): string {
    return this.text;
  }
}

export function shortHash(text: string, length = 20): string {
  return hash('sha256', text, 'base64url').slice(0, length);
}

export function selectorId(canonicalText: string): string {
  return `s:${shortHash(canonicalText)}`;
}

const cache = new Map<string, Selector>();
const CACHE_LIMIT = 10_000;

/** Parses (or returns the cached parse of) selector text; throws SelectorSyntaxError. */
export function selector(text: string): Selector {
  let s = cache.get(text);
  if (s === undefined) {
    s = new Selector(parseSelector(text));
    // A crude bound: selectors come from policies, so churn is rare; clearing beats unbounded growth.
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, s);
  }
  return s;
}

const byCanonical = new Map<string, Selector>();

/** The Selector for an AST; equal ASTs (same canonical text) share one, so it is hashed and compiled once. */
export function fromAst(ast: SelectorNode): Selector {
  const text = print(ast);
  let s = byCanonical.get(text);
  if (s === undefined) {
    s = new Selector(ast);
    if (byCanonical.size >= CACHE_LIMIT) byCanonical.clear();
    byCanonical.set(text, s);
  }
  return s;
}

const memo = new Map<string, Selector>();
const MEMO_LIMIT = 50_000;

/**
 * The Selector a converter derives from its source fields (selector texts,
 * a LabelSelector, the policy's namespace), cached by `key`: a string that
 * determines the result (the caller's kind, then every input the build reads).
 * So a scoped selector repeated across policies is built, printed and hashed
 * once. `build` runs only on a miss and may throw (nothing is cached then);
 * an undefined key (input the caller cannot key safely) always builds.
 */
export function memoSelector(key: string | undefined, build: () => SelectorNode): Selector {
  if (key === undefined) return fromAst(build());
  let s = memo.get(key);
  if (s === undefined) {
    s = fromAst(build());
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(key, s);
  }
  return s;
}

/** Empties memoSelector's cache (tests). */
export function clearSelectorMemo(): void {
  memo.clear();
}
