import { expect } from 'chai';
import { FibSyncer, RTPROT_REEF } from '../../../bgp/fib/fib-sync.ts';
import type { RouteOp, RouteWriter } from '../../../bgp/fib/route-writer.ts';
import type { KernelRoute } from '../../../bgp/fib/rtnetlink.ts';
import { RTN } from '../../../bgp/fib/rtnetlink.ts';
import { P, announce, attrs, makeRib, peer, seq } from '../rib/helpers.ts';

/** Records what would be written; `fail` picks the errno for an op. */
class FakeWriter implements RouteWriter {
  readonly batches: RouteOp[][] = [];
  fail: (op: RouteOp) => number = () => 0;
  kernel: KernelRoute[] = [];
  async apply(ops: readonly RouteOp[]): Promise<Int32Array> {
    this.batches.push([...ops]);
    return Int32Array.from(ops.map((o) => this.fail(o)));
  }
  async dump(): Promise<KernelRoute[]> {
    return this.kernel;
  }
  close(): void {}
}

const describeOp = (o: RouteOp): string =>
  `${o.kind} ${[...o.route.dst].join('.')}/${o.route.dstLen}` +
  (o.route.type === RTN.BLACKHOLE ? ' blackhole' : o.route.nextHops.map((h) => ' via ' + [...h.gateway!].join('.')).join(''));

function setup(maxPaths = 1, blackholeOriginated = false) {
  const rib = makeRib({ maxPaths });
  const w = new FakeWriter();
  const fib = new FibSyncer(w, { blackholeOriginated });
  rib.subscribe((b) => fib.onChanges(b));
  const a = peer(rib, '192.0.2.1', 65001, '1.1.1.1');
  const b = peer(rib, '192.0.2.2', 65001, '2.2.2.2');
  return { rib, w, fib, a, b };
}

describe('the FIB syncer’s bookkeeping', () => {
  it('writes only the net difference of many changes, in one batch', async () => {
    const { rib, w, fib, a } = setup();
    announce(rib, a, attrs({ asPath: seq(65001), nextHop: '192.0.2.1' }), '10.1.0.0/16', '10.2.0.0/16');
    rib.flush();
    announce(rib, a, attrs({ asPath: seq(65001), nextHop: '192.0.2.9' }), '10.1.0.0/16');
    announce(rib, a, attrs({ asPath: seq(65001), nextHop: '192.0.2.1' }), '10.1.0.0/16');
    rib.withdraw(a, [P('10.2.0.0/16')]);
    rib.flush();
    await fib.flush();
    expect(w.batches.map((b) => b.map(describeOp))).to.deep.equal([['add 10.1.0.0/16 via 192.0.2.1']]);
    expect(w.batches[0]![0]!.route).to.include({ protocol: RTPROT_REEF, priority: 20, table: 254 });
  });

  it('turns an ECMP set into one multipath route, and back', async () => {
    const { rib, w, fib, a, b } = setup(2);
    announce(rib, a, attrs({ asPath: seq(65001), nextHop: '192.0.2.1' }), '10.1.0.0/16');
    announce(rib, b, attrs({ asPath: seq(65001), nextHop: '192.0.2.2' }), '10.1.0.0/16');
    rib.flush();
    await fib.flush();
    rib.withdraw(a, [P('10.1.0.0/16')]);
    rib.flush();
    await fib.flush();
    expect(w.batches.map((x) => x.map(describeOp))).to.deep.equal([['add 10.1.0.0/16 via 192.0.2.1 via 192.0.2.2'], ['replace 10.1.0.0/16 via 192.0.2.2']]);
  });

  it('takes an IPv6 prefix’s gateway from MP_REACH_NLRI', async () => {
    const { rib, w, fib, a } = setup();
    announce(rib, a, attrs({ asPath: seq(65001), nextHop: undefined, mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::1' } }), '2001:db8:1::/48');
    rib.flush();
    await fib.flush();
    const op = w.batches[0]![0]!;
    expect(op.route).to.include({ family: 10, dstLen: 48 });
    expect(Buffer.from(op.route.nextHops[0]!.gateway!).toString('hex')).to.equal('20010db8000000000000000000000001');
  });

  it('reports per-route failures and keeps going; a failed add is retried as an add', async () => {
    const { rib, w, fib, a } = setup();
    w.fail = (o) => (o.route.dst[1] === 2 ? 17 : 0);
    announce(rib, a, attrs({ asPath: seq(65001), nextHop: '192.0.2.1' }), '10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16');
    rib.flush();
    const r = await fib.flush();
    expect(r).to.deep.include({ added: 2, failed: [{ prefix: '10.2.0.0/16', op: 'add', errno: 17 }] });
    expect(fib.installedCount).to.equal(2);
  });

  it('treats deleting a route that is already gone as done', async () => {
    const { rib, w, fib, a } = setup();
    announce(rib, a, attrs({ asPath: seq(65001), nextHop: '192.0.2.1' }), '10.1.0.0/16');
    rib.flush();
    await fib.flush();
    w.fail = (o) => (o.kind === 'delete' ? 3 : 0);
    rib.withdraw(a, [P('10.1.0.0/16')]);
    rib.flush();
    expect(await fib.flush()).to.deep.equal({ added: 0, replaced: 0, deleted: 1, failed: [] });
    expect(fib.installedCount).to.equal(0);
  });

  it('installs blackholes only for originated prefixes, and only when configured', async () => {
    for (const enabled of [false, true]) {
      const { rib, w, fib } = setup(1, enabled);
      rib.originate(P('10.244.0.0/26'));
      rib.flush();
      await fib.flush();
      expect(w.batches.flat().map(describeOp)).to.deep.equal(enabled ? ['add 10.244.0.0/26 blackhole'] : []);
    }
  });

  it('on reconcile, deletes our stray routes, ignores other metrics, and adopts on request', async () => {
    const { rib, w, fib, a } = setup();
    const route = (third: number, gw: number, priority = 20): KernelRoute => ({
      family: 2,
      dst: Buffer.from([10, third, 0, 0]),
      dstLen: 16,
      table: 254,
      protocol: RTPROT_REEF,
      type: RTN.UNICAST,
      scope: 0,
      priority,
      nextHops: [{ gateway: Buffer.from([192, 0, 2, gw]), ifindex: 3 }],
    });
    w.kernel = [route(1, 1), route(2, 1), route(3, 1, 99)];
    announce(rib, a, attrs({ asPath: seq(65001), nextHop: '192.0.2.1' }), '10.1.0.0/16');
    rib.flush();
    await fib.reconcile({ adopt: true });
    expect(w.batches.flat().map(describeOp)).to.deep.equal([]);
    await fib.sweep();
    expect(w.batches.flat().map(describeOp)).to.deep.equal(['delete 10.2.0.0/16']);
  });
});
