/**
 * Printers for `get`: table and wide (columns chosen by the model per kind),
 * yaml and json (which `apply` reads back), and name (`ippool/pool-a`, which
 * `get` and `delete` take as arguments).
 *
 * One named object prints as that object; anything else prints as a list
 * wrapper, `kind: IPPoolList` with `items`, the shape calicoctl prints and
 * that documents.ts unwraps again (Kubernetes' own kinds print as kubectl's
 * `v1 List`, each item in its Kubernetes apiVersion and kind).
 */
import { stringify } from 'yaml';
import { listDocument, NAMESPACED_KINDS, toDocument, type Kind, type Resource } from '../model/index.ts';

export const OUTPUT_FORMATS = ['table', 'wide', 'yaml', 'json', 'name'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface Column {
  header: string;
  value(r: Resource): string;
}

export type ColumnSource = (kind: Kind, wide: boolean) => readonly Column[];

export interface PrintRequest {
  kind: Kind;
  items: readonly Resource[];
  format: OutputFormat;
  /** True when the user named exactly one object: yaml/json print it bare rather than in a list. */
  single: boolean;
  /** Store revision the list was read at, carried in the list wrapper like calicoctl's. */
  revision?: string;
  allNamespaces?: boolean;
  columns: ColumnSource;
}

export function isOutputFormat(s: string): s is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(s);
}

/** The whole output as one string, ending in a newline unless empty. */
export function render(req: PrintRequest): string {
  switch (req.format) {
    case 'table':
    case 'wide':
      return renderTable(req);
    case 'name':
      return req.items.map((r) => `${nameOf(r)}\n`).join('');
    case 'yaml':
      return stringify(payload(req), { lineWidth: 0 });
    case 'json':
      return `${JSON.stringify(payload(req), null, 2)}\n`;
  }
}

/** `ippool/pool-a`: lower-case kind, so it also reads as an alias. */
export function nameOf(r: Pick<Resource, 'kind' | 'metadata'>): string {
  return `${r.kind.toLowerCase()}/${r.metadata.name}`;
}

function payload(req: PrintRequest): unknown {
  // Documents, not stored objects: a KubernetesNetworkPolicy prints as networking.k8s.io/v1 NetworkPolicy.
  if (req.single && req.items.length === 1) return toDocument(req.items[0]!);
  const metadata = req.revision === undefined ? {} : { resourceVersion: req.revision };
  return listDocument(req.kind, req.items, metadata);
}

function renderTable(req: PrintRequest): string {
  const cols = [...req.columns(req.kind, req.format === 'wide')];
  // Across namespaces the name alone is ambiguous; calicoctl adds the column the same way.
  if (req.allNamespaces && NAMESPACED_KINDS.has(req.kind) && !cols.some((c) => c.header === 'NAMESPACE')) {
    cols.unshift({ header: 'NAMESPACE', value: (r) => r.metadata.namespace ?? '' });
  }
  const rows = [cols.map((c) => c.header), ...req.items.map((r) => cols.map((c) => oneLine(c.value(r))))];
  return formatRows(rows);
}

/** Left-aligned columns three spaces apart, trailing blanks trimmed, as kubectl and calicoctl print. */
export function formatRows(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3)))
        .join('')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}
