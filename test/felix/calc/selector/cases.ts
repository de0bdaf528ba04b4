/** Table of selector evaluation cases, checked against Calico's documented semantics. */
export interface MatchCase {
  sel: string;
  labels: Record<string, string>;
  want: boolean;
}

const ns = 'projectcalico.org/namespace';

export const MATCH_CASES: MatchCase[] = [
  // all() and the empty selector
  { sel: 'all()', labels: {}, want: true },
  { sel: 'all()', labels: { a: 'b' }, want: true },
  { sel: '', labels: {}, want: true },
  { sel: '   ', labels: { a: 'b' }, want: true },
  { sel: '!all()', labels: {}, want: false },
  { sel: 'all ( )', labels: {}, want: true },
  // global(): only non-namespaced entities
  { sel: 'global()', labels: {}, want: true },
  { sel: 'global()', labels: { [ns]: 'default' }, want: false },
  { sel: '!global()', labels: { [ns]: 'default' }, want: true },
  { sel: 'global() || app == "x"', labels: { [ns]: 'default', app: 'x' }, want: true },
  // ==
  { sel: 'a == "b"', labels: { a: 'b' }, want: true },
  { sel: "a == 'b'", labels: { a: 'b' }, want: true },
  { sel: 'a == "b"', labels: { a: 'c' }, want: false },
  { sel: 'a == "b"', labels: {}, want: false },
  { sel: 'a == ""', labels: { a: '' }, want: true },
  { sel: 'a == ""', labels: {}, want: false },
  { sel: 'a=="b"', labels: { a: 'b' }, want: true },
  { sel: 'a == "B"', labels: { a: 'b' }, want: false },
  { sel: 'a == "b c"', labels: { a: 'b c' }, want: true },
  { sel: `a == 'say "hi"'`, labels: { a: 'say "hi"' }, want: true },
  { sel: `a == "it's"`, labels: { a: "it's" }, want: true },
  // != matches when absent
  { sel: 'a != "b"', labels: {}, want: true },
  { sel: 'a != "b"', labels: { a: 'b' }, want: false },
  { sel: 'a != "b"', labels: { a: 'c' }, want: true },
  { sel: 'a != ""', labels: { a: '' }, want: false },
  { sel: '!a == "b"', labels: {}, want: true },
  { sel: '!(a != "b")', labels: {}, want: false },
  // in / not in
  { sel: 'a in {"x", "y"}', labels: { a: 'x' }, want: true },
  { sel: 'a in {"x", "y"}', labels: { a: 'y' }, want: true },
  { sel: 'a in {"x", "y"}', labels: { a: 'z' }, want: false },
  { sel: 'a in {"x", "y"}', labels: {}, want: false },
  { sel: 'a in {}', labels: { a: 'x' }, want: false },
  { sel: "a in {'x'}", labels: { a: 'x' }, want: true },
  { sel: 'a in{"x","y"}', labels: { a: 'y' }, want: true },
  { sel: 'a not in {"x", "y"}', labels: { a: 'x' }, want: false },
  { sel: 'a not in {"x", "y"}', labels: { a: 'z' }, want: true },
  { sel: 'a not in {"x", "y"}', labels: {}, want: true },
  { sel: 'a not in {}', labels: {}, want: true },
  { sel: 'a not in {}', labels: { a: 'q' }, want: true },
  { sel: 'a  not   in {"x"}', labels: { a: 'x' }, want: false },
  // has
  { sel: 'has(a)', labels: { a: '' }, want: true },
  { sel: 'has(a)', labels: { a: 'x' }, want: true },
  { sel: 'has(a)', labels: { b: 'x' }, want: false },
  { sel: '!has(a)', labels: { b: 'x' }, want: true },
  { sel: '!has(a)', labels: { a: 'x' }, want: false },
  { sel: 'has( a )', labels: { a: 'x' }, want: true },
  { sel: '!!has(a)', labels: { a: 'x' }, want: true },
  { sel: '!!!has(a)', labels: { a: 'x' }, want: false },
  // contains / starts with / ends with
  { sel: 'a contains "ell"', labels: { a: 'hello' }, want: true },
  { sel: 'a contains "xyz"', labels: { a: 'hello' }, want: false },
  { sel: 'a contains ""', labels: { a: 'hello' }, want: true },
  { sel: 'a contains ""', labels: {}, want: false },
  { sel: 'a starts with "he"', labels: { a: 'hello' }, want: true },
  { sel: 'a starts with "lo"', labels: { a: 'hello' }, want: false },
  { sel: 'a starts with "he"', labels: {}, want: false },
  { sel: 'a ends with "lo"', labels: { a: 'hello' }, want: true },
  { sel: 'a ends with "he"', labels: { a: 'hello' }, want: false },
  { sel: 'a ends with "lo"', labels: {}, want: false },
  { sel: 'a starts   with "h"', labels: { a: 'hello' }, want: true },
  { sel: '!a contains "ell"', labels: { a: 'hello' }, want: false },
  // label keys with prefixes and punctuation
  { sel: 'projectcalico.org/namespace == "default"', labels: { [ns]: 'default' }, want: true },
  { sel: 'app.kubernetes.io/name == "web"', labels: { 'app.kubernetes.io/name': 'web' }, want: true },
  { sel: 'has(kubernetes.io/metadata.name)', labels: { 'kubernetes.io/metadata.name': 'x' }, want: true },
  { sel: 'my-key_1 == "v"', labels: { 'my-key_1': 'v' }, want: true },
  { sel: 'pcns.team == "blue"', labels: { 'pcns.team': 'blue' }, want: true },
  { sel: '9lives == "x"', labels: { '9lives': 'x' }, want: true },
  // keywords usable as keys
  { sel: 'has == "x"', labels: { has: 'x' }, want: true },
  { sel: 'all == "x"', labels: { all: 'x' }, want: true },
  { sel: 'in == "x"', labels: { in: 'x' }, want: true },
  { sel: 'not in {"x"}', labels: { not: 'x' }, want: true },
  { sel: 'contains contains "x"', labels: { contains: 'axb' }, want: true },
  { sel: 'global == "g"', labels: { global: 'g' }, want: true },
  // && / || / precedence / parens
  { sel: 'a == "1" && b == "2"', labels: { a: '1', b: '2' }, want: true },
  { sel: 'a == "1" && b == "2"', labels: { a: '1', b: '3' }, want: false },
  { sel: 'a == "1" || b == "2"', labels: { a: '0', b: '2' }, want: true },
  { sel: 'a == "1" || b == "2"', labels: {}, want: false },
  { sel: 'a == "1" || b == "2" && c == "3"', labels: { a: '1' }, want: true },
  { sel: 'a == "1" || b == "2" && c == "3"', labels: { b: '2' }, want: false },
  { sel: '(a == "1" || b == "2") && c == "3"', labels: { a: '1' }, want: false },
  { sel: '(a == "1" || b == "2") && c == "3"', labels: { a: '1', c: '3' }, want: true },
  { sel: '!(a == "1" || b == "2")', labels: { c: '1' }, want: true },
  { sel: '!(a == "1" || b == "2")', labels: { b: '2' }, want: false },
  { sel: '!(a == "1" && b == "2")', labels: { a: '1' }, want: true },
  { sel: '((((has(a)))))', labels: { a: '1' }, want: true },
  { sel: 'has(a) && has(b) && has(c)', labels: { a: '', b: '', c: '' }, want: true },
  { sel: 'has(a) && has(b) && has(c)', labels: { a: '', b: '' }, want: false },
  { sel: 'has(a) || has(b) || has(c)', labels: { c: '' }, want: true },
  { sel: 'has(a)&&has(b)', labels: { a: '', b: '' }, want: true },
  { sel: 'has(a)||has(b)', labels: { b: '' }, want: true },
  { sel: 'all() && a == "x"', labels: { a: 'x' }, want: true },
  { sel: '!all() || a == "x"', labels: { a: 'x' }, want: true },
  { sel: 'a == "x" && a == "y"', labels: { a: 'x' }, want: false },
  { sel: 'a == "x" || a == "y"', labels: { a: 'y' }, want: true },
  { sel: '\ta == "x"\n&& b == "y"', labels: { a: 'x', b: 'y' }, want: true },
  { sel: 'role == "db" && tier in {"a","b"} && !has(legacy)', labels: { role: 'db', tier: 'b' }, want: true },
  { sel: 'role == "db" && tier in {"a","b"} && !has(legacy)', labels: { role: 'db', tier: 'b', legacy: '' }, want: false },
  { sel: 'env != "prod" || team == "sre"', labels: { env: 'prod', team: 'sre' }, want: true },
  { sel: 'env != "prod" || team == "sre"', labels: { env: 'prod' }, want: false },
  { sel: 'env != "prod" || team == "sre"', labels: {}, want: true },
];

