import { expect } from 'chai';
import { parse } from 'yaml';
import { EXIT } from '../../src/cli/errors.ts';
import { KINDS, NAMESPACED_KINDS, validateResource, type Resource } from '../../src/model/index.ts';
import { useEtcd } from '../harness/etcd.ts';
import { fixtures, withoutServerFields } from './fixtures.ts';
import { reefctl } from './run.ts';

describe('reefctl round trips through a real etcd @integration', () => {
  const etcd = useEtcd();
  const run = (args: string[], stdin?: string) =>
    reefctl([...args, '--etcd-endpoints', etcd().endpoint], stdin === undefined ? {} : { stdin });

  it('has an example document for every kind in both apiVersions', () => {
    const seen = fixtures().map((f) => `${f.doc.kind} ${f.doc.apiVersion}`);
    for (const kind of KINDS) {
      expect(seen).to.include(`${kind} reef.dev/v1`);
      expect(seen).to.include(`${kind} projectcalico.org/v3`);
    }
  });

  for (const f of fixtures()) {
    describe(`${f.doc.kind} from ${f.file}`, () => {
      const ns = NAMESPACED_KINDS.has(f.doc.kind) ? ['-n', f.doc.metadata.namespace ?? 'default'] : [];
      const expected = () => withoutServerFields(validateResource(f.doc));

      before(async () => {
        const r = await run(['apply', '-f', f.path]);
        expect(r.errors, r.stderr).to.deep.equal([]);
        expect(r.code).to.equal(EXIT.ok);
      });

      for (const format of ['yaml', 'json'] as const) {
        it(`comes back from get -o ${format} as it went in, once normalised`, async () => {
          const r = await run(['get', f.doc.kind, f.doc.metadata.name, ...ns, '-o', format]);
          expect(r.code, r.stderr).to.equal(EXIT.ok);
          const got = (format === 'yaml' ? parse(r.stdout) : JSON.parse(r.stdout)) as Resource;
          expect(got.metadata.resourceVersion).to.be.a('string');
          expect(withoutServerFields(validateResource(got))).to.deep.equal(expected());
        });
      }

      it('applies its own get -o yaml output back as unchanged', async () => {
        const out = await run(['get', f.doc.kind, f.doc.metadata.name, ...ns, '-o', 'yaml']);
        const r = await run(['apply', '-f', '-'], out.stdout);
        expect(r.stdout).to.equal(`${f.doc.kind.toLowerCase()}/${f.doc.metadata.name} unchanged\n`);
      });
    });
  }

  describe('a whole list', () => {
    it('applies back from get -o yaml (the List form)', async () => {
      const out = await run(['get', 'ippools', '-o', 'yaml']);
      expect(parse(out.stdout).kind).to.equal('IPPoolList');
      const r = await run(['apply', '-f', '-'], out.stdout);
      expect(r.code, r.stderr).to.equal(EXIT.ok);
      expect(r.stdout.trim().split('\n')).to.have.length(2);
      expect(r.stdout).to.not.match(/created|configured/);
    });
  });
});
