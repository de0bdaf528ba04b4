/**
 * What every kind provides: its name rule, the zod schema of its spec (field
 * checks and plain defaults), and `finish`, which runs the checks that span
 * fields and fills the defaults that depend on other fields.
 */
import type { z } from 'zod';
import type { Kind, ObjectMeta } from '../resource.ts';
import { type Finding, pathOf } from '../findings.ts';
import { Findings, parseWith } from '../schema.ts';
import { dns1123Subdomain } from '../names.ts';

export interface KindDef {
  readonly kind: Kind;
  /** Why `name` is refused for this kind, or undefined. */
  checkName(name: string): string | undefined;
  /** Spec in, canonical spec (or findings with paths under `spec`) out. */
  normalise(spec: unknown, meta: ObjectMeta): { spec?: unknown; findings: Finding[] };
}

export function defineKind<P, S>(def: {
  kind: Kind;
  checkName?: (name: string) => string | undefined;
  spec: z.ZodType<P, unknown>;
  finish: (parsed: P, meta: ObjectMeta, f: Findings) => S;
}): KindDef {
  return {
    kind: def.kind,
    checkName: def.checkName ?? dns1123Subdomain,
    normalise(spec, meta) {
      const input = spec ?? {};
      const parsed = parseWith(def.spec, input, 'spec');
      if (parsed.ok) {
        const f = new Findings();
        const out = def.finish(parsed.value, meta, f);
        return f.list.length > 0 ? { findings: f.list } : { spec: out, findings: [] };
      }
      return { findings: [...parsed.findings, ...secondPass(def, input, meta, parsed.bad)] };
    },
  };
}

/**
 * So one round of fixes is enough, the cross-field checks also run on the
 * document without its bad fields. Only when every bad field is an object key
 * (dropping a list item would shift the indexes in later paths), and nothing
 * is reported at or under a dropped field (it would only echo the first pass).
 */
function secondPass<P, S>(
  def: { spec: z.ZodType<P, unknown>; finish: (parsed: P, meta: ObjectMeta, f: Findings) => S },
  input: unknown,
  meta: ObjectMeta,
  bad: PropertyKey[][],
): Finding[] {
  if (bad.some((p) => p.length === 0 || typeof p[p.length - 1] === 'number')) return [];
  const pruned = structuredClone(input) as Record<PropertyKey, unknown>;
  for (const p of bad) {
    const parent = p.slice(0, -1).reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown> | undefined)?.[k], pruned);
    if (typeof parent === 'object' && parent !== null) delete (parent as Record<PropertyKey, unknown>)[p[p.length - 1]!];
  }
  const again = parseWith(def.spec, pruned, 'spec');
  if (!again.ok) return [];
  const f = new Findings();
  def.finish(again.value, meta, f);
  const dropped = bad.map((p) => pathOf('spec', p));
  return f.list.filter((x) => !dropped.some((d) => x.path === d || x.path.startsWith(`${d}.`) || x.path.startsWith(`${d}[`)));
}
