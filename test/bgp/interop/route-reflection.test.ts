import { expect } from 'chai';
import { useNetns } from '../../harness/netns.ts';
import { type DaemonSpec, waitFor } from '../../harness/daemons/common.ts';
import { ReefBgp, RTPROT_REEF, type ReefSpec } from '../../harness/daemons/reef-bgp.ts';
import { makePeer } from './peers.ts';
import { lan, router, waitKernelRoute, waitNoKernelRoute } from './topology.ts';

/**
 * Route reflection (RFC 4456) on one node subnet, all in AS 65001, as in a
 * cluster with the node-to-node mesh off. reef as the reflector for BIRD and
 * FRR: each client gets the other's route with the original next hop,
 * ORIGINATOR_ID set to the originating client and reef's cluster ID in
 * CLUSTER_LIST, as the clients themselves report. reef as a client of BIRD or
 * FRR: it learns the other client's route through the reflector, and its own
 * route reaches that client with ORIGINATOR_ID = reef.
 */
const AS = 65001;
const CLUSTER = '10.255.0.1';
const NET = {
  ipv4: { addr: (i: number) => `10.230.0.${i}`, len: 24, prefix: (i: number) => `10.231.${i}.0/24` },
  ipv6: { addr: (i: number) => `fd00:230::${i}`, len: 64, prefix: (i: number) => `fd00:231:${i}::/64` },
} as const;
const RID = (i: number): string => `10.230.0.${i}`;