export interface ErrorCase {
  sel: string;
  offset: number;
  expected: RegExp;
}

export const ERROR_CASES: ErrorCase[] = [
  { sel: 'has(app && x', offset: 8, expected: /expected '\)'/ },
  { sel: 'a == ', offset: 5, expected: /quoted string/ },
  { sel: 'a == b', offset: 5, expected: /quoted string/ },
  { sel: 'a = "b"', offset: 2, expected: /operator/ },
  { sel: 'a', offset: 1, expected: /operator/ },
  { sel: 'a == "b', offset: 5, expected: /unterminated/ },
  { sel: "a == 'b", offset: 5, expected: /unterminated/ },
  { sel: '(a == "b"', offset: 9, expected: /expected '\)'/ },
  { sel: 'a == "b")', offset: 8, expected: /end of selector/ },
  { sel: 'a == "b" &&', offset: 11, expected: /expression/ },
  { sel: 'a == "b" & b == "c"', offset: 9, expected: /end of selector/ },
  { sel: 'a == "b" | b == "c"', offset: 9, expected: /end of selector/ },
  { sel: 'a in "x"', offset: 5, expected: /'\{'/ },
  { sel: 'a in {"x" "y"}', offset: 10, expected: /',' or '\}'/ },
  { sel: 'a in {"x",}', offset: 10, expected: /quoted string/ },
  { sel: 'a not "x"', offset: 6, expected: /'in' after 'not'/ },
  { sel: 'a starts "x"', offset: 9, expected: /'with'/ },
  { sel: 'a ends "x"', offset: 7, expected: /'with'/ },
  { sel: 'has()', offset: 4, expected: /label key/ },
  { sel: 'all(x)', offset: 4, expected: /'\)'/ },
  { sel: '&& a == "b"', offset: 0, expected: /label key/ },
  { sel: '!', offset: 1, expected: /expression/ },
  { sel: 'a inx {"b"}', offset: 2, expected: /operator/ },
  { sel: 'a == "b" c == "d"', offset: 9, expected: /end of selector/ },
  { sel: '$a == "b"', offset: 0, expected: /label key/ },
  { sel: '()', offset: 1, expected: /label key/ },
];

/** Pairs of spellings that must share a canonical form (and so an id and an ipset). */
export const SAME_CANONICAL: [string, string][] = [
  ["a == 'b'", 'a == "b"'],
  ['b == "2" && a == "1"', 'a == "1" && b == "2"'],
  ['(a == "1" && b == "2") && c == "3"', 'a == "1" && (b == "2" && c == "3")'],
  ['a in {"y", "x", "x"}', "a in {'x','y'}"],
  ['!!has(a)', 'has(a)'],
  ['', 'all()'],
  ['has(a) || has(a)', 'has(a)'],
  ['  a   ==   "b"  ', 'a=="b"'],
  ['(has(b) || has(a)) && has(c)', 'has(c) && (has(a) || has(b))'],
];
