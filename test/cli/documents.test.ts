import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DocumentReadError, describeDocument, parseDocuments, readDocuments } from '../../src/cli/documents.ts';

const pool = (name: string) => ({ apiVersion: 'reef.dev/v1', kind: 'IPPool', metadata: { name }, spec: { cidr: '10.0.0.0/16' } });

describe('reading resource documents', () => {
  describe('from one text', () => {
    const cases: { name: string; text: string; names: string[]; lines: number[] }[] = [
      {
        name: 'multi-document YAML, with positions per document',
        text: 'kind: IPPool\nmetadata: {name: a}\n---\n# a comment\nkind: IPPool\nmetadata: {name: b}\n',
        names: ['a', 'b'],
        lines: [1, 5],
      },
      { name: 'a JSON object', text: JSON.stringify(pool('a')), names: ['a'], lines: [1] },
      { name: 'a JSON array', text: JSON.stringify([pool('a'), pool('b')], null, 2), names: ['a', 'b'], lines: [2, 12] },
      {
        name: 'a kind: List wrapper',
        text: 'apiVersion: v1\nkind: List\nitems:\n- kind: IPPool\n  metadata: {name: a}\n- kind: IPPool\n  metadata: {name: b}\n',
        names: ['a', 'b'],
        lines: [4, 6],
      },
      {
        name: 'the IPPoolList that get -o yaml prints',
        text: 'apiVersion: reef.dev/v1\nkind: IPPoolList\nmetadata: {resourceVersion: "7"}\nitems:\n- kind: IPPool\n  metadata: {name: a}\n',
        names: ['a'],
        lines: [5],
      },
      { name: 'empty documents and a trailing separator, skipped', text: '---\n---\nkind: IPPool\nmetadata: {name: a}\n---\n', names: ['a'], lines: [3] },
      { name: 'nothing at all', text: '# only a comment\n', names: [], lines: [] },
      { name: 'JSON indented with tabs, which YAML refuses', text: '{\n\t"kind": "IPPool",\n\t"metadata": {"name": "a"}\n}', names: ['a'], lines: [1] },
    ];
    for (const c of cases) {
      it(`reads ${c.name}`, () => {
        const docs = parseDocuments(c.text, 'f.yaml');
        expect(docs.map((d) => (d.body as { metadata: { name: string } }).metadata.name)).to.deep.equal(c.names);
        expect(docs.map((d) => d.line)).to.deep.equal(c.lines);
        expect(docs.map((d) => d.index)).to.deep.equal(c.names.map((_, i) => i + 1));
        expect(docs.every((d) => d.source === 'f.yaml')).to.equal(true);
      });
    }

    it('keeps a non-object document so validation can reject it by position', () => {
      const docs = parseDocuments('kind: IPPool\n---\njust a string\n', 'f.yaml');
      expect(docs.map((d) => d.body)).to.deep.equal([{ kind: 'IPPool' }, 'just a string']);
      expect(describeDocument(docs[1]!)).to.equal('document 2 in f.yaml (line 3)');
    });

    it('rejects broken YAML with the file, line and column', () => {
      expect(() => parseDocuments('kind: IPPool\nmetadata:\n  name: a\n   bad: [\n', 'pools.yaml'))
        .to.throw(DocumentReadError)
        .with.property('message')
        .that.matches(/^pools\.yaml line \d+, column \d+: /);
    });

    it('rejects a duplicated key rather than silently keeping one of the values', () => {
      expect(() => parseDocuments('kind: IPPool\nkind: BGPPeer\n', 'f.yaml')).to.throw(DocumentReadError, /f\.yaml line 2/);
    });
  });

  describe('from files, directories and stdin', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'reefctl-docs-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('reads several sources in the order given, stdin included', async () => {
      writeFileSync(join(dir, 'a.yaml'), 'kind: IPPool\nmetadata: {name: a}\n');
      const docs = await readDocuments([join(dir, 'a.yaml'), '-'], Readable.from([Buffer.from(JSON.stringify(pool('b')))]));
      expect(docs.map((d) => d.source)).to.deep.equal([join(dir, 'a.yaml'), '<stdin>']);
    });

    it('reads the YAML and JSON files of a directory in name order, ignoring the rest', async () => {
      writeFileSync(join(dir, 'b.json'), JSON.stringify(pool('b')));
      writeFileSync(join(dir, 'a.yml'), 'kind: IPPool\nmetadata: {name: a}\n');
      writeFileSync(join(dir, 'notes.txt'), 'not a resource');
      const docs = await readDocuments([dir], Readable.from([]));
      expect(docs.map((d) => (d.body as { metadata: { name: string } }).metadata.name)).to.deep.equal(['a', 'b']);
    });

    it('says which file is missing', async () => {
      let err: unknown;
      await readDocuments([join(dir, 'nope.yaml')], Readable.from([])).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(DocumentReadError);
      expect((err as Error).message).to.equal(`cannot read ${join(dir, 'nope.yaml')}: no such file or directory`);
    });
  });
});
