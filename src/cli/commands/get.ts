/**
 * `get KIND [NAME...]`: one object or a list, as a table or in a form `apply`
 * reads back. Namespaced kinds look in `default` unless `-n` or `-A` says
 * otherwise, as calicoctl does.
 */
import type { Command } from 'commander';
import { API_VERSION, DEFAULT_NAMESPACE, describeKey, NAMESPACED_KINDS, toDocument, type Kind, type Resource, type ResourceKey } from '../../model/index.ts';
import type { CommandModule, Services } from '../command.ts';
import { CliError, EXIT } from '../errors.ts';
import { isOutputFormat, OUTPUT_FORMATS, render, type OutputFormat } from '../output.ts';
import { isNotFound, type WritableStore } from '../store.ts';
import { parseTargets } from '../targets.ts';

interface GetFlags {
  namespace?: string;
  allNamespaces?: boolean;
  output: string;
}

export const getCommand: CommandModule = {
  register(program: Command, services: Services): void {
    program
      .command('get')
      .description('show resources: get KIND [NAME...] or get KIND/NAME...')
      .argument('<kind-and-names...>', 'resource type (ippool, bgppeer, gnp, ...) and optional names')
      .option('-n, --namespace <ns>', 'namespace of namespaced resources (default "default")')
      .option('-A, --all-namespaces', 'namespaced resources in every namespace')
      .option('-o, --output <format>', `output format: ${OUTPUT_FORMATS.join('|')}`, 'table')
      .action((args: string[], flags: GetFlags, cmd: Command) =>
        services.run(cmd, async (ctx) => {
          const format = flags.output;
          if (!isOutputFormat(format)) throw new CliError(`unknown output format "${format}"; use one of ${OUTPUT_FORMATS.join(', ')}`, EXIT.usage);
          if (flags.allNamespaces && flags.namespace !== undefined) throw new CliError('use -n or -A, not both', EXIT.usage);
          const targets = parseTargets(args);
          const store = await ctx.store();
          const missing: string[] = [];
          const outputs: string[] = [];
          const everything: Resource[] = [];
          const single = targets.length === 1 && targets[0]!.names.length === 1;
          for (const t of targets) {
            const namespace = NAMESPACED_KINDS.has(t.kind) && !flags.allNamespaces ? (flags.namespace ?? DEFAULT_NAMESPACE) : undefined;
            if (t.names.length > 0 && flags.allNamespaces && NAMESPACED_KINDS.has(t.kind)) {
              throw new CliError('a resource cannot be fetched by name across all namespaces; use -n', EXIT.usage);
            }
            const found = t.names.length === 0 ? await listAll(store, t.kind, namespace) : await fetch(store, t.kind, t.names, namespace, missing);
            if (t.names.length > 0 && found.items.length === 0) continue;
            everything.push(...found.items);
            outputs.push(
              render({
                kind: t.kind,
                items: found.items,
                format: format as OutputFormat,
                single,
                revision: found.revision,
                allNamespaces: flags.allNamespaces === true,
                columns: services.columns,
              }),
            );
          }
          // Several kinds in JSON: one List, since concatenated JSON objects are not one document.
          if (format === 'json' && outputs.length > 1) ctx.out(`${JSON.stringify({ apiVersion: API_VERSION, kind: 'List', items: everything.map(toDocument) }, null, 2)}\n`);
          else ctx.out(joinOutputs(outputs, format as OutputFormat));
          if (missing.length > 0) throw new CliError(missing);
          return EXIT.ok;
        }),
      );
  },
};

async function listAll(store: WritableStore, kind: Kind, namespace: string | undefined): Promise<{ items: Resource[]; revision?: string }> {
  const res = await store.list(kind, namespace === undefined ? {} : { namespace });
  return { items: [...res.items].sort(byKey), revision: res.revision };
}

async function fetch(store: WritableStore, kind: Kind, names: string[], namespace: string | undefined, missing: string[]): Promise<{ items: Resource[]; revision?: string }> {
  const items: Resource[] = [];
  for (const name of names) {
    const key: ResourceKey = namespace === undefined ? { kind, name } : { kind, name, namespace };
    try {
      items.push(await store.get(key));
    } catch (e) {
      if (!isNotFound(e)) throw e;
      missing.push(`${describeKey(key)} not found`);
    }
  }
  return { items };
}

function byKey(a: Resource, b: Resource): number {
  const x = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const y = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Several kinds at once: YAML as a multi-document stream, tables one after another. */
function joinOutputs(outputs: string[], format: OutputFormat): string {
  if (outputs.length <= 1) return outputs[0] ?? '';
  if (format === 'yaml') return outputs.join('---\n');
  if (format === 'table' || format === 'wide') return outputs.join('\n');
  return outputs.join('');
}
