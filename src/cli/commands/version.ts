/**
 * `version`: the client's version always; the datastore and what it holds
 * when it answers (calicoctl prints the cluster's version the same way).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CommandModule, Services } from '../command.ts';
import { EXIT, UnreachableError } from '../errors.ts';
import { formatRows } from '../output.ts';

interface VersionFlags {
  client?: boolean;
}

export function clientVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return `v${pkg.version ?? '0.0.0'}`;
}

export const versionCommand: CommandModule = {
  register(program: Command, services: Services): void {
    program
      .command('version')
      .description('print the client version, and the datastore it talks to')
      .option('--client', 'the client version only; do not contact the datastore')
      .action((flags: VersionFlags, cmd: Command) =>
        services.run(cmd, async (ctx) => {
          // The client line goes out first: it is useful even when the datastore part fails.
          const client = formatRows([['Client Version:', clientVersion()]]);
          ctx.out(client);
          if (flags.client) return EXIT.ok;
          try {
            const store = await ctx.store();
            const conn = await ctx.describeStore();
            const nodes = await store.list('Node');
            const rows: [string, string][] = [
              ['Datastore Type:', conn.type],
              ['Datastore:', conn.where],
              ['Cluster Nodes:', String(nodes.items.length)],
              ['Store Revision:', nodes.revision],
            ];
            ctx.out(formatRows(rows));
          } catch (e) {
            if (!(e instanceof UnreachableError)) throw e;
            ctx.warn(e.lines[0]!);
          }
          return EXIT.ok;
        }),
      );
  },
};
