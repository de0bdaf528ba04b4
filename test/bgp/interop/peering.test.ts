import { expect } from 'chai';
import { useNetns } from '../../harness/netns.ts';
import { waitFor } from '../../harness/daemons/common.ts';
import { ReefBgp, RTPROT_REEF, type ReefSpec } from '../../harness/daemons/reef-bgp.ts';
import type { DaemonSpec } from '../../harness/daemons/common.ts';
import { makePeer, PEER_KINDS, type PeerDaemon } from './peers.ts';
import { p2p, router, waitKernelRoute, waitNoKernelRoute } from './topology.ts';

/**
 * reef-bgp against BIRD 2, FRR and GoBGP on one link, eBGP and iBGP, IPv4 and
 * IPv6 (one session per family, over that family's addresses). Each case
 * checks the whole life of a route both ways: learned into the RIB and the
 * kernel on the other side, withdrawn (reef by SIGHUP reload, the peer through
 * its CLI), announced again, and removed when the session is shut down, by
 * the peer (its CLI) and by reef (the peer removed from the config, SIGHUP).
 */
const FAMILIES = {
  ipv4: { reef: '10.210.0.1', peer: '10.210.0.2', reefPrefix: '10.211.1.0/24', peerPrefix: '10.211.2.0/24' },
  ipv6: { reef: 'fd00:210::1', peer: 'fd00:210::2', reefPrefix: 'fd00:211:1::/64', peerPrefix: 'fd00:211:2::/64' },
} as const;

