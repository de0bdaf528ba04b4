import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

/**
 * The dependency rule of the architecture: bgp/, ipam/ and felix/ never import
 * each other nor src/datastore; src/lib imports nothing of reef. Scanned from
 * the sources so a stray import fails here rather than in review.
 */
const root = resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2]!;
    if (spec.startsWith('.')) found.push(relative(root, resolve(dirname(file), spec)));
  }
  return found;
}

const rules: { from: string; forbidden: string[] }[] = [
  { from: 'bgp', forbidden: ['ipam', 'felix', 'src/datastore', 'src/cli', 'src/node'] },
  { from: 'ipam', forbidden: ['bgp', 'felix', 'src/datastore', 'src/cli', 'src/node'] },
  { from: 'felix', forbidden: ['bgp', 'ipam', 'src/datastore', 'src/cli', 'src/node'] },
  { from: 'src/lib', forbidden: ['bgp', 'ipam', 'felix', 'src/model', 'src/datastore', 'src/cli', 'src/node'] },
];

describe('the import graph', () => {
  for (const rule of rules) {
    it(`keeps ${rule.from}/ free of imports from ${rule.forbidden.join(', ')}`, () => {
      const bad: string[] = [];
      let files: string[] = [];
      try {
        files = sources(join(root, rule.from));
      } catch {
        return;
      }
      for (const f of files) {
        for (const target of importsOf(f)) {
          if (rule.forbidden.some((x) => target === x || target.startsWith(x + '/'))) {
            bad.push(`${relative(root, f)} imports ${target}`);
          }
        }
      }
      expect(bad).to.deep.equal([]);
    });
  }

  it('finds relative imports in a source file (the scanner itself works)', () => {
    const deps = importsOf(join(root, 'src/datastore/datastore.ts'));
    expect(deps).to.include('src/model/resource.ts');
  });
});
