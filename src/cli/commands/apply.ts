/**
 * `apply` (create or update), `create` (must be absent) and `replace` (must
 * exist): every document is checked first, then the whole file is written in
 * one transaction, so a file with one bad document writes nothing.
 */
import type { Command } from 'commander';
import type { CommandModule, Services } from '../command.ts';
import { collect } from '../command.ts';
import { readDocuments } from '../documents.ts';
import { CliError, EXIT } from '../errors.ts';
import { nameOf } from '../output.ts';
import { planDocuments, type Mode } from '../plan.ts';
import { MAX_TXN_OPS, writeFailure } from '../store.ts';

interface WriteFlags {
  filename?: string[];
  namespace?: string;
}

const DESCRIPTIONS: Record<Exclude<Mode, 'validate'>, string> = {
  apply: 'create the resources in FILE, or update them when they exist',
  create: 'create the resources in FILE; fails when any of them exists',
  replace: 'replace the resources in FILE; fails when any of them is missing',
};

export const applyCommands: CommandModule = {
  register(program: Command, services: Services): void {
    for (const mode of ['apply', 'create', 'replace'] as const) {
      program
        .command(mode)
        .description(DESCRIPTIONS[mode])
        .requiredOption('-f, --filename <file>', 'YAML or JSON file, directory, or - for stdin (repeatable)', collect)
        .option('-n, --namespace <ns>', 'namespace for namespaced resources that name none')
        .action((flags: WriteFlags, cmd: Command) =>
          services.run(cmd, async (ctx) => {
            const docs = await readDocuments(flags.filename ?? [], ctx.io.stdin);
            if (docs.length === 0) throw new CliError('no resources found in the input');
            const store = await ctx.store();
            const plan = await planDocuments(docs, { mode, store, namespace: flags.namespace });
            if (plan.problems.length > 0) throw new CliError(plan.problems);
            if (plan.ops.length > MAX_TXN_OPS) {
              ctx.warn(`${plan.ops.length} objects are more than one transaction takes (${MAX_TXN_OPS}); writing them in several`);
            }
            if (plan.ops.length > 0) await store.writeAll(plan.ops).catch((e: unknown) => Promise.reject(writeFailure(e, plan.ops.length)));
            for (const d of plan.documents) ctx.out(`${nameOf(d.resource)} ${d.outcome}`);
            return EXIT.ok;
          }),
        );
    }
  },
};
