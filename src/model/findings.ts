/**
 * How validation reports problems: a Finding per bad field, a ValidationError
 * per document. Kept apart from index.ts so the kind files can use them
 * without an import cycle.
 */
import { ReefError } from '../lib/errors.ts';

/** One problem with one document: `path` is dotted (`spec.ingress[0].ports[1]`). */
export interface Finding {
  path: string;
  reason: string;
}

/**
 * `IPPool "pool-a": spec.blockSize: 33 is out of range 20-32 for an IPv4 pool`.
 * `document` names the document as well as it can be named (kind and name, or
 * its position in a file when it has neither).
 */
export class ValidationError extends ReefError {
  readonly document: string;
  readonly findings: readonly Finding[];
  constructor(document: string, findings: readonly Finding[]) {
    super(
      'VALIDATION_FAILED',
      findings.map((f) => `${document}: ${f.path ? `${f.path}: ` : ''}${f.reason}`).join('\n'),
      { document, findings },
    );
    this.document = document;
    this.findings = findings;
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `spec` + `ingress` -> `spec.ingress`; `0` -> `[0]`; odd map keys are quoted. */
export function joinPath(base: string, key: PropertyKey): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  const k = String(key);
  if (!IDENT.test(k)) return `${base}[${JSON.stringify(k)}]`;
  return base ? `${base}.${k}` : k;
}

export function pathOf(base: string, keys: readonly PropertyKey[]): string {
  return keys.reduce<string>((p, k) => joinPath(p, k), base);
}

/** A value as it should appear inside a message: strings quoted, structures named. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `a list (${JSON.stringify(v).slice(0, 60)})`;
  if (typeof v === 'object') return `a mapping (${JSON.stringify(v).slice(0, 60)})`;
  return String(v);
}
