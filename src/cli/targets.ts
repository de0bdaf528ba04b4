/**
 * The `KIND [NAME...]` arguments of get and delete, with calicoctl's aliases
 * (`ipp`, `pools`, `gnp`) and kubectl's `KIND/NAME` form, which is also what
 * `get -o name` prints.
 */
import { KINDS, resolveKind, type Kind } from '../model/index.ts';
import { CliError, EXIT } from './errors.ts';

export interface Target {
  kind: Kind;
  /** Empty: every object of the kind. */
  names: string[];
}

export function kindOf(alias: string): Kind {
  const kind = resolveKind(alias);
  if (kind === undefined) {
    throw new CliError(`unknown resource type "${alias}"; known types: ${KINDS.map((k) => k.toLowerCase()).join(', ')}`, EXIT.usage);
  }
  return kind;
}

export function parseTargets(args: readonly string[]): Target[] {
  if (args.length === 0) throw new CliError('name a resource type, e.g. ippool', EXIT.usage);
  if (!args[0]!.includes('/')) {
    const [kind, ...names] = args;
    if (names.some((n) => n.includes('/'))) throw new CliError('use either KIND NAME... or KIND/NAME..., not both', EXIT.usage);
    return [{ kind: kindOf(kind!), names }];
  }
  const out: Target[] = [];
  for (const a of args) {
    const slash = a.indexOf('/');
    if (slash <= 0 || slash === a.length - 1) throw new CliError(`"${a}" is not of the form KIND/NAME`, EXIT.usage);
    const kind = kindOf(a.slice(0, slash));
    const name = a.slice(slash + 1);
    const group = out.find((t) => t.kind === kind);
    if (group) group.names.push(name);
    else out.push({ kind, names: [name] });
  }
  return out;
}
