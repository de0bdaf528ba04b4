/** Runs reefctl in-process with captured streams: what a test needs to assert on. */
import { PassThrough, Readable } from 'node:stream';
import { main, type MainDeps } from '../../src/cli/main.ts';
import type { Datastore } from '../../src/datastore/datastore.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stderr split into lines, empty lines dropped. */
  errors: string[];
}

export interface RunOptions {
  stdin?: string;
  env?: Record<string, string | undefined>;
  /** A datastore to use instead of the configured one. */
  datastore?: Datastore;
  deps?: MainDeps;
}

export async function reefctl(args: readonly string[], opts: RunOptions = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const ds = opts.datastore;
  const deps: MainDeps = ds
    ? { ...opts.deps, connect: async () => ({ datastore: ds, where: 'memory', type: 'memory' }) }
    : (opts.deps ?? {});
  const code = await main(args, { stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]), stdout, stderr, env: opts.env ?? {} }, deps);
  stdout.end();
  stderr.end();
  return { code, stdout: out, stderr: err, errors: err.split('\n').filter((l) => l !== '') };
}
