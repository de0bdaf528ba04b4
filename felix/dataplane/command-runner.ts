/**
 * Every dataplane command goes through a CommandRunner, so the writers can be
 * unit-tested by checking the text they would feed `iptables-restore` or
 * `ipset restore`, and integration tests can point them at a test namespace
 * (`ip netns exec NS …`) instead of the host.
 *
 * A runner may also start a program before its input is known (spawn): the
 * fork of a large Node process costs milliseconds of the main thread and the
 * program's own start-up more, so the dataplane keeps its restore commands
 * started ahead of need (warm-commands.ts) and only writes to them.
 */
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { ReefError } from '../../src/lib/errors.ts';

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** A started program that reads its input in pieces and acts when it ends. */
export interface CommandProcess {
  readonly argv: readonly string[];
  /** True once the program has exited (a spare that died waiting must not be used). */
  readonly exited: boolean;
  write(chunk: string): void;
  /** Writes `last` and ends the input; resolves with the exit status, rejects only when the program could not be started. */
  end(last?: string): Promise<CommandResult>;
  /** Kills the program: a restore killed before the end of its input changes nothing. */
  kill(): void;
}

export interface CommandRunner {
  /** Resolves with the exit code; rejects only when the program cannot be started. */
  run(argv: readonly string[], input?: string): Promise<CommandResult>;
  /**
   * Optional: starts the program now; its input comes later through the
   * returned process. A program not yet written to does not keep Node alive.
   */
  spawn?(argv: readonly string[]): CommandProcess;
}

/** runner.spawn() where the runner has it; otherwise the input is gathered and run() once it ends. */
export function startCommand(r: CommandRunner, argv: readonly string[]): CommandProcess {
  if (r.spawn) return r.spawn(argv);
  let input = '';
  let killed = false;
  let done = false;
  return {
    argv,
    get exited() {
      return done || killed;
    },
    write(chunk) {
      input += chunk;
    },
    async end(last = '') {
      if (killed) throw new Error(`${argv.join(' ')}: killed before its input ended`);
      done = true;
      return r.run(argv, input + last);
    },
    kill() {
      killed = true;
    },
  };
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

/** How long a program may run once its input has ended. */
const TIMEOUT_MS = 120_000;

function spawnProcess(full: readonly string[]): CommandProcess {
  const child = spawn(full[0]!, full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const stdio = [child.stdin, child.stdout, child.stderr] as Socket[];
  // Idle until written to: a spare must not keep Node running.
  child.unref();
  for (const s of stdio) s.unref();
  let exited = false;
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // A program that exits before reading all its input must not crash us with EPIPE.
  child.stdin.on('error', () => {});
  const result = new Promise<CommandResult>((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      exited = true;
      reject(new ReefError('DATAPLANE_COMMAND_UNAVAILABLE', `cannot run ${full[0]}: ${err.message}`, { argv: full }, { cause: err }));
    });
    child.on('close', (code, signal) => {
      exited = true;
      resolve({ stdout, stderr, code: code ?? (signal ? 128 : 1) });
    });
  });
  // Observed by end(); a spare that fails to start and is never used must not be an unhandled rejection.
  result.catch(() => {});
  let live = false;
  const wake = () => {
    if (live) return;
    live = true;
    child.ref();
    for (const s of stdio) s.ref();
  };
  return {
    argv: full,
    get exited() {
      return exited;
    },
    write(chunk) {
      wake();
      child.stdin.write(chunk);
    },
    end(last = '') {
      wake();
      child.stdin.end(last);
      const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
      return result.finally(() => clearTimeout(timer));
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}

/** Runs commands on this host, optionally prefixed (e.g. `['ip', 'netns', 'exec', ns]`). */
export function execRunner(prefix: readonly string[] = []): CommandRunner {
  return {
    run: (argv, input) => spawnProcess([...prefix, ...argv]).end(input ?? ''),
    spawn: (argv) => spawnProcess([...prefix, ...argv]),
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
