/**
 * Reading resource documents the way operators hand them over: one or more
 * files, a directory of them, or stdin (`-`); multi-document YAML, a JSON
 * object, a JSON array, or a `kind: List` / `kind: IPPoolList` wrapper with
 * `items` (what `reefctl get -o yaml` prints, so its output can be applied).
 *
 * Every document keeps where it came from, so an error about a document that
 * has no kind or name yet can still point at it.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import { ReefError } from '../lib/errors.ts';

export interface SourceDocument {
  /** File path as given, or `<stdin>`. */
  source: string;
  /** 1-based position among the documents of that source, list items counted one by one. */
  index: number;
  /** 1-based line where the document (or list item) starts. */
  line: number;
  body: unknown;
}

/** A file that cannot be read or parsed at all; nothing from it is used. */
export class DocumentReadError extends ReefError {
  constructor(message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super('DOCUMENT_UNREADABLE', message, details, { cause });
  }
}

export const STDIN = '-';
const EXTENSIONS = ['.yaml', '.yml', '.json'];

/** `document 2 in pools.yaml (line 14)`: how a document without a name is named. */
export function describeDocument(d: Pick<SourceDocument, 'source' | 'index' | 'line'>): string {
  return `document ${d.index} in ${d.source} (line ${d.line})`;
}

/** Parses one source text; throws DocumentReadError naming the line of the first syntax error. */
export function parseDocuments(text: string, source: string): SourceDocument[] {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const docs = Array.isArray(parsed) ? parsed : [];
  const out: SourceDocument[] = [];
  for (const doc of docs) {
    const bad = doc.errors[0];
    if (bad) {
      const json = tryJson(text);
      if (json !== undefined) return fromJson(json, source);
      const at = lines.linePos(bad.pos[0]);
      throw new DocumentReadError(`${source} line ${at.line}, column ${at.col}: ${firstLine(bad.message)}`, {
        source,
        line: at.line,
        column: at.col,
      });
    }
    // A `---` with only comments after it is not a document anyone meant to apply.
    if (doc.contents === null) continue;
    const body: unknown = doc.toJS({ maxAliasCount: 100 });
    if (body === null || body === undefined) continue;
    flatten(body, doc.contents, (item, node) => {
      const offset = node?.range?.[0] ?? doc.contents?.range?.[0] ?? 0;
      out.push({ source, index: out.length + 1, line: lines.linePos(offset).line, body: item });
    });
  }
  return out;
}

/** Reads every named source in order; `-` is stdin, a directory means its YAML and JSON files. */
export async function readDocuments(
  sources: readonly string[],
  stdin: NodeJS.ReadableStream,
): Promise<SourceDocument[]> {
  const out: SourceDocument[] = [];
  for (const s of sources) {
    if (s === STDIN) {
      out.push(...parseDocuments(await readStream(stdin), '<stdin>'));
      continue;
    }
    for (const file of await expand(s)) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        throw new DocumentReadError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { source: file }, e);
      }
      out.push(...parseDocuments(text, file));
    }
  }
  return out;
}

/** YAML is meant to read JSON too, but not every JSON (tab indentation); plain JSON.parse is the fallback. */
function tryJson(text: string): unknown {
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function fromJson(value: unknown, source: string): SourceDocument[] {
  const out: SourceDocument[] = [];
  flatten(value, undefined, (item) => out.push({ source, index: out.length + 1, line: 1, body: item }));
  return out;
}

function isListWrapper(v: unknown): v is { items: unknown[] } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items);
}

/** Walks arrays and List wrappers down to single documents, keeping each one's YAML node for its line. */
function flatten(value: unknown, node: Node | null | undefined, emit: (v: unknown, n: Node | null | undefined) => void): void {
  if (Array.isArray(value)) {
    const nodes = isSeq(node) ? node.items : [];
    value.forEach((v, i) => flatten(v, asNode(nodes[i]), emit));
    return;
  }
  if (isListWrapper(value)) {
    const itemsNode = isMap(node) ? node.get('items', true) : undefined;
    const nodes = isSeq(itemsNode) ? itemsNode.items : [];
    value.items.forEach((v, i) => flatten(v, asNode(nodes[i]), emit));
    return;
  }
  emit(value, node);
}

function asNode(n: unknown): Node | undefined {
  return typeof n === 'object' && n !== null && 'range' in n ? (n as Node) : undefined;
}

async function expand(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : (code ?? String(e));
    throw new DocumentReadError(`cannot read ${path}: ${why}`, { source: path }, e);
  }
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => EXTENSIONS.some((x) => n.endsWith(x))).sort();
  return names.map((n) => join(path, n));
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}
