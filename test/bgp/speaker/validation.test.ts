import { expect } from 'chai';
import { Writable } from 'node:stream';
import winston from 'winston';
import { Speaker } from '../../../bgp/speaker.ts';
import { announce, attrsOf, until } from './fuzz-fixture.ts';
import { RawPeer } from './raw-peer.ts';

/**
 * The per-peer validation context end to end: a Speaker with raw peers, one
 * eBGP peer with enforceFirstAs off (a route server that does not prepend),
 * one with the default, and one iBGP peer that sends no LOCAL_PREF.
 */
const SPEAKER = { address: '127.0.0.1', asn: 65001, routerId: '10.0.0.1' };
const RS = { address: '127.0.0.4', asn: 65004, routerId: '10.0.0.4' };
const STRICT = { address: '127.0.0.6', asn: 65006, routerId: '10.0.0.6' };
const IBGP = { address: '127.0.0.5', asn: 65001, routerId: '10.0.0.5' };

describe('a running speaker validates received routes per peer', function () {
  this.timeout(20_000);
  let speaker: Speaker;
  const peers: RawPeer[] = [];
  const lines: Record<string, unknown>[] = [];
  const log = winston.createLogger({
    level: 'debug',
    format: winston.format.json(),
    transports: [new winston.transports.Stream({ stream: new Writable({ write: (chunk, _e, cb) => (lines.push(JSON.parse(String(chunk))), cb()) }) })],
  });

  before(async () => {
    speaker = new Speaker({ asNumber: SPEAKER.asn, routerId: SPEAKER.routerId, listen: { address: SPEAKER.address, port: 0 }, log });
    await speaker.start();
    speaker.setPeers([
      { name: 'rs', address: RS.address, asNumber: RS.asn, passive: true, enforceFirstAs: false },
      { name: 'strict', address: STRICT.address, asNumber: STRICT.asn, passive: true },
      { name: 'ibgp', address: IBGP.address, asNumber: IBGP.asn, passive: true },
    ]);
  });

  after(async () => {
    for (const p of peers) await p.destroy();
    await speaker.stop();
  });

  async function connect(o: { address: string; asn: number; routerId: string }): Promise<RawPeer> {
    const c = await RawPeer.connect({ host: SPEAKER.address, port: speaker.port, localAddress: o.address, asn: o.asn, routerId: o.routerId });
    peers.push(c);
    await c.handshake();
    return c;
  }

  const route = (prefix: string) => speaker.routes('ipv4').find((r) => r.prefix === prefix);

  it('enforceFirstAs: false accepts a path that does not start with the peer’s AS; the default withdraws it and says why', async () => {
    const rs = await connect(RS);
    const strict = await connect(STRICT);
    const foreign = { asPath: [{ type: 2 as const, asns: [65099] }] };
    rs.send(announce(['10.4.0.0/24'], attrsOf(RS.asn, '10.0.0.4', foreign)));
    strict.send(announce(['10.6.0.0/24'], attrsOf(STRICT.asn, '10.0.0.6', foreign)));
    strict.send(announce(['10.6.1.0/24'], attrsOf(STRICT.asn, '10.0.0.6')));
    await until('both peers’ good routes', () => route('10.4.0.0/24') !== undefined && route('10.6.1.0/24') !== undefined);
    expect(route('10.4.0.0/24')).to.include({ peer: RS.address, asPath: '65099' });
    expect(route('10.6.0.0/24')).to.equal(undefined);
    const warned = lines.filter((l) => l.message === 'UPDATE treated as withdraw (RFC 7606)');
    expect(warned).to.have.length(1);
    expect(warned[0]).to.include({ peer: STRICT.address, reason: "AS_PATH does not start with the peer's AS 65006" });
    expect(speaker.status().peers.find((p) => p.address === STRICT.address)!.state).to.equal('Established');
  });

  it('accepts an iBGP route without LOCAL_PREF as LOCAL_PREF 100, and withdraws one whose next hop is our address', async () => {
    const ibgp = await connect(IBGP);
    ibgp.send(announce(['10.5.0.0/24'], { origin: 0, asPath: [], nextHop: '10.0.0.5' }));
    ibgp.send(announce(['10.5.1.0/24'], { origin: 0, asPath: [], nextHop: SPEAKER.address }));
    ibgp.send(announce(['10.5.2.0/24'], { origin: 0, asPath: [], nextHop: '10.0.0.5', med: 1 }));
    await until('the iBGP route', () => route('10.5.0.0/24') !== undefined && route('10.5.2.0/24') !== undefined);
    expect(route('10.5.0.0/24')).to.include({ peer: IBGP.address, localPref: 100 });
    expect(route('10.5.1.0/24')).to.equal(undefined);
    expect(lines.some((l) => l.peer === IBGP.address && l.reason === 'NEXT_HOP 127.0.0.1: our own address on this session')).to.equal(true);
  });
});
