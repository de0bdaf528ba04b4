/**
 * `delete -f FILE` or `delete KIND NAME...`: all named objects go in one
 * transaction, so a missing one (or a stale resourceVersion in the file)
 * deletes none, unless --skip-not-found says missing is fine.
 */
import type { Command } from 'commander';
import { DEFAULT_NAMESPACE, describeKey, NAMESPACED_KINDS, resolveKind, routeDocument, type ResourceKey } from '../../model/index.ts';
import type { CommandModule, Services } from '../command.ts';
import { collect } from '../command.ts';
import { describeDocument, readDocuments, type SourceDocument } from '../documents.ts';
import { CliError, EXIT } from '../errors.ts';
import { nameOf } from '../output.ts';
import { keyString } from '../plan.ts';
import { isNotFound, writeFailure, type WriteOp } from '../store.ts';
import { parseTargets } from '../targets.ts';
import type { Resource } from '../../model/index.ts';
import { guardPoolDeletes } from './ipam-guard.ts';

interface DeleteFlags {
  filename?: string[];
  namespace?: string;
  skipNotFound?: boolean;
}

interface Doomed {
  key: ResourceKey;
  /** From a document's metadata.resourceVersion: delete only that version. */
  revision?: string;
}

export const deleteCommand: CommandModule = {
  register(program: Command, services: Services): void {
    program
      .command('delete')
      .description('delete resources: delete -f FILE, delete KIND NAME..., or delete KIND/NAME...')
      .argument('[kind-and-names...]', 'resource type and names, when no -f is given')
      .option('-f, --filename <file>', 'YAML or JSON file, directory, or - for stdin (repeatable)', collect)
      .option('-n, --namespace <ns>', 'namespace of namespaced resources (default "default")')
      .option('--skip-not-found', 'treat a missing resource as deleted')
      .action((args: string[], flags: DeleteFlags, cmd: Command) =>
        services.run(cmd, async (ctx) => {
          const fromFile = flags.filename !== undefined;
          if (fromFile === args.length > 0) throw new CliError('give exactly one of -f FILE or KIND NAME...', EXIT.usage);
          const doomed = fromFile
            ? fromDocuments(await readDocuments(flags.filename!, ctx.io.stdin), flags.namespace)
            : fromArgs(args, flags.namespace);
          if (doomed.length === 0) throw new CliError('no resources found in the input');

          const store = await ctx.store();
          const problems: string[] = [];
          const ops: WriteOp[] = [];
          const seen = new Set<string>();
          const gone: string[] = [];
          const pools: Resource[] = [];
          for (const d of doomed) {
            if (seen.has(keyString(d.key))) continue;
            seen.add(keyString(d.key));
            try {
              const current = await store.get(d.key);
              if (d.revision !== undefined && d.revision !== current.metadata.resourceVersion) {
                problems.push(`${describeKey(d.key)} was modified since resourceVersion ${d.revision} (it is at ${current.metadata.resourceVersion}); not deleted`);
                continue;
              }
              ops.push({ op: 'delete', key: d.key, revision: current.metadata.resourceVersion });
              if (d.key.kind === 'IPPool') pools.push(current);
              gone.push(nameOf({ kind: d.key.kind, metadata: { name: d.key.name } }));
            } catch (e) {
              if (!isNotFound(e)) throw e;
              if (!flags.skipNotFound) problems.push(`${describeKey(d.key)} not found`);
            }
          }
          if (problems.length > 0) throw new CliError(problems);
          await guardPoolDeletes(ctx, pools);
          if (ops.length > 0) await store.writeAll(ops).catch((e: unknown) => Promise.reject(writeFailure(e, ops.length)));
          for (const g of gone) ctx.out(`${g} deleted`);
          return EXIT.ok;
        }),
      );
  },
};

function fromArgs(args: string[], namespace: string | undefined): Doomed[] {
  const out: Doomed[] = [];
  for (const t of parseTargets(args)) {
    if (t.names.length === 0) throw new CliError(`name the ${t.kind} resources to delete`, EXIT.usage);
    for (const name of t.names) out.push({ key: keyFor(t.kind, name, namespace) });
  }
  return out;
}

/** Only identity matters for a delete: kind, name, namespace, and an optional resourceVersion. */
function fromDocuments(docs: SourceDocument[], namespace: string | undefined): Doomed[] {
  const problems: string[] = [];
  const out: Doomed[] = [];
  for (const doc of docs) {
    const body = (typeof doc.body === 'object' && doc.body !== null ? doc.body : {}) as Record<string, unknown>;
    const meta = (typeof body.metadata === 'object' && body.metadata !== null ? body.metadata : {}) as Record<string, unknown>;
    // By (apiVersion, kind) first, so networking.k8s.io/v1 NetworkPolicy is Kubernetes', not reef's.
    const kind = routeDocument(body.apiVersion, body.kind) ?? (typeof body.kind === 'string' ? resolveKind(body.kind) : undefined);
    if (kind === undefined) {
      problems.push(`${describeDocument(doc)}: kind: ${body.kind === undefined ? 'is required' : `unknown kind "${String(body.kind)}"`}`);
      continue;
    }
    if (typeof meta.name !== 'string' || meta.name === '') {
      problems.push(`${describeDocument(doc)}: metadata.name: is required`);
      continue;
    }
    const ns = typeof meta.namespace === 'string' ? meta.namespace : namespace;
    const key = keyFor(kind, meta.name, ns);
    out.push(typeof meta.resourceVersion === 'string' ? { key, revision: meta.resourceVersion } : { key });
  }
  if (problems.length > 0) throw new CliError(problems);
  return out;
}

function keyFor(kind: ResourceKey['kind'], name: string, namespace: string | undefined): ResourceKey {
  return NAMESPACED_KINDS.has(kind) ? { kind, name, namespace: namespace ?? DEFAULT_NAMESPACE } : { kind, name };
}
