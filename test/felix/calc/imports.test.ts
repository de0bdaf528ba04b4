import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const calc = join(root, 'felix/calc');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('felix/calc imports', () => {
  it('points only at itself, src/lib, src/model and npm packages', () => {
    const bad: string[] = [];
    for (const f of files(calc)) {
      for (const m of readFileSync(f, 'utf8').matchAll(/from '([^']+)'/g)) {
        const spec = m[1]!;
        if (!spec.startsWith('.')) continue;
        const target = relative(root, resolve(dirname(f), spec));
        if (!/^(felix\/calc|src\/lib|src\/model)\//.test(target)) bad.push(`${relative(root, f)} -> ${target}`);
      }
    }
    expect(bad).to.deep.equal([]);
  });

  it('keeps files under 400 lines', () => {
    for (const f of files(calc)) expect(readFileSync(f, 'utf8').split('\n').length, f).to.be.below(400);
  });
});
