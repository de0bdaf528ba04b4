/**
 * The zod glue. zod gives us strict objects (unknown fields are errors), lists,
 * optional/default handling and the field path of every issue; the checks that
 * need a precise message are written as `field(...)` functions, which report
 * in their own words. `toFindings` turns zod's issues into reef Findings.
 */
import { z } from 'zod';
import { type Finding, pathOf, show } from './findings.ts';

/** Reports a problem at the current field, or below it (`sub` is relative). */
export type Report = (reason: string, sub?: PropertyKey[]) => undefined;

/**
 * A field checked by hand. `check` returns the canonical value, or reports and
 * returns undefined. Absent input is reported as missing without calling it.
 */
export function field<T>(check: (v: unknown, report: Report) => T | undefined): z.ZodType<T, unknown> {
  return z.unknown().transform((v, ctx) => {
    if (v === undefined) {
      ctx.addIssue({ code: 'custom', message: 'is required', input: v });
      return z.NEVER;
    }
    let reported = false;
    const report: Report = (reason, sub = []) => {
      reported = true;
      ctx.addIssue({ code: 'custom', message: reason, path: sub, input: v });
      return undefined;
    };
    const out = check(v, report);
    if (reported || out === undefined) {
      if (!reported) ctx.addIssue({ code: 'custom', message: `${show(v)} is not valid here`, input: v });
      return z.NEVER;
    }
    return out;
  });
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
};

/** Known field names ride in the message of an unrecognized_keys issue, for toFindings to use. */
const KNOWN_PREFIX = 'known:';

function errorMap(iss: z.core.$ZodRawIssue): string | undefined {
  if (iss.code === 'unrecognized_keys') {
    const def = (iss.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def;
    return KNOWN_PREFIX + Object.keys(def?.shape ?? {}).join(',');
  }
  if (iss.code === 'invalid_type') {
    if (iss.input === undefined) return 'is required';
    return `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}, got ${show(iss.input)}`;
  }
  if (iss.code === 'invalid_value') {
    return `${show(iss.input)} is not one of ${iss.values.map((v) => String(v)).join(', ')}`;
  }
  return undefined;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
    }
  }
  return d[a.length]![b.length]!;
}

export function unknownFieldReason(key: string, known: readonly string[]): string {
  const close = known.find((k) => k.toLowerCase() === key.toLowerCase()) ??
    known.find((k) => editDistance(k, key) <= 2);
  if (close) return `unknown field "${key}"; did you mean "${close}"?`;
  return known.length > 0
    ? `unknown field "${key}" (allowed here: ${known.join(', ')})`
    : `unknown field "${key}"`;
}

export function toFindings(issues: readonly z.core.$ZodIssue[], base: string): Finding[] {
  const out: Finding[] = [];
  for (const iss of issues) {
    if (iss.code === 'unrecognized_keys') {
      const known = iss.message.startsWith(KNOWN_PREFIX)
        ? iss.message.slice(KNOWN_PREFIX.length).split(',').filter(Boolean)
        : [];
      for (const key of iss.keys) {
        out.push({ path: pathOf(base, [...iss.path, key]), reason: unknownFieldReason(key, known) });
      }
      continue;
    }
    out.push({ path: pathOf(base, iss.path), reason: iss.message });
  }
  return out;
}

export type Parsed<T> =
  | { ok: true; value: T }
  | { ok: false; findings: Finding[]; /** Where the bad values sit, relative to the input. */ bad: PropertyKey[][] };

/** Parses `input` against `schema`, reporting paths under `base` (`spec`, `metadata`). */
export function parseWith<T>(schema: z.ZodType<T, unknown>, input: unknown, base: string): Parsed<T> {
  const r = schema.safeParse(input, { error: errorMap });
  if (r.success) return { ok: true, value: r.data };
  const bad = r.error.issues.flatMap((iss) =>
    iss.code === 'unrecognized_keys' ? iss.keys.map((k) => [...iss.path, k]) : [iss.path]);
  return { ok: false, findings: toFindings(r.error.issues, base), bad };
}

/** Collects findings from the cross-field checks a kind runs after parsing. */
export class Findings {
  readonly list: Finding[] = [];
  add(path: string, reason: string): void {
    this.list.push({ path, reason });
  }
}
