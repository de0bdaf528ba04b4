/**
 * How reefctl fails: a stable exit code per kind of failure, so scripts can
 * tell "your file is wrong" from "the datastore is down", and one stderr line
 * per problem, each starting with `error: `.
 */
import { ReefError } from '../lib/errors.ts';
import { ValidationError } from '../model/index.ts';
import { DatastoreConfigError, DatastoreUnreachableError } from '../datastore/errors.ts';

export const EXIT = {
  ok: 0,
  /** A document or object was rejected: invalid, missing, already there, conflicting. */
  failed: 1,
  /** The command line itself was wrong. */
  usage: 2,
  /** The datastore could not be reached; nothing was checked against it or written. */
  unreachable: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI explains itself: each line is printed after `error: `. */
export class CliError extends ReefError {
  readonly lines: readonly string[];
  readonly exitCode: ExitCode;
  constructor(lines: string | readonly string[], exitCode: ExitCode = EXIT.failed, cause?: unknown) {
    const all = typeof lines === 'string' ? [lines] : lines;
    super('CLI_FAILED', all.join('\n'), { lines: all }, { cause });
    this.lines = all;
    this.exitCode = exitCode;
  }
}

/** The datastore did not answer in time or refused the connection. */
export class UnreachableError extends CliError {
  constructor(where: string, cause?: unknown) {
    const own =
      cause instanceof DatastoreUnreachableError
        ? `cannot reach datastore at ${cause.endpoints.map((e) => e.replace(/^https?:\/\//, '')).join(',')}${reasonSuffix(String(cause.details.reason ?? ''))}`
        : undefined;
    super(own ?? `cannot reach datastore at ${where}${causeSuffix(cause)}`, EXIT.unreachable, cause);
  }
}

/** One line per problem, without the `error: ` prefix. */
export function errorLines(err: unknown): string[] {
  if (err instanceof CliError) return [...err.lines];
  if (err instanceof ValidationError) return validationLines(err);
  if (err instanceof AggregateError) return err.errors.flatMap(errorLines);
  if (err instanceof Error) return err.message.split('\n').filter((l) => l.trim() !== '');
  return [String(err)];
}

/** `IPPool "pool-a": spec.blockSize: 33 is out of range 20-32 for an IPv4 pool`, one per finding. */
export function validationLines(err: ValidationError): string[] {
  if (err.findings.length === 0) return [err.message];
  return err.findings.map((f) => `${err.document}: ${f.path ? `${f.path}: ` : ''}${f.reason}`);
}

export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof DatastoreUnreachableError) return EXIT.unreachable;
  if (err instanceof DatastoreConfigError) return EXIT.usage;
  return EXIT.failed;
}

/** gRPC reasons come as `Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ...`; the middle is what helps. */
function reasonSuffix(reason: string): string {
  const r = reason
    .split('\n')[0]!
    .replace(/^(\w*Error: )+/, '')
    .replace(/\.?\s*Resolution note:.*$/, '')
    .trim();
  return r ? `: ${r}` : '';
}

function causeSuffix(cause: unknown): string {
  if (cause === undefined) return '';
  const msg = cause instanceof Error ? cause.message : String(cause);
  const first = msg.split('\n')[0]!.trim();
  return first ? ` (${first})` : '';
}
