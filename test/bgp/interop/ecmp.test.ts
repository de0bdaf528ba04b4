import { expect } from 'chai';
import { useNetns } from '../../harness/netns.ts';
import { waitFor } from '../../harness/daemons/common.ts';
import { ReefBgp, RTPROT_REEF, type ReefSpec } from '../../harness/daemons/reef-bgp.ts';
import { makePeer } from './peers.ts';
import { lan, router, waitKernelRoute } from './topology.ts';

/**
 * ECMP: two top-of-rack routers in one AS (BIRD and FRR, as a mixed pair
 * would be in a real rack) announce the same prefix to reef over eBGP. With
 * multipath on, reef installs one kernel route with both next hops; when one
 * withdraws, the route shrinks to the other instead of flapping away.
 */
const NET = {
  ipv4: { addr: (i: number) => `10.240.0.${i}`, cidr: (i: number) => `10.240.0.${i}/24`, anycast: '10.241.0.0/24' },
  ipv6: { addr: (i: number) => `fd00:240::${i}`, cidr: (i: number) => `fd00:240::${i}/64`, anycast: 'fd00:241::/64' },
} as const;

describe('reef-bgp ECMP across two eBGP peers @integration', function () {
  this.timeout(60_000);
  const netns = useNetns({ perTest: true });

  for (const family of ['ipv4', 'ipv6'] as const) {
    it(`installs a multipath route for a prefix learned from BIRD and FRR (${family})`, async () => {
      const scope = netns();
      const n = NET[family];
      const [r, b, f] = [await router(scope), await router(scope), await router(scope)];
      const end = (ns: string, i: number) => ({ ns, name: 'lan0', ...(family === 'ipv4' ? { v4: n.cidr(i) } : { v6: n.cidr(i) }) });
      await lan(scope, [end(r, 1), end(b, 2), end(f, 3)]);
      const reef = new ReefBgp(scope, r);
      const bird = makePeer('bird', scope, b);
      const frr = makePeer('frr', scope, f);
      const spec: ReefSpec = {
        routerId: '10.240.0.1', asn: 65001, kernel: true, maxPaths: 8,
        neighbors: [2, 3].map((i) => ({ ip: n.addr(i), asn: 65002, gracefulRestart: false })),
      };
      const tor = (i: number) => ({
        routerId: `10.240.0.${i}`, asn: 65002, kernel: true, originate: [n.anycast], neighbors: [{ ip: n.addr(1), asn: 65001, holdTime: 9, families: [family] }],
      });
      try {
        await Promise.all([bird.start(tor(2)), frr.start(tor(3))]);
        await reef.start(spec);
        await Promise.all([reef.waitEstablished(n.addr(2)), reef.waitEstablished(n.addr(3))]);

        const both = [n.addr(2), n.addr(3)].sort();
        const rib = await waitFor('reef Loc-RIB with two next hops', async () => {
          const route = await reef.route(n.anycast);
          return route && route.nextHops.length === 2 ? route : undefined;
        }).catch(async (e: Error) => {
          throw new Error(`${e.message}; last: ${JSON.stringify(await reef.route(n.anycast))}`);
        });
        // An IPv6 peer may send a link-local next hop beside the global one; either is a right choice.
        const hop = (h: string): string => (family === 'ipv6' && h.startsWith('fe80:') ? 'link-local' : h);
        const expectHops = (got: readonly string[], want: readonly string[], what: string): void => {
          expect(got, what).to.have.length(want.length);
          for (const h of got) expect([...want, 'link-local'], `${what}: ${h}`).to.include(hop(h));
          if (family === 'ipv4') expect([...got].sort(), what).to.deep.equal([...want].sort());
        };
        expectHops(rib.nextHops, both, 'Loc-RIB next hops');
        const kr = await waitKernelRoute(scope, r, n.anycast, { proto: RTPROT_REEF, ok: (k) => k.via.length === 2 });
        expectHops(kr.via, both, 'kernel next hops');

        // One router withdraws: the multipath route becomes a single-path route via the other.
        await bird.setOriginate([]);
        const single = await waitKernelRoute(scope, r, n.anycast, { proto: RTPROT_REEF, ok: (k) => k.via.length === 1 });
        expectHops(single.via, [n.addr(3)], 'kernel next hop after the withdraw');
        expectHops((await reef.route(n.anycast))?.nextHops ?? [], [n.addr(3)], 'Loc-RIB next hop after the withdraw');
      } catch (e) {
        (e as Error).message += `\nreef-bgp log tail:\n${reef.logTail()}`;
        throw e;
      } finally {
        await Promise.all([reef.stop(), bird.stop(), frr.stop()]);
      }
    });
  }
});
