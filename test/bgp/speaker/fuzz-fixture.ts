/**
 * A running reef Speaker (in-process, kernel off, on 127.0.0.1 with a free
 * port) with two passive eBGP peers for raw test clients:
 *
 *   127.0.0.2  AS 65002  "good": stays Established the whole time; its routes must never change
 *   127.0.0.3  AS 65003  "fuzz": a new session per case, fed malformed bytes
 *
 * plus the checks every case ends with: the speaker answers, the good session
 * is untouched, and once the fuzzed session is gone nothing of it is left.
 */
import { expect } from 'chai';
import winston from 'winston';
import { Speaker } from '../../../bgp/speaker.ts';
import type { RouteInfo } from '../../../bgp/speaker/types.ts';
import { encodeMessage, parsePrefix, type Ipv4Prefix, type PathAttributes, type Prefix, type UpdateMessage } from '../../../bgp/wire/index.ts';
import { framing, RawPeer } from './raw-peer.ts';

export const SPEAKER = { address: '127.0.0.1', asn: 65001, routerId: '10.0.0.1' };
export const GOOD = { address: '127.0.0.2', asn: 65002, routerId: '10.0.0.2' };
export const FUZZ = { address: '127.0.0.3', asn: 65003, routerId: '10.0.0.3' };

/** What the fuzz peer announces at the start of every session. */
export const FUZZ_ROUTES = ['10.3.1.0/24', '10.3.2.0/24', '10.3.3.0/24'];
export const FUZZ_ROUTES6 = ['2001:db8:3::/48'];
const GOOD_ROUTES = ['10.2.1.0/24', '10.2.2.0/24'];

const quiet = winston.createLogger({ silent: true });

export const attrsOf = (asn: number, nextHop: string, extra: PathAttributes = {}): PathAttributes => ({ origin: 0, asPath: [{ type: 2, asns: [asn] }], nextHop, ...extra });

