/**
 * Every dataplane command goes through a CommandRunner, so the writers can be
 * unit-tested by checking the text they would feed `iptables-restore` or
 * `ipset restore`, and integration tests can point them at a test namespace
 * (`ip netns exec NS …`) instead of the host.
 */
import { execFile } from 'node:child_process';
import { ReefError } from '../../src/lib/errors.ts';

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export interface CommandRunner {
  /** Resolves with the exit code; rejects only when the program cannot be started. */
  run(argv: readonly string[], input?: string): Promise<CommandResult>;
  /**
   * Optional: starts the program now and writes its input once `input`
   * resolves, so its start-up overlaps whatever must finish first (a restore
   * waiting for `ipset restore`). If `input` rejects, the program is killed
   * before it read anything and the result rejects with the same error.
   */
  start?(argv: readonly string[], input: Promise<string>): Promise<CommandResult>;
}

/** runner.start() where the runner has it, else run() once the input is known. */
export function runWhenReady(r: CommandRunner, argv: readonly string[], input: Promise<string>): Promise<CommandResult> {
  return r.start ? r.start(argv, input) : input.then((i) => r.run(argv, i));
}

export class DataplaneCommandError extends ReefError {
  constructor(argv: readonly string[], result: CommandResult, input?: string) {
    const firstLines = input === undefined ? undefined : input.split('\n').slice(0, 5).join('\n');
    super('DATAPLANE_COMMAND_FAILED', `${argv.join(' ')} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`, {
      argv,
      code: result.code,
      stderr: result.stderr,
      ...(firstLines !== undefined ? { inputHead: firstLines } : {}),
    });
  }
}

/** Runs commands on this host, optionally prefixed (e.g. `['ip', 'netns', 'exec', ns]`). */
export function execRunner(prefix: readonly string[] = []): CommandRunner {
  const exec = (argv: readonly string[], input: string | Promise<string> | undefined): Promise<CommandResult> => {
    const full = [...prefix, ...argv];
    return new Promise((resolve, reject) => {
      let inputFailed: { err: unknown } | undefined;
      const child = execFile(
        full[0]!,
        full.slice(1),
        { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000, killSignal: 'SIGKILL' },
        (err, stdout, stderr) => {
          if (inputFailed) return reject(inputFailed.err);
          const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
          if (e && typeof e.code === 'string') return reject(new ReefError('DATAPLANE_COMMAND_UNAVAILABLE', `cannot run ${full[0]}: ${e.message}`, { argv: full }, { cause: e }));
          resolve({ stdout, stderr, code: e ? (typeof e.code === 'number' ? e.code : 1) : 0 });
        },
      );
      // A command that exits before reading its input must not crash us with EPIPE.
      child.stdin?.on('error', () => {});
      if (typeof input === 'object') {
        input.then(
          (text) => child.stdin?.end(text),
          (err: unknown) => {
            inputFailed = { err };
            child.kill('SIGKILL');
          },
        );
      } else child.stdin?.end(input ?? '');
    });
  };
  return {
    run: (argv, input) => exec(argv, input),
    start: (argv, input) => exec(argv, input),
  };
}

export function netnsRunner(ns: string): CommandRunner {
  return execRunner(['ip', 'netns', 'exec', ns]);
}

/** Runs and throws DataplaneCommandError on a non-zero exit. */
export async function runChecked(r: CommandRunner, argv: readonly string[], input?: string): Promise<string> {
  const res = await r.run(argv, input);
  if (res.code !== 0) throw new DataplaneCommandError(argv, res, input);
  return res.stdout;
}
