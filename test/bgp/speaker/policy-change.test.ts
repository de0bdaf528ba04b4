import { expect } from 'chai';
import winston from 'winston';
import type { RouteOp, RouteWriter } from '../../../bgp/fib/route-writer.ts';
import type { KernelRoute } from '../../../bgp/fib/rtnetlink.ts';
import { Speaker } from '../../../bgp/speaker.ts';
import type { PeerConfig, PeerStatus, PrefixRule } from '../../../bgp/speaker/types.ts';
import { waitFor } from '../../harness/daemons/common.ts';

/**
 * Peer policy changes on live sessions: three reef Speakers over loopback TCP
 * (a in the middle, eBGP to b and c). A change to a's import or export rules
 * for b must reach the Loc-RIB, a's kernel (an in-memory RouteWriter), b and
 * c without a new session; a change to the session's shape still resets it.
 */
const quiet = winston.createLogger({ silent: true });

/** A kernel that keeps what was written, by destination. */
class MemoryKernel implements RouteWriter {
  readonly installed = new Set<string>();
  async apply(ops: readonly RouteOp[]): Promise<Int32Array> {
    for (const o of ops) {
      const key = `${[...o.route.dst].join('.')}/${o.route.dstLen}`;
      if (o.kind === 'delete') this.installed.delete(key);
      else this.installed.add(key);
    }
    return new Int32Array(ops.length);
  }
  async dump(): Promise<KernelRoute[]> {
    return [];
  }
  close(): void {}
}

const prefixesAt = (s: Speaker): string[] => s.routes('ipv4').map((r) => r.prefix).sort();
const peerOf = (s: Speaker, address: string): PeerStatus => s.status().peers.find((p) => p.address === address)!;

/** Waits until the speaker's Loc-RIB holds exactly `want` (IPv4). */
function until(s: Speaker, want: string[], what: string): Promise<true> {
  return waitFor(what, async () => (JSON.stringify(prefixesAt(s)) === JSON.stringify([...want].sort()) ? true : undefined), 10_000, 20).catch((e: Error) => {
    throw new Error(`${e.message}; have ${JSON.stringify(prefixesAt(s))}`);
  });
}

const reject = (prefix: string): PrefixRule => ({ prefix, action: 'reject' });