describe('reef-bgp peering with BIRD, FRR and GoBGP @integration', function () {
  this.timeout(60_000);
  const netns = useNetns({ perTest: true });

  for (const kind of PEER_KINDS) {
    for (const type of ['ebgp', 'ibgp'] as const) {
      for (const family of ['ipv4', 'ipv6'] as const) {
        it(`${kind} ${type} ${family}: routes flow both ways, follow withdraws, and go with the session`, async () => {
          const scope = netns();
          const f = FAMILIES[family];
          const [rns, pns] = [await router(scope), await router(scope)];
          await p2p(scope, { ns: rns, name: 'to-peer', v4: '10.210.0.1/24', v6: 'fd00:210::1/64' }, { ns: pns, name: 'to-reef', v4: '10.210.0.2/24', v6: 'fd00:210::2/64' });
          const reefAs = 65001;
          const peerAs = type === 'ebgp' ? 65002 : 65001;
          const reefSpec: ReefSpec = {
            routerId: '10.210.0.1', asn: reefAs, kernel: true, originate: [f.reefPrefix],
            neighbors: [{ ip: f.peer, asn: peerAs, holdTime: 9, gracefulRestart: false }],
          };
          const peerSpec: DaemonSpec = {
            routerId: '10.210.0.2', asn: peerAs, kernel: true, originate: [f.peerPrefix],
            neighbors: [{ ip: f.reef, asn: reefAs, holdTime: 9, families: [family] }],
          };
          const reef = new ReefBgp(scope, rns);
          const peer: PeerDaemon = makePeer(kind, scope, pns);
          try {
            await peer.start(peerSpec);
            await reef.start(reefSpec);
            await reef.waitEstablished(f.peer);
            await peer.waitEstablished(f.reef);

            // Peer -> reef: Loc-RIB, then the kernel with reef's protocol number.
            const learned = await waitFor(`reef learns ${f.peerPrefix}`, () => reef.route(f.peerPrefix));
            expect(learned.nextHops.length, JSON.stringify(learned)).to.equal(1);
            const kr = await waitKernelRoute(scope, rns, f.peerPrefix, { proto: RTPROT_REEF });
            expect(kr.via).to.have.length(1);
            if (family === 'ipv4') expect(kr.via[0]).to.equal(f.peer);
            else expect(kr.via[0], 'an IPv6 next hop of the peer (global or link-local)').to.match(/^(fd00:210::2|fe80:)/);

            // Reef -> peer: its RIB, and its kernel where it has one.
            await waitFor(`${kind} learns ${f.reefPrefix}`, async () => ((await peer.learned()).includes(f.reefPrefix) ? true : undefined));
            if (peer.kernelProto) {
              const pr = await waitKernelRoute(scope, pns, f.reefPrefix, { proto: peer.kernelProto });
              expect(pr.via).to.have.length(1);
              expect(pr.via[0], 'reef as next hop (global or link-local)').to.match(family === 'ipv4' ? new RegExp(`^${f.reef}$`) : /^(fd00:210::1|fe80:)/);
            }

            // Withdraw from reef: SIGHUP with the prefix gone from the config.
            reef.reload({ ...reefSpec, originate: [] });
            await waitFor(`${kind} drops ${f.reefPrefix}`, async () => ((await peer.learned()).includes(f.reefPrefix) ? undefined : true));
            if (peer.kernelProto) await waitNoKernelRoute(scope, pns, f.reefPrefix);
            expect(await reef.state(f.peer), 'a reload that changes only originate must keep the session').to.match(/established/i);

            // Withdraw from the peer, through its own CLI.
            await peer.setOriginate([]);
            await waitFor(`reef drops ${f.peerPrefix}`, async () => ((await reef.route(f.peerPrefix)) ? undefined : true));
            await waitNoKernelRoute(scope, rns, f.peerPrefix);

            // Both back, then the peer shuts the session down: everything learned over it goes.
            reef.reload(reefSpec);
            await peer.setOriginate([f.peerPrefix]);
            await waitKernelRoute(scope, rns, f.peerPrefix, { proto: RTPROT_REEF });
            await waitFor(`${kind} relearns ${f.reefPrefix}`, async () => ((await peer.learned()).includes(f.reefPrefix) ? true : undefined));
            if (peer.kernelProto) await waitKernelRoute(scope, pns, f.reefPrefix, { proto: peer.kernelProto });

            await peer.shutdown(f.reef);
            await waitFor('reef sees the session leave Established', async () => (/established/i.test(await reef.state(f.peer)) ? undefined : true));
            await waitFor(`reef drops ${f.peerPrefix} with the session`, async () => ((await reef.route(f.peerPrefix)) ? undefined : true));
            await waitNoKernelRoute(scope, rns, f.peerPrefix);
            await waitFor(`${kind} drops ${f.reefPrefix} with the session`, async () => ((await peer.learned()).includes(f.reefPrefix) ? undefined : true));
            if (peer.kernelProto) await waitNoKernelRoute(scope, pns, f.reefPrefix);

            // Back up, then reef drops the peer from its config: the same, from reef's side.
            await peer.unshutdown(f.reef);
            await reef.waitEstablished(f.peer);
            await waitKernelRoute(scope, rns, f.peerPrefix, { proto: RTPROT_REEF });
            await waitFor(`${kind} relearns ${f.reefPrefix}`, async () => ((await peer.learned()).includes(f.reefPrefix) ? true : undefined));
            reef.reload({ ...reefSpec, neighbors: [] });
            await waitFor(`${kind} sees the session leave Established`, async () => (/established/i.test(await peer.state(f.reef)) ? undefined : true));
            await waitFor(`reef forgets ${f.peerPrefix} of the removed peer`, async () => ((await reef.route(f.peerPrefix)) ? undefined : true));
            await waitNoKernelRoute(scope, rns, f.peerPrefix);
            await waitFor(`${kind} drops ${f.reefPrefix} of the removed peer`, async () => ((await peer.learned()).includes(f.reefPrefix) ? undefined : true));
            if (peer.kernelProto) await waitNoKernelRoute(scope, pns, f.reefPrefix);
            expect(await reef.peer(f.peer), 'a removed peer leaves /status').to.equal(undefined);
          } catch (e) {
            (e as Error).message += `\nreef-bgp log tail:\n${reef.logTail()}\n(${peer.describe()})`;
            throw e;
          } finally {
            await Promise.all([reef.stop(), peer.stop()]);
          }
        });
      }
    }
  }
});
