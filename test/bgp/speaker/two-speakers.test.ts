import { expect } from 'chai';
import winston from 'winston';
import { Speaker } from '../../../bgp/speaker.ts';
import type { PeerConfig, PeerStatus } from '../../../bgp/speaker/types.ts';
import { waitFor } from '../../harness/daemons/common.ts';

/**
 * Two reef Speakers in one process over loopback TCP (127.0.0.1 and
 * 127.0.0.2, ephemeral ports), eBGP between AS 65001 and AS 65002. Both
 * sides dial, so connection collision is exercised on every start.
 */
const quiet = winston.createLogger({ silent: true });

function speaker(asNumber: number, address: string): Speaker {
  return new Speaker({ asNumber, routerId: address, listen: { address, port: 0 }, log: quiet });
}

function peerOf(s: Speaker, address: string): PeerStatus | undefined {
  return s.status().peers.find((p) => p.address === address);
}

const hasRoute = (s: Speaker, prefix: string, family: 'ipv4' | 'ipv6' = 'ipv4') => async () => s.routes(family).find((r) => r.prefix === prefix);
const noRoute = (s: Speaker, prefix: string) => async () => (s.routes().some((r) => r.prefix === prefix) ? undefined : true);

describe('two reef speakers over loopback', function () {
  this.timeout(30_000);
  let a: Speaker;
  let b: Speaker;

  async function connect(extraA: Partial<PeerConfig> = {}, extraB: Partial<PeerConfig> = {}): Promise<void> {
    a = speaker(65001, '127.0.0.1');
    b = speaker(65002, '127.0.0.2');
    await a.start();
    await b.start();
    a.setPeers([{ name: 'b', address: '127.0.0.2', asNumber: 65002, port: b.port, families: ['ipv4', 'ipv6'], holdTime: 9, ...extraA }]);
    b.setPeers([{ name: 'a', address: '127.0.0.1', asNumber: 65001, port: a.port, families: ['ipv4', 'ipv6'], holdTime: 9, ...extraB }]);
  }

  afterEach(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('reaches Established on both sides and carries routes both ways', async () => {
    await connect();
    a.setOriginated([{ prefix: '10.1.0.0/24', communities: ['65001:7'] }, { prefix: 'fd00:1::/64' }]);
    b.setOriginated([{ prefix: '10.2.0.0/24' }]);
    const atB = await waitFor('10.1.0.0/24 at b', hasRoute(b, '10.1.0.0/24'), 10_000, 20);
    expect(atB).to.include({ peer: '127.0.0.1', asPath: '65001', origin: 'igp' });
    expect(atB.nextHops).to.deep.equal(['127.0.0.1']);
    const v6 = await waitFor('fd00:1::/64 at b', hasRoute(b, 'fd00:1::/64', 'ipv6'), 10_000, 20);
    expect(v6.nextHops).to.deep.equal(['::ffff:7f00:1']);
    const atA = await waitFor('10.2.0.0/24 at a', hasRoute(a, '10.2.0.0/24'), 10_000, 20);
    expect(atA).to.include({ peer: '127.0.0.2', asPath: '65002' });
    expect(peerOf(a, '127.0.0.2')).to.deep.include({ name: 'b', state: 'Established', prefixes: { received: 1, accepted: 1, advertised: 2 } });
    expect(peerOf(b, '127.0.0.1')!.prefixes).to.deep.equal({ received: 2, accepted: 2, advertised: 1 });
    // Our own routes do not come back from the peer (its AS path would hold ours: loop check).
    expect(a.routes('ipv4').map((r) => r.prefix).sort()).to.deep.equal(['10.1.0.0/24', '10.2.0.0/24']);
  });

  it('withdraws what is no longer originated, and stop() takes the peer’s routes away', async () => {
    await connect();
    a.setOriginated([{ prefix: '10.1.0.0/24' }, { prefix: '10.1.1.0/24' }]);
    await waitFor('both at b', async () => (b.routes().length === 2 ? true : undefined), 10_000, 20);
    a.setOriginated([{ prefix: '10.1.1.0/24' }]);
    await waitFor('10.1.0.0/24 gone at b', noRoute(b, '10.1.0.0/24'), 10_000, 20);
    expect(b.routes().map((r) => r.prefix)).to.deep.equal(['10.1.1.0/24']);

    const down = new Promise<string>((r) => b.once('peerDown', (_p, why) => r(why)));
    await a.stop();
    expect(await down).to.match(/Cease/i);
    await waitFor('10.1.1.0/24 gone at b', noRoute(b, '10.1.1.0/24'), 10_000, 20);
    expect(peerOf(b, '127.0.0.1')!.lastError).to.match(/administrative shutdown/i);
  });

  it('ceases the session when the peer goes over maxPrefixes', async () => {
    await connect({}, { maxPrefixes: 2 });
    const down = new Promise<string>((r) => a.once('peerDown', (_p, why) => r(why)));
    a.setOriginated([{ prefix: '10.1.0.0/24' }, { prefix: '10.1.1.0/24' }, { prefix: '10.1.2.0/24' }]);
    expect(await down).to.match(/cease \/ maximum prefixes/i);
    expect(peerOf(b, '127.0.0.1')!.lastError).to.match(/^maximum of 2 prefixes reached/);
    await waitFor('b forgot a’s routes', async () => (b.routes().length === 0 ? true : undefined), 10_000, 20);
  });

  it('removes a de-configured peer with Cease / Peer De-configured and resets a changed one', async () => {
    await connect();
    b.setOriginated([{ prefix: '10.2.0.0/24' }]);
    await waitFor('route at a', hasRoute(a, '10.2.0.0/24'), 10_000, 20);
    const down = new Promise<string>((r) => a.once('peerDown', (_p, why) => r(why)));
    expect(b.setPeers([])).to.deep.equal({ added: 0, removed: 1, reset: 0, updated: 0 });
    expect(await down).to.match(/de-?configured/i);
    await waitFor('route gone at a', noRoute(a, '10.2.0.0/24'), 10_000, 20);
    expect(b.status().peers).to.have.length(0);

    b.setPeers([{ address: '127.0.0.1', asNumber: 65001, port: a.port, families: ['ipv4', 'ipv6'], holdTime: 9 }]);
    await waitFor('route back at a', hasRoute(a, '10.2.0.0/24'), 15_000, 20);
    const renamed = b.setPeers([{ name: 'renamed', address: '127.0.0.1', asNumber: 65001, port: a.port, families: ['ipv4', 'ipv6'], holdTime: 9 }]);
    expect(renamed).to.deep.equal({ added: 0, removed: 0, reset: 0, updated: 0 });
    expect(peerOf(b, '127.0.0.1')).to.include({ name: 'renamed', state: 'Established' });
    const reset = b.setPeers([{ address: '127.0.0.1', asNumber: 65001, port: a.port, families: ['ipv4', 'ipv6'], holdTime: 30 }]);
    expect(reset).to.deep.equal({ added: 0, removed: 0, reset: 1, updated: 0 });
  });
});
