import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { netlinkAvailable } from '../../../bgp/fib/netlink-socket.ts';
import { useNetns } from '../../harness/netns.ts';
import type { NetnsScope } from '../../harness/netns.ts';
import type { Script } from './fib-driver.ts';

const DRIVER = fileURLToPath(new URL('./fib-driver.ts', import.meta.url));

interface IpRoute {
  dst: string;
  protocol?: string;
  gateway?: string;
  type?: string;
  metric?: number;
  nexthops?: { gateway: string }[];
}

/** The routes in `ns` as `dst -> "via a,b" | "blackhole"`, for one protocol or all. */
async function routes(scope: NetnsScope, ns: string, proto?: string): Promise<Record<string, string>> {
  const res = await scope.exec(ns, ['ip', '-j', 'route', 'show', 'table', 'main', ...(proto ? ['proto', proto] : [])]);
  const out: Record<string, string> = {};
  for (const r of JSON.parse(res.stdout) as IpRoute[]) {
    if (r.protocol === 'kernel') continue;
    out[r.dst] = r.type === 'blackhole' ? 'blackhole' : 'via ' + (r.nexthops?.map((n) => n.gateway) ?? [r.gateway]).join(',');
  }
  return out;
}

async function drive(scope: NetnsScope, ns: string, script: Script): Promise<unknown[]> {
  const res = await scope.exec(ns, [process.execPath, DRIVER, JSON.stringify(script)], { timeoutMs: 30_000 });
  return JSON.parse(res.stdout) as unknown[];
}

const PEERS: Script['peers'] = [
  [65001, '192.0.2.1'],
  [65001, '192.0.2.2'],
  [65002, '192.0.2.3'],
];

