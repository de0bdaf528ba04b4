import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { EXIT } from '../../src/cli/errors.ts';
import { KINDS, type Resource } from '../../src/model/index.ts';
import { useEtcd } from '../harness/etcd.ts';
import { freePort } from '../harness/ports.ts';
import { FIXTURE_DIR } from './fixtures.ts';
import { documentLabel, INVALID } from './invalid-documents.ts';
import { reefctl, type CliResult } from './run.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const NODE = resolve(ROOT, 'node_modules/.bin/node');

const POOL = (name: string, cidr: string) => ({ apiVersion: 'reef.dev/v1', kind: 'IPPool', metadata: { name }, spec: { cidr } });
const GNP = (name: string) => ({ apiVersion: 'reef.dev/v1', kind: 'GlobalNetworkPolicy', metadata: { name }, spec: { selector: 'all()' } });
const yamlDocs = (...docs: unknown[]) => docs.map((d) => stringify(d)).join('---\n');

function execReefctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(NODE, [resolve(ROOT, 'src/cli/reefctl.ts'), ...args], { cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number) : 0;
      done({ code: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
}

describe('reefctl against a real etcd @integration', () => {
  const etcd = useEtcd();
  const run = (args: string[], stdin?: string): Promise<CliResult> =>
    reefctl([...args, '--etcd-endpoints', etcd().endpoint], stdin === undefined ? {} : { stdin });

  /** Every object of every kind, as reefctl shows them: the before/after picture. */
  async function everything(): Promise<Resource[]> {
    const all: Resource[] = [];
    for (const kind of KINDS) {
      const r = await run(['get', kind, '-A', '-o', 'json']);
      expect(r.code, r.stderr).to.equal(EXIT.ok);
      all.push(...(JSON.parse(r.stdout) as { items: Resource[] }).items);
    }
    return all;
  }

  before(async () => {
    const r = await run(['apply', '-f', FIXTURE_DIR]);
    expect(r.errors, r.stderr).to.deep.equal([]);
  });

  describe('apply of a file with one bad document', () => {
    it('writes none of it and prints the error line with the field path', async () => {
      const before = await everything();
      const r = await run(
        ['apply', '-f', '-'],
        yamlDocs(POOL('fresh-1', '10.60.0.0/16'), { ...POOL('fresh-2', '10.61.0.0/16'), spec: { cidr: '10.61.0.0/16', blockSize: 33 } }, GNP('fresh-3')),
      );
      expect(r.code).to.equal(EXIT.failed);
      expect(r.errors).to.deep.equal(['error: IPPool "fresh-2": spec.blockSize: 33 is out of range 20-32 for an IPv4 pool']);
      expect(await everything()).to.deep.equal(before);
    });

    it('writes none of it when two of its pools overlap each other', async () => {
      const before = await everything();
      const r = await run(['apply', '-f', '-'], yamlDocs(POOL('ov-1', '10.70.0.0/16'), POOL('ov-2', '10.70.64.0/18')));
      expect(r.code).to.equal(EXIT.failed);
      expect(r.errors[0]).to.match(/^error: IPPool "ov-[12]": spec\.cidr: /);
      expect(await everything()).to.deep.equal(before);
    });
  });

  describe('rejects each invalid document, leaving the store as it was', () => {
    let before: Resource[];
    beforeEach(async () => {
      before = await everything();
    });
    for (const c of INVALID) {
      it(c.name, async () => {
        // A good document first: it must not be written either.
        const r = await run(['apply', '-f', '-'], yamlDocs(GNP('innocent-bystander'), c.doc));
        expect(r.code, r.stderr).to.equal(EXIT.failed);
        expect(r.stdout).to.equal('');
        const label = documentLabel(c.doc);
        const line = r.errors.find((l) => label.test(l) && l.includes(`: ${c.path}: `));
        expect(line, `no error line naming ${c.path} in:\n${r.stderr}`).to.be.a('string');
        expect(await everything()).to.deep.equal(before);
      });
    }
  });

  describe('create and replace', () => {
    it('create of an existing object fails and names it', async () => {
      const r = await run(['create', '-f', resolve(FIXTURE_DIR, 'ippool.reef.yaml')]);
      expect(r.code).to.equal(EXIT.failed);
      expect(r.errors).to.deep.equal(['error: IPPool "pool-reef-v4" already exists']);
    });

    it('replace of a missing object fails and names it', async () => {
      const r = await run(['replace', '-f', '-'], yamlDocs(POOL('never-made', '10.80.0.0/16')));
      expect(r.code).to.equal(EXIT.failed);
      expect(r.errors).to.deep.equal(['error: IPPool "never-made" does not exist']);
    });

    it('replace with a stale resourceVersion is refused, with a fresh one accepted', async () => {
      const got = JSON.parse((await run(['get', 'ippool', 'pool-reef-v4', '-o', 'json'])).stdout) as Resource;
      got.spec.natOutgoing = false;
      expect((await run(['replace', '-f', '-'], JSON.stringify(got))).code).to.equal(EXIT.ok);
      const stale = await run(['replace', '-f', '-'], JSON.stringify(got));
      expect(stale.code).to.equal(EXIT.failed);
      expect(stale.errors[0]).to.match(/^error: IPPool "pool-reef-v4" was modified since resourceVersion \d+/);
    });
  });

  describe('get', () => {
    const aliases: [string, string][] = [
      ['ippool', 'ippool/pool-calico-v6'],
      ['ippools', 'ippool/pool-calico-v6'],
      ['ipp', 'ippool/pool-calico-v6'],
      ['pool', 'ippool/pool-calico-v6'],
      ['bgppeers', 'bgppeer/route-reflectors'],
      ['bgpconfig', 'bgpconfiguration/default'],
      ['nodes', 'node/node-1'],
      ['gnp', 'globalnetworkpolicy/allow-ping'],
      ['globalnetworkpolicies', 'globalnetworkpolicy/allow-ping'],
      ['networkpolicy', 'networkpolicy/db-egress'],
      ['wep', 'workloadendpoint/node--2-k8s-db--0-eth0'],
    ];
    for (const [alias, expected] of aliases) {
      it(`resolves the kind alias ${alias}`, async () => {
        const r = await run(['get', alias, '-o', 'name']);
        expect(r.code, r.stderr).to.equal(EXIT.ok);
        expect(r.stdout.split('\n')).to.include(expected);
      });
    }

    it('prints a table with NAME first and one row per pool', async () => {
      const r = await run(['get', 'ippools']);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).to.match(/^NAME\s+\S/);
      expect(lines[0]).to.include('CIDR');
      expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).to.deep.equal(['pool-calico-v6', 'pool-reef-v4']);
      expect(lines[2]).to.include('10.244.0.0/16');
    });

    it('prints more columns with -o wide than without', async () => {
      const narrow = (await run(['get', 'ippools'])).stdout.split('\n')[0]!.split(/\s{2,}/);
      const wide = (await run(['get', 'ippools', '-o', 'wide'])).stdout.split('\n')[0]!.split(/\s{2,}/);
      expect(wide.length).to.be.greaterThan(narrow.length);
      expect(wide).to.include.members(narrow);
      expect(wide).to.include.members(['BLOCKSIZE', 'NAT']);
    });

    it('adds a NAMESPACE column across namespaces', async () => {
      const r = await run(['get', 'networkpolicies', '-A']);
      expect(r.stdout.split('\n')[0]).to.match(/^NAMESPACE\s+NAME/);
      expect(r.stdout).to.match(/\nshop\s+allow-web/);
    });

    it('exits 1 for a missing object and 2 for an unknown kind', async () => {
      expect((await run(['get', 'ippool', 'nope'])).code).to.equal(EXIT.failed);
      expect((await run(['get', 'nopes'])).code).to.equal(EXIT.usage);
    });
  });

  describe('delete', () => {
    it('deletes by name and the object is gone', async () => {
      expect((await run(['apply', '-f', '-'], yamlDocs(GNP('short-lived')))).code).to.equal(EXIT.ok);
      const r = await run(['delete', 'gnp', 'short-lived']);
      expect(r.stdout).to.equal('globalnetworkpolicy/short-lived deleted\n');
      expect((await run(['get', 'gnp', 'short-lived'])).errors).to.deep.equal(['error: GlobalNetworkPolicy "short-lived" not found']);
    });
  });

  describe('an endpoint where nothing listens', () => {
    it('fails with "cannot reach datastore at" and exit code 3', async function () {
      this.timeout(20_000);
      const port = await freePort();
      const r = await reefctl(['get', 'ippools', '--etcd-endpoints', `127.0.0.1:${port}`]);
      expect(r.code).to.equal(EXIT.unreachable);
      expect(r.errors).to.have.length(1);
      expect(r.errors[0]).to.match(new RegExp(`^error: cannot reach datastore at 127\\.0\\.0\\.1:${port}`));
    });
  });

  describe('an endpoint that accepts connections but never answers', () => {
    let server: Server;
    let port: number;
    const sockets = new Set<Socket>();
    before(async () => {
      server = createServer((sock) => {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      port = (server.address() as AddressInfo).port;
    });
    after(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    });

    it('gives up at the request timeout with "cannot reach datastore at"', async function () {
      this.timeout(20_000);
      const r = await reefctl(['get', 'ippools', '--etcd-endpoints', `127.0.0.1:${port}`, '--request-timeout', '1']);
      expect(r.code).to.equal(EXIT.unreachable);
      expect(r.errors).to.have.length(1);
      expect(r.errors[0]).to.match(new RegExp(`^error: cannot reach datastore at 127\\.0\\.0\\.1:${port}`));
    });
  });

  describe('finding the datastore', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'reefctl-cfg-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('takes ETCD_ENDPOINTS from the environment', async () => {
      const r = await reefctl(['get', 'ipp', 'pool-reef-v4', '-o', 'name'], { env: { ETCD_ENDPOINTS: etcd().url } });
      expect(r.stdout, r.stderr).to.equal('ippool/pool-reef-v4\n');
    });

    it('takes a calicoctl-style config file from --config', async () => {
      const file = join(dir, 'reefctl.cfg');
      writeFileSync(file, stringify({ apiVersion: 'projectcalico.org/v3', kind: 'CalicoAPIConfig', spec: { datastoreType: 'etcdv3', etcdEndpoints: etcd().url } }));
      const r = await reefctl(['get', 'ipp', 'pool-reef-v4', '-o', 'name', '--config', file]);
      expect(r.stdout, r.stderr).to.equal('ippool/pool-reef-v4\n');
    });

    it('prefers --etcd-endpoints over the environment', async () => {
      const r = await reefctl(['get', 'ipp', 'pool-reef-v4', '-o', 'name', '--etcd-endpoints', etcd().endpoint], { env: { ETCD_ENDPOINTS: '127.0.0.1:1' } });
      expect(r.code, r.stderr).to.equal(EXIT.ok);
    });

    it('refuses an unknown datastore type as a usage error', async () => {
      const r = await reefctl(['get', 'ipp', '--datastore-type', 'consul']);
      expect(r.code).to.equal(EXIT.usage);
      expect(r.errors[0]).to.match(/^error: unknown datastore type "consul"/);
    });
  });

  describe('the real executable', () => {
    it('prints the client version from package.json', async () => {
      const r = await execReefctl(['version', '--client']);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(/^Client Version: +v0\.1\.0\n$/);
    });

    it('reads the datastore from ETCD_ENDPOINTS-free flags and exits with the command status', async () => {
      const ok = await execReefctl(['get', 'ipp', '-o', 'name', '--etcd-endpoints', etcd().endpoint]);
      expect(ok.code, ok.stderr).to.equal(0);
      expect(ok.stdout).to.include('ippool/pool-reef-v4\n');
      const missing = await execReefctl(['get', 'ipp', 'nope', '--etcd-endpoints', etcd().endpoint]);
      expect(missing.code).to.equal(EXIT.failed);
      expect(missing.stderr).to.equal('error: IPPool "nope" not found\n');
    });

    it('exits 3 without hanging when etcd is unreachable', async function () {
      this.timeout(30_000);
      const port = await freePort();
      const r = await execReefctl(['version', '--etcd-endpoints', `127.0.0.1:${port}`]);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(/^Client Version:/);
      expect(r.stderr).to.match(/^warning: cannot reach datastore at 127\.0\.0\.1:\d+/);
      const get = await execReefctl(['get', 'ipp', '--etcd-endpoints', `127.0.0.1:${port}`]);
      expect(get.code).to.equal(EXIT.unreachable);
    });
  });
});