describe('reef-bgp route reflection with BIRD and FRR @integration', function () {
  this.timeout(60_000);
  const netns = useNetns({ perTest: true });

  for (const family of ['ipv4', 'ipv6'] as const) {
    it(`reef reflects between BIRD and FRR (${family}) with ORIGINATOR_ID and CLUSTER_LIST`, async () => {
      const scope = netns();
      const n = NET[family];
      const [r, b, f] = [await router(scope), await router(scope), await router(scope)];
      const end = (ns: string, i: number) => ({ ns, name: 'lan0', ...(family === 'ipv4' ? { v4: `${n.addr(i)}/${n.len}` } : { v6: `${n.addr(i)}/${n.len}` }) });
      await lan(scope, [end(r, 1), end(b, 2), end(f, 3)]);
      const reef = new ReefBgp(scope, r);
      const bird = makePeer('bird', scope, b);
      const frr = makePeer('frr', scope, f);
      const reefSpec: ReefSpec = {
        routerId: RID(1), asn: AS, kernel: true, clusterId: CLUSTER, originate: [n.prefix(1)],
        neighbors: [2, 3].map((i) => ({ ip: n.addr(i), asn: AS, rrClient: true, gracefulRestart: false })),
      };
      const client = (i: number): DaemonSpec => ({
        routerId: RID(i), asn: AS, kernel: true, originate: [n.prefix(i)], neighbors: [{ ip: n.addr(1), asn: AS, holdTime: 9, families: [family] }],
      });
      try {
        await Promise.all([bird.start(client(2)), frr.start(client(3))]);
        await reef.start(reefSpec);
        await Promise.all([reef.waitEstablished(n.addr(2)), reef.waitEstablished(n.addr(3)), bird.waitEstablished(n.addr(1)), frr.waitEstablished(n.addr(1))]);

        for (const [to, from] of [[bird, 3], [frr, 2]] as const) {
          await waitFor(`${to.kind} learns ${n.prefix(from)} through reef`, async () => ((await to.learned()).includes(n.prefix(from)) ? true : undefined));
          const a = await to.routeAttrs(n.prefix(from));
          expect(a.originator, `ORIGINATOR_ID at ${to.kind}`).to.equal(RID(from));
          expect(a.clusters, `CLUSTER_LIST at ${to.kind}`).to.deep.equal([CLUSTER]);
          expect(a.nextHop, `next hop at ${to.kind} is the originating client's`).to.equal(n.addr(from));
          const kr = await waitKernelRoute(scope, to.ns, n.prefix(from), { proto: to.kernelProto! });
          expect(kr.via).to.deep.equal([n.addr(from)]);
          // reef's own route reaches both clients, without reflection attributes.
          await waitFor(`${to.kind} learns reef's ${n.prefix(1)}`, async () => ((await to.learned()).includes(n.prefix(1)) ? true : undefined));
          expect((await to.routeAttrs(n.prefix(1))).clusters).to.deep.equal([]);
        }
        for (const i of [2, 3]) {
          const kr = await waitKernelRoute(scope, r, n.prefix(i), { proto: RTPROT_REEF });
          expect(kr.via).to.deep.equal([n.addr(i)]);
        }

        // A withdraw is reflected too: BIRD stops originating, FRR and reef forget it.
        await bird.setOriginate([]);
        await waitFor(`FRR drops ${n.prefix(2)}`, async () => ((await frr.learned()).includes(n.prefix(2)) ? undefined : true));
        await waitNoKernelRoute(scope, f, n.prefix(2));
        await waitNoKernelRoute(scope, r, n.prefix(2));
      } catch (e) {
        (e as Error).message += `\nreef-bgp log tail:\n${reef.logTail()}`;
        throw e;
      } finally {
        await Promise.all([reef.stop(), bird.stop(), frr.stop()]);
      }
    });
  }

  const clientCases = [
    { reflector: 'bird', other: 'frr', family: 'ipv4' },
    { reflector: 'frr', other: 'bird', family: 'ipv4' },
    { reflector: 'bird', other: 'frr', family: 'ipv6' },
  ] as const;
  for (const c of clientCases) {
    it(`reef is a client of ${c.reflector} as reflector, next to ${c.other} (${c.family})`, async () => {
      const scope = netns();
      const n = NET[c.family];
      const [r, x, o] = [await router(scope), await router(scope), await router(scope)];
      const end = (ns: string, i: number) => ({ ns, name: 'lan0', ...(c.family === 'ipv4' ? { v4: `${n.addr(i)}/${n.len}` } : { v6: `${n.addr(i)}/${n.len}` }) });
      // reef .1, reflector .2, the other client .3
      await lan(scope, [end(r, 1), end(x, 2), end(o, 3)]);
      const reef = new ReefBgp(scope, r);
      const rr = makePeer(c.reflector, scope, x);
      const other = makePeer(c.other, scope, o);
      try {
        await rr.start({
          routerId: RID(2), asn: AS, kernel: true, clusterId: CLUSTER, originate: [],
          neighbors: [1, 3].map((i) => ({ ip: n.addr(i), asn: AS, rrClient: true, holdTime: 9, families: [c.family] })),
        });
        await other.start({ routerId: RID(3), asn: AS, kernel: true, originate: [n.prefix(3)], neighbors: [{ ip: n.addr(2), asn: AS, holdTime: 9, families: [c.family] }] });
        await reef.start({ routerId: RID(1), asn: AS, kernel: true, originate: [n.prefix(1)], neighbors: [{ ip: n.addr(2), asn: AS, gracefulRestart: false }] });
        await Promise.all([reef.waitEstablished(n.addr(2)), rr.waitEstablished(n.addr(1)), other.waitEstablished(n.addr(2))]);

        const learned = await waitFor(`reef learns ${n.prefix(3)} through ${c.reflector}`, () => reef.route(n.prefix(3)));
        expect(learned.nextHops).to.deep.equal([n.addr(3)]);
        const kr = await waitKernelRoute(scope, r, n.prefix(3), { proto: RTPROT_REEF });
        expect(kr.via).to.deep.equal([n.addr(3)]);

        await waitFor(`${c.other} learns reef's ${n.prefix(1)}`, async () => ((await other.learned()).includes(n.prefix(1)) ? true : undefined));
        const a = await other.routeAttrs(n.prefix(1));
        expect(a.originator, 'ORIGINATOR_ID = reef').to.equal(RID(1));
        expect(a.clusters).to.deep.equal([CLUSTER]);
        expect(a.nextHop).to.equal(n.addr(1));
        expect((await waitKernelRoute(scope, o, n.prefix(1), { proto: other.kernelProto! })).via).to.deep.equal([n.addr(1)]);

        reef.reload({ routerId: RID(1), asn: AS, kernel: true, originate: [], neighbors: [{ ip: n.addr(2), asn: AS, gracefulRestart: false }] });
        await waitNoKernelRoute(scope, o, n.prefix(1));
        await other.setOriginate([]);
        await waitNoKernelRoute(scope, r, n.prefix(3));
      } catch (e) {
        (e as Error).message += `\nreef-bgp log tail:\n${reef.logTail()}`;
        throw e;
      } finally {
        await Promise.all([reef.stop(), rr.stop(), other.stop()]);
      }
    });
  }
});
