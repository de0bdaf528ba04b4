import { expect } from 'chai';
import { useNetns } from '../../harness/netns.ts';
import { waitFor } from '../../harness/daemons/common.ts';
import { ReefBgp, RTPROT_REEF, type ReefSpec } from '../../harness/daemons/reef-bgp.ts';
import { makePeer, type PeerDaemon, type PeerKind } from './peers.ts';
import { host, p2p, PingStream, RouteMonitor, RouteWatch, router, waitKernelRoute } from './topology.ts';

/**
 * Graceful restart (RFC 4724) measured by traffic. Topology:
 *
 *   hostA --10.250.1.0/24-- reef ==eBGP== peer --10.250.2.0/24-- hostB
 *
 * Each router originates its host's /24; hostA pings hostB every 50 ms, so
 * every packet crosses one BGP-learned route on each router. One side is
 * killed with SIGKILL (a crash: no NOTIFICATION, kernel routes left behind)
 * and started again. The other side must keep the dead side's routes as
 * stale, the restarted side must keep its own kernel routes across the
 * restart, and neither route may leave either kernel at any moment; the
 * pings lost over the whole window stay under a small bound.
 */
const REEF = '10.250.0.1';
const PEER = '10.250.0.2';
const NET_A = '10.250.1.0/24';
const NET_B = '10.250.2.0/24';
const MAX_LOSS = 0.1;
/** Long enough that a helper which drops routes at once, or a restarter that flushes them at startup, shows a gap. */
const DOWN_MS = 1_500;

interface Case {
  restarts: 'reef' | PeerKind;
  peer: PeerKind;
}

const cases: Case[] = [
  { restarts: 'reef', peer: 'bird' },
  { restarts: 'reef', peer: 'frr' },
  { restarts: 'bird', peer: 'bird' },
  { restarts: 'frr', peer: 'frr' },
];

describe('reef-bgp graceful restart keeps traffic flowing @integration', function () {
  this.timeout(90_000);
  const netns = useNetns({ perTest: true });

  for (const c of cases) {
    it(`${c.restarts === 'reef' ? `reef restarts, ${c.peer} helps` : `${c.peer} restarts, reef helps`}`, async () => {
      const scope = netns();
      const [r, p] = [await router(scope), await router(scope)];
      await p2p(scope, { ns: r, name: 'to-peer', v4: `${REEF}/30` }, { ns: p, name: 'to-reef', v4: `${PEER}/30` });
      const hostA = await host(scope, r, { name: 'ha', v4net: NET_A, v6net: 'fd00:250:1::/64' });
      const hostB = await host(scope, p, { name: 'hb', v4net: NET_B, v6net: 'fd00:250:2::/64' });

      const reef = new ReefBgp(scope, r);
      const peer: PeerDaemon = makePeer(c.peer, scope, p);
      const reefSpec: ReefSpec = {
        routerId: REEF, asn: 65001, kernel: true, gracefulRestart: true, restartTime: 60, originate: [NET_A],
        neighbors: [{ ip: PEER, asn: 65002, holdTime: 9, gracefulRestart: true }],
      };
      let ping: PingStream | undefined;
      const watches: RouteWatch[] = [];
      let monitor: RouteMonitor | undefined;
      try {
        await peer.start({
          routerId: PEER, asn: 65002, kernel: true, originate: [NET_B],
          neighbors: [{ ip: REEF, asn: 65001, holdTime: 9, gracefulRestart: true }],
        });
        await reef.start(reefSpec);
        await Promise.all([reef.waitEstablished(PEER), peer.waitEstablished(REEF)]);
        await waitKernelRoute(scope, r, NET_B, { proto: RTPROT_REEF });
        await waitKernelRoute(scope, p, NET_A, { proto: peer.kernelProto! });

        ping = new PingStream(scope, hostA.ns, hostB.v4);
        await ping.waitFlowing(10);
        const reefRoute = new RouteWatch(scope, r, NET_B, RTPROT_REEF);
        const peerRoute = new RouteWatch(scope, p, NET_A, peer.kernelProto!);
        watches.push(reefRoute, peerRoute);
        monitor = await RouteMonitor.start(scope, r, NET_B);
        const from = ping.mark;

        if (c.restarts === 'reef') {
          await reef.kill();
          await new Promise((res) => setTimeout(res, DOWN_MS));
          expect(await peer.learned(), `${c.peer} must keep reef's route as stale while reef is down`).to.include(NET_A);
          await reef.start(reefSpec);
        } else {
          await peer.kill();
          await new Promise((res) => setTimeout(res, DOWN_MS));
          const stale = await reef.route(NET_B);
          expect(stale, `reef must keep ${c.peer}'s route as stale while it is down`).to.not.equal(undefined);
          await peer.restart();
        }
        await Promise.all([reef.waitEstablished(PEER), peer.waitEstablished(REEF)]);
        // Past End-of-RIB and the stale sweep on both sides: a wrong sweep would show as a gap here.
        await waitFor(`reef relearns ${NET_B} after the restart`, async () => ((await reef.route(NET_B)) ? true : undefined));
        await waitFor(`${c.peer} relearns ${NET_A} after the restart`, async () => ((await peer.learned()).includes(NET_A) ? true : undefined));
        await new Promise((res) => setTimeout(res, 2_000));
        await ping.waitFlowing(10);
        const to = ping.mark;

        const [reefPolls, peerPolls] = [await reefRoute.stop(), await peerRoute.stop()];
        expect(reefPolls, 'the watch on reef polled').to.be.greaterThan(10);
        expect(peerPolls, 'the watch on the peer polled').to.be.greaterThan(10);
        expect(reefRoute.gaps, `${NET_B} (proto 85) missing from reef's kernel at`).to.deep.equal([]);
        expect(peerRoute.gaps, `${NET_A} missing from ${c.peer}'s kernel at`).to.deep.equal([]);
        expect(monitor.deletions, `reef's kernel route ${NET_B} deleted (even if re-added at once)`).to.deep.equal([]);
        const loss = ping.loss(from, to);
        expect(loss.sent, 'pings sent across the restart').to.be.greaterThan(20);
        expect(loss.fraction, `ping loss across the restart: ${JSON.stringify(loss)}`).to.be.below(MAX_LOSS);

        // After the restart the routes are the fresh ones, with the right next hops.
        expect((await waitKernelRoute(scope, r, NET_B, { proto: RTPROT_REEF })).via).to.deep.equal([PEER]);
        expect((await waitKernelRoute(scope, p, NET_A, { proto: peer.kernelProto! })).via).to.deep.equal([REEF]);
      } catch (e) {
        (e as Error).message += `\nreef-bgp log tail:\n${reef.logTail()}\n(${peer.describe()})`;
        throw e;
      } finally {
        ping?.stop();
        monitor?.stop();
        for (const w of watches) await w.stop();
        await Promise.all([reef.stop(), peer.stop()]);
      }
    });
  }
});
