/** The example documents in test/fixtures/resources/, one per kind and apiVersion. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { Resource } from '../../src/model/index.ts';

export const FIXTURE_DIR = resolve(import.meta.dirname, '../fixtures/resources');

export interface Fixture {
  file: string;
  path: string;
  text: string;
  doc: Resource;
}

export function fixtures(): Fixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const path = join(FIXTURE_DIR, file);
      const text = readFileSync(path, 'utf8');
      return { file, path, text, doc: parse(text) as Resource };
    });
}

/** What the server adds; equal objects differ only in these. */
export function withoutServerFields(r: Resource): Resource {
  const { resourceVersion: _a, uid: _b, creationTimestamp: _c, ...metadata } = r.metadata;
  return { ...r, metadata };
}
