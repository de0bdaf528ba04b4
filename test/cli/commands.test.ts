import { expect } from 'chai';
import { parse } from 'yaml';
import { EXIT } from '../../src/cli/errors.ts';
import { MemoryDatastore } from './memory-datastore.ts';
import { reefctl } from './run.ts';

const POOL_A = 'apiVersion: reef.dev/v1\nkind: IPPool\nmetadata:\n  name: pool-a\nspec:\n  cidr: 10.1.0.0/16\n';
const POOL_B = 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: pool-b\nspec:\n  cidr: 10.2.0.0/16\n';
const BAD_BLOCK = 'apiVersion: reef.dev/v1\nkind: IPPool\nmetadata:\n  name: pool-c\nspec:\n  cidr: 10.3.0.0/16\n  blockSize: 33\n';
const OVERLAPS_A = 'apiVersion: reef.dev/v1\nkind: IPPool\nmetadata:\n  name: pool-d\nspec:\n  cidr: 10.1.128.0/17\n';
const GNP = 'apiVersion: reef.dev/v1\nkind: GlobalNetworkPolicy\nmetadata:\n  name: deny-all\nspec:\n  selector: all()\n  types: [Ingress]\n';
const NP = 'apiVersion: reef.dev/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow\nspec:\n  selector: all()\n  types: [Ingress]\n';

const docs = (...d: string[]) => d.join('---\n');

