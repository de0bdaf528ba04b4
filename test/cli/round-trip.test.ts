import { expect } from 'chai';
import { parse } from 'yaml';
import { EXIT } from '../../src/cli/errors.ts';
import { apiVersionsOf, documentKindOf, KINDS, NAMESPACED_KINDS, routeDocument, validateResource, type Kind, type Resource } from '../../src/model/index.ts';
import { useEtcd } from '../harness/etcd.ts';
import { fixtures, withoutServerFields } from './fixtures.ts';
import { reefctl } from './run.ts';

describe('reefctl round trips through a real etcd @integration', () => {
  const etcd = useEtcd();
  const run = (args: string[], stdin?: string) =>
    reefctl([...args, '--etcd-endpoints', etcd().endpoint], stdin === undefined ? {} : { stdin });

  it('has an example document for every kind in every apiVersion it accepts', () => {
    const seen = fixtures().map((f) => `${f.doc.kind} ${f.doc.apiVersion}`);
    for (const kind of KINDS) {
      for (const v of apiVersionsOf(kind)) expect(seen).to.include(`${documentKindOf(kind)} ${v}`);
    }
  });

  for (const f of fixtures()) {
    // Routed as apply routes it: networking.k8s.io/v1 NetworkPolicy is KubernetesNetworkPolicy.
    const kind: Kind = routeDocument(f.doc.apiVersion, f.doc.kind)!;
    describe(`${kind} from ${f.file}`, () => {
      const ns = NAMESPACED_KINDS.has(kind) ? ['-n', f.doc.metadata.namespace ?? 'default'] : [];
      const expected = () => withoutServerFields(validateResource(f.doc));

      before(async () => {
        const r = await run(['apply', '-f', f.path]);
        expect(r.errors, r.stderr).to.deep.equal([]);
        expect(r.code).to.equal(EXIT.ok);
      });

      for (const format of ['yaml', 'json'] as const) {
        it(`comes back from get -o ${format} as it went in, once normalised`, async () => {
          const r = await run(['get', kind, f.doc.metadata.name, ...ns, '-o', format]);
          expect(r.code, r.stderr).to.equal(EXIT.ok);
          const got = (format === 'yaml' ? parse(r.stdout) : JSON.parse(r.stdout)) as Resource;
          expect(got.metadata.resourceVersion).to.be.a('string');
          // Printed as the document was written: Kubernetes' kinds in Kubernetes' apiVersion and kind.
          expect([got.apiVersion, got.kind]).to.deep.equal([validateResource(f.doc).apiVersion, documentKindOf(kind)]);
          expect(withoutServerFields(validateResource(got))).to.deep.equal(expected());
        });
      }

      it('applies its own get -o yaml output back as unchanged', async () => {
        const out = await run(['get', kind, f.doc.metadata.name, ...ns, '-o', 'yaml']);
        const r = await run(['apply', '-f', '-'], out.stdout);
        expect(r.stdout).to.equal(`${kind.toLowerCase()}/${f.doc.metadata.name} unchanged\n`);
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
