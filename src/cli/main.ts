/**
 * reefctl's entry point as a function, so tests run it in-process with their
 * own streams and datastore: `main(argv, io)` resolves to the exit code and
 * never calls process.exit.
 */
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.ts';
import type { CommandBody, Services } from './command.ts';
import { connectFromConfig } from './connect.ts';
import { Context, type CliIO, type Connector, type GlobalOptions } from './context.ts';
import { EXIT, errorLines, exitCodeOf } from './errors.ts';
import { modelColumns } from './columns.ts';
import type { ColumnSource } from './output.ts';

export type { CliIO } from './context.ts';

export interface MainDeps {
  /** How to open the datastore; the etcd backend from flags, env and config file by default. */
  connect?: Connector;
  columns?: ColumnSource;
}

/** `argv` is the arguments after the program name, as in `process.argv.slice(2)`. */
export async function main(argv: readonly string[], io: CliIO, deps: MainDeps = {}): Promise<number> {
  let exitCode: number = EXIT.ok;
  const connect = deps.connect ?? connectFromConfig;

  const run = async (cmd: Command, body: CommandBody): Promise<void> => {
    const ctx = new Context(io, cmd.optsWithGlobals<GlobalOptions>(), connect);
    try {
      exitCode = (await body(ctx)) ?? EXIT.ok;
    } catch (err) {
      for (const line of errorLines(err)) ctx.error(line);
      exitCode = exitCodeOf(err);
    } finally {
      await ctx.close();
    }
  };
  const services: Services = { run, columns: deps.columns ?? modelColumns };

  const program = buildProgram(io);
  for (const c of COMMANDS) c.register(program, services);

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    // A bug in a command, not a user error: still one line, never a stack on the user's screen.
    for (const line of errorLines(err)) io.stderr.write(`error: ${line}\n`);
    return EXIT.failed;
  }
  return exitCode;
}

function buildProgram(io: CliIO): Command {
  return new Command('reefctl')
    .description('Manage reef resources: IP pools, BGP peers and configuration, nodes, endpoints, policies.')
    .option('--datastore-type <type>', 'datastore backend (etcdv3); env REEF_DATASTORE_TYPE')
    .option('--etcd-endpoints <endpoints>', 'comma-separated etcd endpoints; env ETCD_ENDPOINTS')
    .option('-c, --config <file>', 'client configuration file (default /etc/reef/reefctl.cfg when present)')
    .option('--request-timeout <seconds>', 'give up on an unanswering datastore after this long (default 5)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .showSuggestionAfterError(true);
}