describe('peer policy changes on a running speaker', function () {
  this.timeout(30_000);
  let a: Speaker;
  let b: Speaker;
  let c: Speaker;
  let kernel: MemoryKernel;
  /** Session events on every side since the three sessions came up. */
  let events: string[];

  let asB = 65002;
  let asC = 65003;
  const toB = (extra: Partial<PeerConfig> = {}): PeerConfig => ({ name: 'b', address: '127.0.0.2', asNumber: asB, port: b.port, holdTime: 9, ...extra });
  const toC = (): PeerConfig => ({ name: 'c', address: '127.0.0.3', asNumber: asC, port: c.port, holdTime: 9 });

  /** eBGP from a to b and c unless `ibgp`: then all three are in AS 65001. */
  async function up(aToB: Partial<PeerConfig>, ibgp = false): Promise<void> {
    kernel = new MemoryKernel();
    [asB, asC] = ibgp ? [65001, 65001] : [65002, 65003];
    a = new Speaker({ asNumber: 65001, routerId: '127.0.0.1', listen: { address: '127.0.0.1', port: 0 }, log: quiet, kernel: { enabled: true }, routeWriter: kernel });
    b = new Speaker({ asNumber: asB, routerId: '127.0.0.2', listen: { address: '127.0.0.2', port: 0 }, log: quiet });
    c = new Speaker({ asNumber: asC, routerId: '127.0.0.3', listen: { address: '127.0.0.3', port: 0 }, log: quiet });
    await Promise.all([a.start(), b.start(), c.start()]);
    a.setPeers([toB(aToB), toC()]);
    b.setPeers([{ address: '127.0.0.1', asNumber: 65001, port: a.port, holdTime: 9 }]);
    c.setPeers([{ address: '127.0.0.1', asNumber: 65001, port: a.port, holdTime: 9 }]);
    await waitFor('three sessions up', async () => (peerOf(a, '127.0.0.2').state === 'Established' && peerOf(a, '127.0.0.3').state === 'Established' ? true : undefined), 10_000, 20);
    events = [];
    for (const [name, s] of [['a', a], ['b', b], ['c', c]] as const) {
      s.on('peerUp', (p) => events.push(`${name}: up ${p.address}`));
      s.on('peerDown', (p, why) => events.push(`${name}: down ${p.address} (${why})`));
    }
  }

  afterEach(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
  });

  it('export rules: withdraws what is no longer exported and announces what now is, on the same session', async () => {
    await up({ export: [reject('10.1.1.0/24')] });
    a.setOriginated([{ prefix: '10.1.0.0/24' }, { prefix: '10.1.1.0/24' }]);
    await until(b, ['10.1.0.0/24'], 'b has what the first export rules let out');
    const uptime = peerOf(a, '127.0.0.2').uptimeSeconds;

    expect(a.setPeers([toB({ export: [reject('10.1.0.0/24')] }), toC()])).to.deep.equal({ added: 0, removed: 0, reset: 0, updated: 1 });
    await until(b, ['10.1.1.0/24'], 'b follows the new export rules');
    expect(peerOf(a, '127.0.0.2').prefixes.advertised).to.equal(1);

    a.setPeers([toB({ export: 'none' }), toC()]);
    await until(b, [], 'b has nothing after export: none');
    expect(peerOf(a, '127.0.0.2').prefixes.advertised).to.equal(0);

    a.setPeers([toB(), toC()]);
    await until(b, ['10.1.0.0/24', '10.1.1.0/24'], 'b has everything after the rules are gone');
    expect(prefixesAt(c), 'c was never affected').to.deep.equal(['10.1.0.0/24', '10.1.1.0/24']);
    expect(events, 'no session went down or came up').to.deep.equal([]);
    expect(peerOf(a, '127.0.0.2').uptimeSeconds).to.be.at.least(uptime);
  });

  it('export rules: a session that came up with export: none starts advertising', async () => {
    await up({ export: 'none' });
    a.setOriginated([{ prefix: '10.1.0.0/24' }]);
    await until(c, ['10.1.0.0/24'], 'c has a’s prefix');
    expect(prefixesAt(b)).to.deep.equal([]);
    a.setPeers([toB({ export: [] }), toC()]);
    await until(b, ['10.1.0.0/24'], 'b gets a’s prefix');
    expect(events).to.deep.equal([]);
  });

  it('import rules: accepts a prefix it rejected and drops one it accepted, through the Loc-RIB, the kernel and the other peer', async () => {
    await up({ import: [reject('10.2.1.0/24')] });
    b.setOriginated([{ prefix: '10.2.0.0/24' }, { prefix: '10.2.1.0/24' }]);
    await until(a, ['10.2.0.0/24'], 'a accepts only what the first import rules allow');
    await until(c, ['10.2.0.0/24'], 'c learns it through a');
    expect(peerOf(a, '127.0.0.2').prefixes).to.deep.include({ received: 2, accepted: 1 });
    await waitFor('a’s kernel has 10.2.0.0/24', async () => (kernel.installed.has('10.2.0.0/24') ? true : undefined), 10_000, 20);

    expect(a.setPeers([toB({ import: [reject('10.2.0.0/24')] }), toC()])).to.deep.equal({ added: 0, removed: 0, reset: 0, updated: 1 });
    await until(a, ['10.2.1.0/24'], 'a follows the new import rules');
    expect(peerOf(a, '127.0.0.2').prefixes).to.deep.include({ received: 2, accepted: 1 });
    await until(c, ['10.2.1.0/24'], 'c follows a’s Loc-RIB');
    await waitFor('a’s kernel follows', async () => (kernel.installed.has('10.2.1.0/24') && !kernel.installed.has('10.2.0.0/24') ? true : undefined), 10_000, 20);
    expect(a.pathCount).to.equal(1);

    a.setPeers([toB(), toC()]);
    await until(a, ['10.2.0.0/24', '10.2.1.0/24'], 'a accepts both without rules');
    expect(peerOf(a, '127.0.0.2').prefixes).to.deep.include({ received: 2, accepted: 2 });
    expect(events, 'no session went down or came up').to.deep.equal([]);
  });

  it('routeReflectorClient: making b a client reflects its routes to the other iBGP peer, and undoing it withdraws them', async () => {
    await up({}, true);
    b.setOriginated([{ prefix: '10.2.0.0/24' }]);
    await until(a, ['10.2.0.0/24'], 'a learns b’s prefix over iBGP');
    expect(prefixesAt(c), 'not reflected while nobody is a client').to.deep.equal([]);
    expect(a.setPeers([toB({ routeReflectorClient: true }), toC()])).to.deep.include({ reset: 0, updated: 1 });
    await until(c, ['10.2.0.0/24'], 'c gets b’s prefix reflected');
    a.setPeers([toB(), toC()]);
    await until(c, [], 'c loses it again');
    expect(events).to.deep.equal([]);
  });

  it('a maxPrefixes lowered below what the peer sends ends the session with Cease / Maximum Number of Prefixes', async () => {
    await up({});
    b.setOriginated([{ prefix: '10.2.0.0/24' }, { prefix: '10.2.1.0/24' }]);
    await until(a, ['10.2.0.0/24', '10.2.1.0/24'], 'a has b’s prefixes');
    const down = new Promise<string>((r) => b.once('peerDown', (_p, why) => r(why)));
    expect(a.setPeers([toB({ maxPrefixes: 1 }), toC()])).to.deep.include({ reset: 0, updated: 1 });
    expect(await down).to.match(/cease \/ maximum prefixes/i);
  });

  it('a session-shape change still resets the session, even when policy changed with it', async () => {
    await up({});
    const down = new Promise<string>((r) => b.once('peerDown', (_p, why) => r(why)));
    expect(a.setPeers([toB({ holdTime: 30, import: [reject('10.2.0.0/24')] }), toC()])).to.deep.equal({ added: 0, removed: 0, reset: 1, updated: 0 });
    expect(await down).to.match(/configuration change/i);
    await waitFor('b back up', async () => (peerOf(a, '127.0.0.2').state === 'Established' ? true : undefined), 15_000, 20);
    expect(events.filter((e) => e.startsWith('a: up'))).to.deep.equal(['a: up 127.0.0.2']);
  });
});
