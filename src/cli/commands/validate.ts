/**
 * `validate -f FILE`: everything `apply` checks, without writing. The
 * documents are checked among themselves always, and against the stored
 * objects when the datastore answers; when it does not, that is a warning,
 * because a file can be checked before the cluster exists.
 */
import type { Command } from 'commander';
import type { CommandModule, Services } from '../command.ts';
import { collect } from '../command.ts';
import { readDocuments } from '../documents.ts';
import { CliError, EXIT, UnreachableError } from '../errors.ts';
import { nameOf } from '../output.ts';
import { planDocuments } from '../plan.ts';
import type { WritableStore } from '../store.ts';

interface ValidateFlags {
  filename?: string[];
  namespace?: string;
  offline?: boolean;
}

export const validateCommand: CommandModule = {
  register(program: Command, services: Services): void {
    program
      .command('validate')
      .description('check the resources in FILE without writing them')
      .requiredOption('-f, --filename <file>', 'YAML or JSON file, directory, or - for stdin (repeatable)', collect)
      .option('-n, --namespace <ns>', 'namespace for namespaced resources that name none')
      .option('--offline', 'do not consult the datastore; check the documents among themselves only')
      .action((flags: ValidateFlags, cmd: Command) =>
        services.run(cmd, async (ctx) => {
          const docs = await readDocuments(flags.filename ?? [], ctx.io.stdin);
          if (docs.length === 0) throw new CliError('no resources found in the input');
          let store: WritableStore | undefined;
          if (!flags.offline) {
            try {
              store = await ctx.store();
              // Opening may be lazy; a first read tells whether anyone answers.
              await store.list('IPPool');
            } catch (e) {
              if (!(e instanceof UnreachableError)) throw e;
              ctx.warn(`${e.lines[0]}; checked the documents among themselves only`);
              store = undefined;
            }
          }
          const plan = await planDocuments(docs, { mode: 'validate', store, namespace: flags.namespace });
          if (plan.problems.length > 0) throw new CliError(plan.problems);
          for (const d of plan.documents) ctx.out(`${nameOf(d.resource)} valid`);
          return EXIT.ok;
        }),
      );
  },
};