export function announce(prefixes: readonly string[], attributes: PathAttributes): Buffer {
  const all = prefixes.map(parsePrefix);
  const v4 = all.filter((p): p is Ipv4Prefix => p.afi === 1);
  const v6 = all.filter((p) => p.afi === 2);
  const m: UpdateMessage = {
    type: 'UPDATE',
    withdrawn: [],
    attributes: v6.length > 0 ? { ...attributes, mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::3' } } : attributes,
    nlri: v4,
    ...(v6.length > 0 ? { mpNlri: v6 } : {}),
  };
  return encodeMessage(m);
}

export function withdraw(prefixes: readonly string[]): Buffer {
  const all: Prefix[] = prefixes.map(parsePrefix);
  return encodeMessage({ type: 'UPDATE', withdrawn: all.filter((p): p is Ipv4Prefix => p.afi === 1), attributes: {}, nlri: [] });
}

/** Polls `cond` on every turn of the event loop; fails (it does not assert a time) if it never holds. */
export async function until(what: string, cond: () => boolean, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

export type Outcome = { readonly up: true } | { readonly up: false; readonly code: number | undefined; readonly subcode: number | undefined; readonly data: string | undefined };

const render = (rs: RouteInfo[]): string => JSON.stringify(rs.map((r) => [r.prefix, r.peer, r.nextHops, r.asPath, r.med, r.localPref, r.origin]));

export class FuzzFixture {
  speaker!: Speaker;
  good!: RawPeer;
  /** Uncaught exceptions and unhandled rejections seen while the fixture ran. */
  readonly crashes: unknown[] = [];
  #baseline = '';
  #baselineAttrSets = 0;
  #sentinel = 0;
  #current: RawPeer | undefined;
  readonly #onCrash = (e: unknown): void => {
    this.crashes.push(e);
  };

  async start(): Promise<void> {
    process.on('uncaughtException', this.#onCrash);
    process.on('unhandledRejection', this.#onCrash);
    const s = new Speaker({ asNumber: SPEAKER.asn, routerId: SPEAKER.routerId, listen: { address: SPEAKER.address, port: 0 }, log: quiet });
    this.speaker = s;
    await s.start();
    s.setPeers([
      { name: 'good', address: GOOD.address, asNumber: GOOD.asn, passive: true, families: ['ipv4', 'ipv6'] },
      { name: 'fuzz', address: FUZZ.address, asNumber: FUZZ.asn, passive: true, families: ['ipv4', 'ipv6'] },
    ]);
    s.setOriginated([{ prefix: '10.1.0.0/24' }]);
    this.good = await RawPeer.connect({ host: SPEAKER.address, port: s.port, localAddress: GOOD.address, asn: GOOD.asn, routerId: GOOD.routerId });
    await this.good.handshake();
    this.good.send(announce(GOOD_ROUTES, attrsOf(GOOD.asn, '10.0.0.2')));
    await until('the good peer’s routes', () => this.routesFrom(GOOD.address).length === GOOD_ROUTES.length);
    this.#baseline = render(this.speaker.routes('ipv4').concat(this.speaker.routes('ipv6')));
    this.#baselineAttrSets = this.speaker.rib.attrs.size;
  }

  async stop(): Promise<void> {
    process.off('uncaughtException', this.#onCrash);
    process.off('unhandledRejection', this.#onCrash);
    await this.good?.destroy();
    await this.speaker?.stop();
  }

  /** After a failed case: the fuzz session must not outlive it. */
  async cleanup(): Promise<void> {
    await this.#current?.destroy();
    this.#current = undefined;
  }

  routesFrom(address: string): RouteInfo[] {
    return [...this.speaker.routes('ipv4'), ...this.speaker.routes('ipv6')].filter((r) => r.peer === address);
  }

  peerState(address: string): string {
    return this.speaker.status().peers.find((p) => p.address === address)!.state;
  }

  /** A new fuzz session, Established, with FUZZ_ROUTES and FUZZ_ROUTES6 in the speaker's Loc-RIB. */
  async fuzzSession(): Promise<RawPeer> {
    await until('the previous fuzz session to be gone', () => ['Idle', 'Active'].includes(this.peerState(FUZZ.address)));
    const c = await RawPeer.connect({ host: SPEAKER.address, port: this.speaker.port, localAddress: FUZZ.address, asn: FUZZ.asn, routerId: FUZZ.routerId });
    this.#current = c;
    await c.handshake();
    c.send(announce(FUZZ_ROUTES.slice(0, 2), attrsOf(FUZZ.asn, '10.0.0.3')));
    c.send(announce(FUZZ_ROUTES.slice(2), attrsOf(FUZZ.asn, '10.0.0.3', { med: 7 })));
    c.send(announce(FUZZ_ROUTES6, attrsOf(FUZZ.asn, '10.0.0.3')));
    await until('the fuzz peer’s routes', () => this.routesFrom(FUZZ.address).length === FUZZ_ROUTES.length + FUZZ_ROUTES6.length);
    return c;
  }

  /**
   * Sends `bytes` (completed, if cut short, so the next message is read on
   * its own), then a valid UPDATE with a fresh /32: once that /32 is in the
   * Loc-RIB the session has survived `bytes`; if the connection closes
   * first, the outcome is the NOTIFICATION it got (or none).
   */
  async judge(c: RawPeer, bytes: Buffer): Promise<Outcome & { readonly notificationSent: boolean }> {
    const f = framing(bytes);
    c.send(Buffer.concat([bytes, f.padding]));
    const n = ++this.#sentinel;
    const sentinel = `10.254.${(n >> 8) & 0xff}.${n & 0xff}/32`;
    c.send(announce([sentinel], attrsOf(FUZZ.asn, '10.0.0.3')));
    const seen = (): boolean => this.speaker.routes('ipv4').some((r) => r.prefix === sentinel && r.peer === FUZZ.address);
    await until('the sentinel route or the end of the session', () => c.closed || seen());
    if (!c.closed) {
      c.send(withdraw([sentinel]));
      await until('the sentinel withdrawn', () => c.closed || !seen());
      if (!c.closed) return { up: true, notificationSent: f.notification };
    }
    const m = c.notification;
    return { up: false, code: m?.code, subcode: m?.subcode, data: m?.data.toString('hex'), notificationSent: f.notification };
  }

  /** After a fuzz session: close it, then nothing of it may remain and the good peer must not have noticed. */
  async afterSession(c: RawPeer): Promise<void> {
    await c.destroy();
    await until('the fuzz peer’s routes to go', () => this.routesFrom(FUZZ.address).length === 0 && this.peerState(FUZZ.address) !== 'Established');
    this.checkHealthy();
    const routes = render(this.speaker.routes('ipv4').concat(this.speaker.routes('ipv6')));
    expect(routes, 'Loc-RIB back to the baseline').to.equal(this.#baseline);
    const fuzz = this.speaker.status().peers.find((p) => p.address === FUZZ.address)!;
    expect(fuzz.prefixes.received, 'fuzz peer’s Adj-RIB-In empty').to.equal(0);
    expect(this.speaker.rib.attrs.size, 'interned attribute sets back to the baseline').to.equal(this.#baselineAttrSets);
  }

  /** The speaker answers, and the good session is Established and untouched. */
  checkHealthy(): void {
    expect(this.crashes, 'uncaught exceptions / unhandled rejections').to.deep.equal([]);
    const st = this.speaker.status();
    expect(st.routerId).to.equal(SPEAKER.routerId);
    expect(st.peers.find((p) => p.address === GOOD.address)!.state).to.equal('Established');
    expect(this.good.closed, 'good session still open').to.equal(false);
    expect(this.good.notification, 'no NOTIFICATION to the good peer').to.equal(undefined);
    expect(this.good.garbage).to.equal(undefined);
    expect(this.routesFrom(GOOD.address).map((r) => r.prefix).sort()).to.deep.equal(GOOD_ROUTES);
  }
}