describe('reefctl commands (in-memory datastore)', () => {
  let ds: MemoryDatastore;
  const run = (args: string[], stdin?: string) => reefctl(args, { datastore: ds, ...(stdin === undefined ? {} : { stdin }) });
  beforeEach(() => {
    ds = new MemoryDatastore();
  });

  describe('apply', () => {
    it('creates every document of a multi-document file in one transaction', async () => {
      const r = await run(['apply', '-f', '-'], docs(POOL_A, POOL_B, GNP));
      expect(r.errors).to.deep.equal([]);
      expect(r.code).to.equal(EXIT.ok);
      expect(r.stdout).to.equal('ippool/pool-a created\nippool/pool-b created\nglobalnetworkpolicy/deny-all created\n');
      expect(ds.transactions).to.equal(1);
      expect(ds.snapshot().map((x) => x.metadata.name)).to.have.members(['pool-a', 'pool-b', 'deny-all']);
    });

    it('stores the canonical form: reef.dev/v1 whatever apiVersion came in', async () => {
      await run(['apply', '-f', '-'], POOL_B);
      expect(ds.snapshot()[0]!.apiVersion).to.equal('reef.dev/v1');
    });

    it('reports unchanged objects and updates changed ones', async () => {
      await run(['apply', '-f', '-'], POOL_A);
      const again = await run(['apply', '-f', '-'], docs(POOL_A, POOL_B));
      expect(again.stdout).to.equal('ippool/pool-a unchanged\nippool/pool-b created\n');
      const changed = await run(['apply', '-f', '-'], POOL_A.replace('cidr: 10.1.0.0/16', 'cidr: 10.1.0.0/16\n  natOutgoing: true'));
      expect(changed.stdout).to.equal('ippool/pool-a configured\n');
      expect(ds.snapshot().find((x) => x.metadata.name === 'pool-a')!.spec.natOutgoing).to.equal(true);
    });

    it('writes nothing when one document is bad, and names the field', async () => {
      await run(['apply', '-f', '-'], POOL_A);
      const before = ds.snapshot();
      const r = await run(['apply', '-f', '-'], docs(POOL_B, BAD_BLOCK, GNP));
      expect(r.code).to.equal(EXIT.failed);
      expect(r.errors).to.deep.equal(['error: IPPool "pool-c": spec.blockSize: 33 is out of range 20-32 for an IPv4 pool']);
      expect(r.stdout).to.equal('');
      expect(ds.snapshot()).to.deep.equal(before);
    });

    it('rejects two overlapping pools in one file, writing neither', async () => {
      const r = await run(['apply', '-f', '-'], docs(POOL_A, OVERLAPS_A));
      expect(r.code).to.equal(EXIT.failed);
      expect(r.errors.length).to.be.greaterThan(0);
      expect(r.errors.every((l) => /^error: IPPool "pool-[ad]": spec\.cidr: /.test(l))).to.equal(true, r.stderr);
      expect(ds.snapshot()).to.deep.equal([]);
    });

    it('rejects a pool that overlaps a stored one', async () => {
      await run(['apply', '-f', '-'], POOL_A);
      const r = await run(['apply', '-f', '-'], OVERLAPS_A);
      expect(r.code).to.equal(EXIT.failed);
      expect(r.errors[0]).to.match(/^error: IPPool "pool-d": spec\.cidr: /);
    });

    it('lets a file move a pool out of the way of another in the same apply', async () => {
      await run(['apply', '-f', '-'], POOL_A);
      const moved = POOL_A.replace('10.1.0.0/16', '10.9.0.0/16');
      const r = await run(['apply', '-f', '-'], docs(moved, OVERLAPS_A));
      expect(r.errors).to.deep.equal([]);
      expect(r.code).to.equal(EXIT.ok);
    });

    it('rejects the same object twice in one input', async () => {
      const r = await run(['apply', '-f', '-'], docs(POOL_A, POOL_A));
      expect(r.code).to.equal(EXIT.failed);
      expect(r.errors[0]).to.match(/^error: IPPool "pool-a": appears twice, in document 1 in <stdin> \(line 1\) and document 2/);
    });

    it('names a document that has no kind by its position', async () => {
      const r = await run(['apply', '-f', '-'], docs(POOL_A, 'metadata:\n  name: x\n'));
      expect(r.code).to.equal(EXIT.failed);
      expect(r.errors[0]).to.match(/^error: document 2 in <stdin> \(line \d+\)/);
    });

    it('puts namespaced documents without a namespace in -n, or in default', async () => {
      await run(['apply', '-f', '-', '-n', 'shop'], NP);
      await run(['apply', '-f', '-'], NP);
      expect(ds.snapshot().map((x) => x.metadata.namespace).sort()).to.deep.equal(['default', 'shop']);
    });

    it('reports a YAML syntax error with the line and writes nothing', async () => {
      const r = await run(['apply', '-f', '-'], `${POOL_A}---\nkind: [\n`);
      expect(r.code).to.equal(EXIT.failed);
      expect(r.errors[0]).to.match(/^error: <stdin> line \d+, column \d+: /);
      expect(ds.snapshot()).to.deep.equal([]);
    });

    it('fails on empty input', async () => {
      const r = await run(['apply', '-f', '-'], '# nothing\n');
      expect(r.code).to.equal(EXIT.failed);
      expect(r.errors).to.deep.equal(['error: no resources found in the input']);
    });
  });

  describe('a write that races another writer', () => {
    it('writes nothing and names the object that moved', async () => {
      await run(['apply', '-f', '-'], POOL_A);
      const racer = ds;
      const realApplyAll = racer.applyAll.bind(racer);
      // Between the check and the transaction, someone else updates pool-a.
      racer.applyAll = async (ops) => {
        const cur = await racer.get({ kind: 'IPPool', name: 'pool-a' });
        racer.seed({ ...cur, spec: { ...cur.spec, disabled: true } });
        return realApplyAll(ops);
      };
      const before = ds.snapshot();
      const r = await run(['apply', '-f', '-'], docs(POOL_B, POOL_A.replace('cidr: 10.1.0.0/16', 'cidr: 10.1.0.0/16\n  natOutgoing: true')));
      expect(r.code).to.equal(EXIT.failed);
      expect(r.errors).to.have.length(1);
      expect(r.errors[0]).to.match(/^error: IPPool "pool-a" was modified: expected resourceVersion \d+, stored is \d+; nothing was written$/);
      expect(ds.snapshot().map((x) => x.metadata.name)).to.deep.equal(before.map((x) => x.metadata.name));
    });
  });

  describe('create and replace', () => {
    it('create refuses an object that exists, and writes none of the file', async () => {
      await run(['create', '-f', '-'], POOL_A);
      const r = await run(['create', '-f', '-'], docs(POOL_B, POOL_A));
      expect(r.code).to.equal(EXIT.failed);
      expect(r.errors).to.deep.equal(['error: IPPool "pool-a" already exists']);
      expect(ds.snapshot().map((x) => x.metadata.name)).to.deep.equal(['pool-a']);
    });

    it('replace refuses an object that does not exist', async () => {
      const r = await run(['replace', '-f', '-'], POOL_A);
      expect(r.code).to.equal(EXIT.failed);
      expect(r.errors).to.deep.equal(['error: IPPool "pool-a" does not exist']);
    });

    it('replace uses the stored revision, or the document\'s as a compare-and-swap', async () => {
      await run(['create', '-f', '-'], POOL_A);
      const rv = ds.snapshot()[0]!.metadata.resourceVersion!;
      const ok = await run(['replace', '-f', '-'], POOL_A.replace('name: pool-a', `name: pool-a\n  resourceVersion: "${rv}"`));
      expect(ok.stdout).to.equal('ippool/pool-a replaced\n');
      const stale = await run(['replace', '-f', '-'], POOL_A.replace('name: pool-a', `name: pool-a\n  resourceVersion: "${rv}"`));
      expect(stale.code).to.equal(EXIT.failed);
      expect(stale.errors[0]).to.match(new RegExp(`^error: IPPool "pool-a" was modified since resourceVersion ${rv} `));
      const plain = await run(['replace', '-f', '-'], POOL_A);
      expect(plain.code).to.equal(EXIT.ok);
    });
  });

  describe('get', () => {
    beforeEach(async () => {
      await run(['apply', '-f', '-'], docs(POOL_A, POOL_B, GNP));
    });

    for (const alias of ['ippool', 'ippools', 'ipp', 'pool', 'IPPool']) {
      it(`lists pools by the alias ${alias}`, async () => {
        const r = await run(['get', alias, '-o', 'name']);
        expect(r.stdout).to.equal('ippool/pool-a\nippool/pool-b\n');
      });
    }

    it('prints one named object as yaml that apply accepts back unchanged', async () => {
      const r = await run(['get', 'ippool', 'pool-a', '-o', 'yaml']);
      expect(r.code).to.equal(EXIT.ok);
      expect(parse(r.stdout)).to.deep.equal(ds.snapshot().find((x) => x.metadata.name === 'pool-a'));
      expect((await run(['apply', '-f', '-'], r.stdout)).stdout).to.equal('ippool/pool-a unchanged\n');
    });

    it('prints a list as json that apply accepts back', async () => {
      const r = await run(['get', 'ipp', '-o', 'json']);
      expect(JSON.parse(r.stdout).kind).to.equal('IPPoolList');
      expect((await run(['apply', '-f', '-'], r.stdout)).stdout).to.equal('ippool/pool-a unchanged\nippool/pool-b unchanged\n');
    });

    it('prints several kinds as JSON that apply accepts back', async () => {
      const r = await run(['get', 'ippool/pool-b', 'gnp/deny-all', '-o', 'json']);
      expect(JSON.parse(r.stdout).kind).to.equal('List');
      expect((await run(['apply', '-f', '-'], r.stdout)).stdout).to.equal('ippool/pool-b unchanged\nglobalnetworkpolicy/deny-all unchanged\n');
    });

    it('takes KIND/NAME arguments, as -o name prints them', async () => {
      const r = await run(['get', 'ippool/pool-b', 'gnp/deny-all', '-o', 'name']);
      expect(r.stdout).to.equal('ippool/pool-b\nglobalnetworkpolicy/deny-all\n');
    });

    it('prints what it found and fails for what it did not', async () => {
      const r = await run(['get', 'ippool', 'pool-a', 'nope', '-o', 'name']);
      expect(r.code).to.equal(EXIT.failed);
      expect(r.stdout).to.equal('ippool/pool-a\n');
      expect(r.errors).to.deep.equal(['error: IPPool "nope" not found']);
    });

    it('looks in the default namespace, in -n, or in all with -A', async () => {
      await run(['apply', '-f', '-', '-n', 'shop'], NP);
      expect((await run(['get', 'networkpolicy', '-o', 'name'])).stdout).to.equal('');
      expect((await run(['get', 'networkpolicy', '-n', 'shop', '-o', 'name'])).stdout).to.equal('networkpolicy/allow\n');
      expect((await run(['get', 'networkpolicy', '-A', '-o', 'name'])).stdout).to.equal('networkpolicy/allow\n');
    });

    const usage: [string, string[], RegExp][] = [
      ['an unknown kind', ['get', 'frobs'], /^error: unknown resource type "frobs"/],
      ['an unknown output format', ['get', 'ippool', '-o', 'xml'], /^error: unknown output format "xml"/],
      ['-n with -A', ['get', 'wep', '-n', 'a', '-A'], /^error: use -n or -A, not both/],
    ];
    for (const [name, args, re] of usage) {
      it(`fails with a usage error for ${name}`, async () => {
        const r = await run(args);
        expect(r.code).to.equal(EXIT.usage);
        expect(r.errors[0]).to.match(re);
      });
    }
  });

  describe('delete', () => {
    beforeEach(async () => {
      await run(['apply', '-f', '-'], docs(POOL_A, POOL_B, GNP));
    });

    it('deletes by kind and names', async () => {
      const r = await run(['delete', 'ippool', 'pool-a', 'pool-b']);
      expect(r.stdout).to.equal('ippool/pool-a deleted\nippool/pool-b deleted\n');
      expect(ds.snapshot().map((x) => x.kind)).to.deep.equal(['GlobalNetworkPolicy']);
    });

    it('deletes what a file names, in one transaction', async () => {
      const r = await run(['delete', '-f', '-'], docs(POOL_A, GNP));
      expect(r.code).to.equal(EXIT.ok);
      expect(ds.snapshot().map((x) => x.metadata.name)).to.deep.equal(['pool-b']);
    });

    it('deletes nothing when one named object is missing, unless told to skip it', async () => {
      const r = await run(['delete', 'ippool', 'pool-a', 'ghost']);
      expect(r.code).to.equal(EXIT.failed);
      expect(r.errors).to.deep.equal(['error: IPPool "ghost" not found']);
      expect(ds.snapshot()).to.have.length(3);
      const skip = await run(['delete', 'ippool', 'pool-a', 'ghost', '--skip-not-found']);
      expect(skip.code).to.equal(EXIT.ok);
      expect(ds.snapshot()).to.have.length(2);
    });

    it('needs exactly one of -f and names', async () => {
      expect((await run(['delete'])).code).to.equal(EXIT.usage);
      expect((await run(['delete', 'ippool', 'pool-a', '-f', 'x.yaml'])).code).to.equal(EXIT.usage);
    });
  });

  describe('validate', () => {
    it('checks without writing', async () => {
      const r = await run(['validate', '-f', '-'], docs(POOL_A, GNP));
      expect(r.code).to.equal(EXIT.ok);
      expect(r.stdout).to.equal('ippool/pool-a valid\nglobalnetworkpolicy/deny-all valid\n');
      expect(ds.writes).to.equal(0);
    });

    it('reports every bad document and checks against the store', async () => {
      await run(['apply', '-f', '-'], POOL_A);
      const r = await run(['validate', '-f', '-'], docs(BAD_BLOCK, OVERLAPS_A));
      expect(r.code).to.equal(EXIT.failed);
      expect(r.errors[0]).to.equal('error: IPPool "pool-c": spec.blockSize: 33 is out of range 20-32 for an IPv4 pool');
      expect(r.errors[1]).to.match(/^error: IPPool "pool-d": spec\.cidr: /);
    });

    it('checks the file alone, with a warning, when the datastore does not answer', async () => {
      const r = await reefctl(['validate', '-f', '-', '--request-timeout', '0.2'], {
        stdin: docs(POOL_A, OVERLAPS_A.replace('pool-d', 'pool-e').replace('10.1.128.0/17', '10.5.0.0/16')),
        deps: { connect: () => new Promise(() => undefined) },
      });
      expect(r.errors).to.deep.equal(['warning: cannot reach datastore at the configured endpoints; checked the documents among themselves only']);
      expect(r.code).to.equal(EXIT.ok);
    });
  });

  describe('when the datastore does not answer', () => {
    for (const args of [['get', 'ippool'], ['apply', '-f', '-'], ['delete', 'ippool', 'x']]) {
      it(`${args[0]} fails with "cannot reach datastore" and its own exit code`, async () => {
        const r = await reefctl([...args, '--request-timeout', '0.2', '--etcd-endpoints', '127.0.0.1:1'], {
          stdin: POOL_A,
          deps: { connect: () => new Promise(() => undefined) },
        });
        expect(r.code).to.equal(EXIT.unreachable);
        expect(r.errors).to.deep.equal(['error: cannot reach datastore at 127.0.0.1:1']);
      });
    }
  });

  describe('version', () => {
    it('prints the client version and the datastore', async () => {
      const r = await run(['version']);
      expect(r.code).to.equal(EXIT.ok);
      expect(r.stdout).to.match(/^Client Version: +v\d+\.\d+\.\d+\n/);
      expect(r.stdout).to.match(/Cluster Nodes: +0\n/);
    });
  });

  it('prints help and succeeds with --help, fails with usage for no command', async () => {
    const help = await run(['--help']);
    expect(help.code).to.equal(EXIT.ok);
    expect(help.stdout).to.match(/^Usage: reefctl/);
    expect((await run([])).code).to.equal(EXIT.usage);
  });
});
