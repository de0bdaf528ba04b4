import { expect } from 'chai';
import { Session, tcpDialer, type Negotiated } from '../../../bgp/session/index.ts';
import { encodeMessage, parsePrefix, type Ipv4Prefix } from '../../../bgp/wire/index.ts';
import { useNetns } from '../../harness/netns.ts';
import { Bird } from '../../harness/daemons/bird.ts';
import { waitFor } from '../../harness/daemons/common.ts';
import { quiet, recordingSink } from './harness.ts';

/**
 * The session against a real BIRD 2 in a namespace: reef dials from the root
 * namespace over a veth, BIRD is passive. Routes go both ways, so the OPEN,
 * UPDATE encoder and fast decoder meet an independent implementation.
 */
describe('session against BIRD 2 @integration', function () {
  this.timeout(60_000);
  const netns = useNetns();

  it('reaches Established, learns BIRD’s prefix, and BIRD learns ours', async () => {
    const scope = netns();
    const ns = await scope.createNamespace();
    const rootIf = `rb${process.pid % 100000}`;
    await scope.veth({ ns: null, name: rootIf, address: '10.202.0.1/30' }, { ns, name: 'br0', address: '10.202.0.2/30' });
    const bird = new Bird(scope, ns);
    const sink = recordingSink();
    const session = new Session({
      config: { localAs: 65011, peerAs: 65010, localRouterId: '10.202.0.1', peerAddress: '10.202.0.2', holdTime: 30, connectRetryTime: 2, idleHoldTime: 1 },
      sink,
      dialer: tcpDialer({ host: '10.202.0.2', localAddress: '10.202.0.1', timeoutMs: 2000 }),
      log: quiet,
    });
    try {
      await bird.start({ routerId: '10.202.0.2', asn: 65010, neighbors: [{ ip: '10.202.0.1', asn: 65011, passive: true, gracefulRestart: true }], originate: ['192.0.2.0/24'] });
      const established = new Promise<Negotiated>((r) => session.once('established', r));
      session.start();
      const n = await established;
      expect(n).to.include({ peerAs: 65010, peerRouterId: '10.202.0.2', fourOctetAs: true, routeRefresh: true });
      expect(n.gracefulRestart?.restartTime).to.equal(60);
      await bird.waitEstablished(1);
      await waitFor('BIRD prefix at reef', async () => (sink.announced.includes('192.0.2.0/24') ? true : undefined));

      session.sendRaw(
        encodeMessage(
          { type: 'UPDATE', withdrawn: [], attributes: { origin: 0, asPath: [{ type: 2, asns: [65011] }], nextHop: '10.202.0.1', communities: [0xfdf30001] }, nlri: [parsePrefix('198.51.100.0/24') as Ipv4Prefix] },
          { fourOctetAs: n.fourOctetAs },
        ),
      );
      await waitFor('reef prefix at BIRD', async () => ((await bird.bgpPrefixes()).includes('198.51.100.0/24') ? true : undefined));

      const down = new Promise<string>((r) => session.once('down', (d) => r(d.kind)));
      await bird.disable(1);
      expect(await down).to.equal('notification-received');
    } finally {
      session.stop();
      await bird.stop();
    }
  });
});
