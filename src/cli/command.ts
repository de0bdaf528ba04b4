/**
 * How a subcommand plugs into reefctl: a module exports a `CommandModule`
 * whose `register` adds itself (or a group, like `ipam show|check`) to the
 * commander program, and wraps its action in `run`, which supplies the
 * context, prints errors one line each, closes the datastore, and turns the
 * outcome into the exit code.
 */
import type { Command } from 'commander';
import type { Context } from './context.ts';
import type { ColumnSource } from './output.ts';
import type { ExitCode } from './errors.ts';

/** A command body: returns its exit code, or nothing for success; throws for failure. */
export type CommandBody = (ctx: Context) => Promise<ExitCode | void>;

/** Runs a body for the commander command that was invoked (its options, plus the global ones). */
export type Runner = (cmd: Command, body: CommandBody) => Promise<void>;

export interface Services {
  run: Runner;
  /** Table columns per kind; the model's by default, injectable for tests. */
  columns: ColumnSource;
}

export interface CommandModule {
  register(program: Command, services: Services): void;
}

/** commander's collector for repeatable options (`-f a.yaml -f b.yaml`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
