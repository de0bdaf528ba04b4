/**
 * The resource model: kinds, validation and normalisation. Everything that
 * reaches a datastore has passed `validateResource` (one document) and
 * `validateAgainst` (rules across objects, e.g. overlapping pools).
 *
 * STUB: signatures fixed so the CLI and datastore can be written against them;
 * the model work fills in the bodies.
 */
import type { Kind, Resource } from './resource.ts';
import { ReefError } from '../lib/errors.ts';

export * from './resource.ts';

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

/**
 * Checks one parsed document (either apiVersion) and returns it in canonical
 * form: apiVersion reef.dev/v1, defaults filled in, server-owned metadata kept.
 * Throws ValidationError naming every bad field.
 */
export function validateResource(_doc: unknown, _documentName?: string): Resource {
  throw new Error('not implemented');
}

/** Rules across objects: `existing` is every stored object of the same kind. */
export function validateAgainst(_r: Resource, _existing: readonly Resource[]): Finding[] {
  throw new Error('not implemented');
}

/** `ipp`, `ippools`, `pool` -> IPPool; undefined when unknown. Case-insensitive. */
export function resolveKind(_alias: string): Kind | undefined {
  throw new Error('not implemented');
}
