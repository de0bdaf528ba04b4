import { expect } from 'chai';
import { parse, stringify } from 'yaml';
import { EXIT } from '../../src/cli/errors.ts';
import type { Resource } from '../../src/model/index.ts';
import { useEtcd } from '../harness/etcd.ts';
import { reefctl, type CliResult } from './run.ts';

const K8S_NP = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'allow-web', namespace: 'shop' },
  spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'shop' } } }], ports: [{ port: 8080 }] }] },
};
const REEF_NP = {
  apiVersion: 'projectcalico.org/v3',
  kind: 'NetworkPolicy',
  metadata: { name: 'allow-web', namespace: 'shop' },
  spec: { selector: "app == 'web'", ingress: [{ action: 'Allow' }] },
};
const NS = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'shop' } } };

const yamlDocs = (...docs: unknown[]) => docs.map((d) => stringify(d)).join('---\n');

describe('reefctl with Kubernetes NetworkPolicies and Namespaces, against a real etcd @integration', () => {
  const etcd = useEtcd();
  const run = (args: string[], stdin?: string): Promise<CliResult> =>
    reefctl([...args, '--etcd-endpoints', etcd().endpoint], stdin === undefined ? {} : { stdin });

  before(async () => {
    const r = await run(['apply', '-f', '-'], yamlDocs(K8S_NP, REEF_NP, NS));
    expect(r.errors, r.stderr).to.deep.equal([]);
    expect(r.stdout.trim().split('\n').sort()).to.deep.equal(
      ['kubernetesnetworkpolicy/allow-web created', 'namespace/shop created', 'networkpolicy/allow-web created'],
    );
  });

  it('keeps a Kubernetes and a reef NetworkPolicy of the same name apart, each printed in its own apiVersion', async () => {
    const k = parse((await run(['get', 'knp', 'allow-web', '-n', 'shop', '-o', 'yaml'])).stdout) as Resource;
    expect([k.apiVersion, k.kind]).to.deep.equal(['networking.k8s.io/v1', 'NetworkPolicy']);
    expect(k.spec).to.deep.include({ podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] });
    const reef = parse((await run(['get', 'networkpolicy', 'allow-web', '-n', 'shop', '-o', 'yaml'])).stdout) as Resource;
    expect([reef.apiVersion, reef.kind]).to.deep.equal(['reef.dev/v1', 'NetworkPolicy']);
    expect(reef.spec).to.have.property('selector', "app == 'web'");
  });

  for (const alias of ['knp', 'k8snetworkpolicy', 'networkpolicies.networking.k8s.io', 'netpol', 'KubernetesNetworkPolicy']) {
    it(`finds the Kubernetes policy as ${alias}`, async () => {
      const r = await run(['get', alias, '-n', 'shop', '-o', 'name']);
      expect(r.stdout).to.equal('kubernetesnetworkpolicy/allow-web\n');
    });
  }

  it('lists them as kubectl does: a v1 List of networking.k8s.io/v1 NetworkPolicies, which applies back unchanged', async () => {
    const out = await run(['get', 'networkpolicies.networking.k8s.io', '-n', 'shop', '-o', 'yaml']);
    const list = parse(out.stdout) as { apiVersion: string; kind: string; items: Resource[] };
    expect([list.apiVersion, list.kind]).to.deep.equal(['v1', 'List']);
    expect(list.items.map((i) => [i.apiVersion, i.kind, i.metadata.name])).to.deep.equal([['networking.k8s.io/v1', 'NetworkPolicy', 'allow-web']]);
    const r = await run(['apply', '-f', '-'], out.stdout);
    expect(r.stdout).to.equal('kubernetesnetworkpolicy/allow-web unchanged\n');
  });

  it('prints tables with kubectl\'s POD-SELECTOR and the namespace labels', async () => {
    const t = await run(['get', 'knp', '-n', 'shop', '-o', 'wide']);
    expect(t.stdout.split('\n')[0]).to.match(/^NAMESPACE\s+NAME\s+POD-SELECTOR\s+POLICY-TYPES$/);
    expect(t.stdout.split('\n')[1]).to.match(/^shop\s+allow-web\s+app=web\s+Ingress$/);
    const n = await run(['get', 'ns', '-o', 'wide']);
    expect(n.stdout).to.match(/\nshop\s+team=shop\n/);
  });

  it('takes a Namespace as kubectl prints it (status, generation); applied again, nothing changes', async () => {
    const kubectl = { ...NS, metadata: { ...NS.metadata, generation: 1 }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
    const r = await run(['apply', '-f', '-'], yamlDocs(kubectl));
    expect(r.stdout, r.stderr).to.equal('namespace/shop configured\n');
    const got = JSON.parse((await run(['get', 'namespace', 'shop', '-o', 'json'])).stdout) as Resource;
    expect([got.apiVersion, got.kind, got.metadata.labels, got.spec]).to.deep.equal(['v1', 'Namespace', { team: 'shop' }, { finalizers: ['kubernetes'] }]);
    expect(got).to.not.have.property('status');
    expect((await run(['apply', '-f', '-'], yamlDocs(kubectl))).stdout).to.equal('namespace/shop unchanged\n');
  });

  it('refuses an invalid Kubernetes policy with the field path and writes nothing', async () => {
    const bad = { ...K8S_NP, metadata: { name: 'bad', namespace: 'shop' }, spec: { ingress: [{ ports: [{ port: 'http', endPort: 90 }] }] } };
    const r = await run(['apply', '-f', '-'], yamlDocs(bad));
    expect(r.code).to.equal(EXIT.failed);
    expect(r.errors).to.deep.equal([
      'error: KubernetesNetworkPolicy "shop/bad": spec.ingress[0].ports[0].endPort: 90 cannot follow the named port "http"; a range needs a numeric port',
    ]);
    expect((await run(['get', 'knp', '-n', 'shop', '-o', 'name'])).stdout).to.equal('kubernetesnetworkpolicy/allow-web\n');
  });

  it('deletes by file the Kubernetes policy the file names, not reef\'s of the same name', async () => {
    const r = await run(['delete', '-f', '-'], yamlDocs(K8S_NP));
    expect(r.code, r.stderr).to.equal(EXIT.ok);
    expect((await run(['get', 'knp', '-n', 'shop', '-o', 'name'])).stdout).to.equal('');
    expect((await run(['get', 'np', '-n', 'shop', '-o', 'name'])).stdout).to.equal('networkpolicy/allow-web\n');
  });
});