describe('the FIB syncer on a real kernel @integration', function () {
  this.timeout(60_000);
  const scope = useNetns({ perTest: true });
  let ns = '';

  before(function () {
    if (process.getuid?.() !== 0 || !netlinkAvailable()) this.skip();
  });

  beforeEach(async function () {
    if (process.getuid?.() !== 0 || !netlinkAvailable()) this.skip();
    ns = await scope().createNamespace();
    // A veth pair entirely inside the namespace gives the gateways a connected subnet.
    await scope().exec(ns, ['ip', 'link', 'add', 'fib0', 'type', 'veth', 'peer', 'name', 'fib1']);
    await scope().exec(ns, ['ip', 'addr', 'add', '192.0.2.254/24', 'dev', 'fib0']);
    await scope().exec(ns, ['ip', 'link', 'set', 'fib0', 'up']);
    await scope().exec(ns, ['ip', 'link', 'set', 'fib1', 'up']);
  });

  it('installs best routes under protocol 85, as multipath routes for ECMP sets', async () => {
    const [result] = await drive(scope(), ns, {
      maxPaths: 2,
      peers: PEERS,
      steps: [
        { announce: { peer: 0, prefixes: ['10.1.0.0/16', '10.2.0.0/16'], nextHop: '192.0.2.1' } },
        { announce: { peer: 1, prefixes: ['10.1.0.0/16'], nextHop: '192.0.2.2' } },
        { flush: true },
      ],
    });
    expect(result).to.deep.equal({ added: 2, replaced: 0, deleted: 0, failed: [] });
    expect(await routes(scope(), ns, '85')).to.deep.equal({ '10.1.0.0/16': 'via 192.0.2.1,192.0.2.2', '10.2.0.0/16': 'via 192.0.2.1' });
  });

  it('replaces a route when the best path changes and deletes it on withdraw and on session loss', async () => {
    const out = await drive(scope(), ns, {
      peers: PEERS,
      steps: [
        { announce: { peer: 2, prefixes: ['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16'], nextHop: '192.0.2.3' } },
        { flush: true },
        { announce: { peer: 0, prefixes: ['10.1.0.0/16'], nextHop: '192.0.2.1' } },
        { withdraw: { peer: 2, prefixes: ['10.1.0.0/16', '10.2.0.0/16'] } },
        { flush: true },
        { show: true },
        { peerDown: 2 },
        { flush: true },
      ],
    });
    expect(out[1]).to.deep.equal({ added: 0, replaced: 1, deleted: 1, failed: [] });
    expect((out[2] as IpRoute[]).filter((r) => r.protocol === '85').map((r) => `${r.dst} ${r.gateway}`)).to.deep.equal([
      '10.1.0.0/16 192.0.2.1',
      '10.3.0.0/16 192.0.2.3',
    ]);
    expect(out[3]).to.deep.equal({ added: 0, replaced: 0, deleted: 1, failed: [] });
    expect(await routes(scope(), ns, '85')).to.deep.equal({ '10.1.0.0/16': 'via 192.0.2.1' });
  });

  it('keeps a restarting peer’s routes until the stale sweep', async () => {
    const out = await drive(scope(), ns, {
      peers: PEERS,
      steps: [
        { announce: { peer: 0, prefixes: ['10.1.0.0/16', '10.2.0.0/16'], nextHop: '192.0.2.1' } },
        { flush: true },
        { peerDown: 0, graceful: true },
        { flush: true },
        { announce: { peer: 0, prefixes: ['10.1.0.0/16'], nextHop: '192.0.2.1' } },
        { sweepStale: 0 },
        { flush: true },
      ],
    });
    expect(out[1]).to.deep.equal({ added: 0, replaced: 0, deleted: 0, failed: [] });
    expect(out[2]).to.deep.equal({ added: 0, replaced: 0, deleted: 1, failed: [] });
    expect(await routes(scope(), ns, '85')).to.deep.equal({ '10.1.0.0/16': 'via 192.0.2.1' });
  });

  it('never touches routes it did not install, and reports the prefix it could not add', async () => {
    await scope().exec(ns, ['ip', 'route', 'add', '10.50.0.0/24', 'via', '192.0.2.9', 'proto', 'static']);
    await scope().exec(ns, ['ip', 'route', 'add', '10.60.0.0/24', 'via', '192.0.2.9', 'proto', 'static', 'metric', '20']);
    await scope().exec(ns, ['ip', 'route', 'add', '10.70.0.0/24', 'via', '192.0.2.9', 'proto', 'bird']);
    const out = await drive(scope(), ns, {
      peers: PEERS,
      steps: [
        { announce: { peer: 0, prefixes: ['10.60.0.0/24', '10.70.0.0/24', '10.1.0.0/16'], nextHop: '192.0.2.1' } },
        { flush: true },
        { withdraw: { peer: 0, prefixes: ['10.60.0.0/24', '10.70.0.0/24'] } },
        { flush: true },
        { reconcile: { adopt: false } },
      ],
    });
    expect(out[0]).to.deep.include({ added: 2 });
    expect((out[0] as { failed: unknown[] }).failed).to.deep.equal([{ prefix: '10.60.0.0/24', op: 'add', errno: 17 }]);
    expect(await routes(scope(), ns)).to.deep.equal({
      '10.1.0.0/16': 'via 192.0.2.1',
      '10.50.0.0/24': 'via 192.0.2.9',
      '10.60.0.0/24': 'via 192.0.2.9',
      '10.70.0.0/24': 'via 192.0.2.9',
    });
  });

  it('reconciles after a restart: stray routes of ours go, missing ones come, wrong ones are fixed', async () => {
    await drive(scope(), ns, {
      peers: PEERS,
      steps: [{ announce: { peer: 0, prefixes: ['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16'], nextHop: '192.0.2.1' } }, { flush: true }],
    });
    await scope().exec(ns, ['ip', 'route', 'add', '10.50.0.0/24', 'via', '192.0.2.9', 'proto', 'static']);
    const [adopted, swept] = await drive(scope(), ns, {
      peers: PEERS,
      steps: [
        { announce: { peer: 0, prefixes: ['10.1.0.0/16'], nextHop: '192.0.2.1' } },
        { announce: { peer: 0, prefixes: ['10.2.0.0/16'], nextHop: '192.0.2.2' } },
        { announce: { peer: 0, prefixes: ['10.4.0.0/16'], nextHop: '192.0.2.1' } },
        { reconcile: { adopt: true } },
        { sweep: true },
      ],
    });
    expect(adopted).to.deep.equal({ added: 1, replaced: 1, deleted: 0, failed: [] });
    expect(swept).to.deep.equal({ added: 0, replaced: 0, deleted: 1, failed: [] });
    expect(await routes(scope(), ns)).to.deep.equal({
      '10.1.0.0/16': 'via 192.0.2.1',
      '10.2.0.0/16': 'via 192.0.2.2',
      '10.4.0.0/16': 'via 192.0.2.1',
      '10.50.0.0/24': 'via 192.0.2.9',
    });
  });

  it('installs a blackhole for originated prefixes when asked', async () => {
    await drive(scope(), ns, { blackholeOriginated: true, peers: PEERS, steps: [{ originate: '10.244.7.0/26' }, { flush: true }] });
    expect(await routes(scope(), ns, '85')).to.deep.equal({ '10.244.7.0/26': 'blackhole' });
  });
});
