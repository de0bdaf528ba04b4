import { expect } from 'chai';
import { parse } from 'yaml';
import { parseDocuments } from '../../src/cli/documents.ts';
import { formatRows, nameOf, render, type Column, type PrintRequest } from '../../src/cli/output.ts';
import type { Resource } from '../../src/model/index.ts';

const pool = (name: string, cidr: string): Resource => ({
  apiVersion: 'reef.dev/v1',
  kind: 'IPPool',
  metadata: { name, resourceVersion: '5' },
  spec: { cidr },
});
const wep = (ns: string, name: string): Resource => ({ apiVersion: 'reef.dev/v1', kind: 'WorkloadEndpoint', metadata: { name, namespace: ns }, spec: {} });

const columns = (_kind: unknown, wide: boolean): Column[] => [
  { header: 'NAME', value: (r) => r.metadata.name },
  { header: 'CIDR', value: (r) => String(r.spec.cidr ?? '') },
  ...(wide ? [{ header: 'NOTE', value: () => 'multi\nline' }] : []),
];

function req(over: Partial<PrintRequest>): PrintRequest {
  return { kind: 'IPPool', items: [pool('a', '10.0.0.0/16'), pool('bb', '10.1.0.0/16')], format: 'table', single: false, columns, ...over };
}

describe('reefctl output', () => {
  describe('as a table', () => {
    it('aligns columns three spaces apart with the headers first', () => {
      expect(render(req({}))).to.equal('NAME   CIDR\na      10.0.0.0/16\nbb     10.1.0.0/16\n');
    });

    it('adds the wide columns, folding any newline in a cell', () => {
      expect(render(req({ format: 'wide' })).split('\n')[1]).to.equal('a      10.0.0.0/16   multi line');
    });

    it('prints only the header for an empty list, as calicoctl does', () => {
      expect(render(req({ items: [] }))).to.equal('NAME   CIDR\n');
    });

    it('adds a NAMESPACE column across namespaces for namespaced kinds', () => {
      const out = render({ kind: 'WorkloadEndpoint', items: [wep('x', 'e1')], format: 'table', single: false, allNamespaces: true, columns: () => [{ header: 'NAME', value: (r) => r.metadata.name }] });
      expect(out).to.equal('NAMESPACE   NAME\nx           e1\n');
    });

    it('trims trailing blanks from rows with an empty last cell', () => {
      expect(formatRows([['A', 'B'], ['x', '']])).to.equal('A   B\nx\n');
    });
  });

  describe('as yaml and json', () => {
    it('prints one named object bare', () => {
      expect(parse(render(req({ format: 'yaml', single: true, items: [pool('a', '10.0.0.0/16')] })))).to.deep.equal(pool('a', '10.0.0.0/16'));
      expect(JSON.parse(render(req({ format: 'json', single: true, items: [pool('a', '10.0.0.0/16')] })))).to.deep.equal(pool('a', '10.0.0.0/16'));
    });

    it('prints a list as a kind List wrapper with the revision', () => {
      const out = JSON.parse(render(req({ format: 'json', revision: '9' })));
      expect(out).to.deep.include({ apiVersion: 'reef.dev/v1', kind: 'IPPoolList', metadata: { resourceVersion: '9' } });
      expect(out.items).to.have.length(2);
    });

    for (const format of ['yaml', 'json'] as const) {
      it(`prints ${format} that the document reader turns back into the same objects`, () => {
        const docs = parseDocuments(render(req({ format, revision: '9' })), 'out');
        expect(docs.map((d) => d.body)).to.deep.equal(req({}).items);
      });
    }
  });

  it('prints names as kind/name, which get and delete take back', () => {
    expect(render(req({ format: 'name' }))).to.equal('ippool/a\nippool/bb\n');
    expect(nameOf(wep('x', 'e1'))).to.equal('workloadendpoint/e1');
  });
});
