import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ENV_NAMES } from '../../src/node/config.ts';
import { KINDS } from '../../src/model/resource.ts';
import { KUBERNETES_KINDS } from '../../src/model/api-groups.ts';

const root = new URL('../../', import.meta.url).pathname;
type Doc = { apiVersion: string; kind: string; metadata: { name: string }; spec?: Record<string, unknown>; data?: Record<string, string> };

function load(file: string): Doc[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    expect(d.errors, `${file}: ${d.errors.join('; ')}`).to.deep.equal([]);
    return d.toJS() as Doc;
  });
}

const manifests = readdirSync(join(root, 'manifests'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join(root, 'manifests', f));
let all: Doc[] = [];
const find = (kind: string, name: string): Doc => {
  const d = all.find((x) => x.kind === kind && x.metadata.name === name);
  expect(d, `${kind} ${name}`).to.not.equal(undefined);
  return d!;
};

/** Every env name the node's code reads, found in its source, so a new one cannot skip ENV. */
function envReadBySource(): Set<string> {
  const names = new Set<string>();
  for (const f of readdirSync(join(root, 'src/node')).filter((x) => x.endsWith('.ts'))) {
    const text = readFileSync(join(root, 'src/node', f), 'utf8');
    for (const m of text.matchAll(/\benv(?:\.|\[['"])([A-Z][A-Z0-9_]+)/g)) names.add(m[1]!);
    for (const m of text.matchAll(/^\s+\w+: '([A-Z][A-Z0-9_]+)',$/gm)) names.add(m[1]!);
  }
  return names;
}

describe('manifests', () => {
  before(() => {
    all = manifests.flatMap(load);
  });

  it('parse as YAML, each document with apiVersion, kind and a name', () => {
    expect(manifests.length).to.be.greaterThan(1);
    for (const d of all) expect(d).to.include.keys('apiVersion', 'kind', 'metadata');
  });

  it('give reef-node exactly the environment it reads', () => {
    const ds = find('DaemonSet', 'reef-node');
    const pod = (ds.spec as { template: { spec: { containers: { name: string; env: { name: string }[] }[] } } }).template.spec;
    const env = pod.containers.find((c) => c.name === 'reef-node')!.env.map((e) => e.name);
    expect(new Set(env).size, 'no variable twice').to.equal(env.length);
    expect([...env].sort()).to.deep.equal([...ENV_NAMES].sort());
    for (const n of envReadBySource()) expect(ENV_NAMES, `src/node reads ${n}`).to.include(n);
  });

  it('run reef-node on the host network, privileged, with probes on its HTTP port', () => {
    const ds = find('DaemonSet', 'reef-node');
    const spec = (ds.spec as { template: { spec: Record<string, unknown> } }).template.spec as {
      hostNetwork: boolean;
      containers: { name: string; securityContext: { privileged: boolean }; livenessProbe: { httpGet: { path: string; port: number } }; readinessProbe: { httpGet: { path: string; port: number } }; env: { name: string; value?: string }[] }[];
      volumes: { name: string; hostPath: { path: string } }[];
    };
    const c = spec.containers.find((x) => x.name === 'reef-node')!;
    expect(spec.hostNetwork).to.equal(true);
    expect(c.securityContext.privileged).to.equal(true);
    const port = Number(c.env.find((e) => e.name === 'REEF_HTTP_LISTEN')!.value!.split(':')[1]);
    expect(c.livenessProbe.httpGet).to.deep.equal({ host: '127.0.0.1', path: '/liveness', port });
    expect(c.readinessProbe.httpGet).to.deep.equal({ host: '127.0.0.1', path: '/readiness', port });
    expect(spec.volumes.map((v) => v.hostPath.path).sort()).to.deep.equal(['/etc/cni/net.d', '/lib/modules', '/opt/cni/bin', '/run/xtables.lock', '/var/run/reef']);
  });

  it('carry a CNI network config that is JSON with the reef plugin and reef-ipam', () => {
    const cm = find('ConfigMap', 'reef-config');
    const conf = JSON.parse(cm.data!.cni_network_config!) as { plugins: { type: string; ipam?: { type: string } }[] };
    expect(conf.plugins[0]).to.include({ type: 'reef' });
    expect(conf.plugins[0]!.ipam).to.include({ type: 'reef-ipam' });
  });

  // Kubernetes' own kinds (networking.k8s.io/v1 NetworkPolicy, v1 Namespace) are served by the
  // Kubernetes API itself: a reef CRD for them would shadow nothing and confuse everyone.
  it('define a CRD under reef.dev/v1 for every kind of the model except Kubernetes\' own', () => {
    const crds = all.filter((d) => d.kind === 'CustomResourceDefinition');
    const byKind = new Map(crds.map((d) => [(d.spec as { names: { kind: string } }).names.kind, d]));
    expect([...KUBERNETES_KINDS].sort(), 'the kinds without a CRD').to.deep.equal(['KubernetesNetworkPolicy', 'Namespace']);
    expect([...byKind.keys()].sort()).to.deep.equal(KINDS.filter((k) => !KUBERNETES_KINDS.has(k)).sort());
    for (const d of crds) {
      const s = d.spec as { group: string; names: { plural: string }; versions: { name: string; served: boolean; storage: boolean }[] };
      expect(d.metadata.name).to.equal(`${s.names.plural}.reef.dev`);
      expect(s.group).to.equal('reef.dev');
      expect(s.versions.map((v) => [v.name, v.served, v.storage])).to.deep.equal([['v1', true, true]]);
    }
  });
});
