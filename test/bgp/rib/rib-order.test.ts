import { expect } from 'chai';
import fc from 'fast-check';
import { ORIGIN } from '../../../bgp/wire/types.ts';
import { Rib, bestPaths } from '../../../bgp/rib/rib.ts';
import { formatKey, v4Key } from '../../../bgp/rib/prefix-key.ts';
import { LOCAL_AS, seq } from './helpers.ts';

/** One peer's final announcement for one prefix: a few attributes that exercise each tie-breaker. */
const announcement = fc.record({
  peer: fc.integer({ min: 0, max: 5 }),
  prefix: fc.integer({ min: 0, max: 7 }),
  localPref: fc.constantFrom(undefined, 100, 200),
  pathLen: fc.integer({ min: 1, max: 3 }),
  firstAs: fc.constantFrom(65001, 65002),
  origin: fc.constantFrom(ORIGIN.IGP, ORIGIN.EGP),
  med: fc.constantFrom(undefined, 0, 10, 20),
});
type Ann = typeof announcement extends fc.Arbitrary<infer T> ? T : never;

const PEERS = [
  { address: '10.1.0.1', asn: 65001, routerId: '1.1.1.6' },
  { address: '10.1.0.2', asn: 65002, routerId: '1.1.1.5' },
  { address: '10.1.0.3', asn: LOCAL_AS, routerId: '1.1.1.4' },
  { address: '10.1.0.4', asn: LOCAL_AS, routerId: '1.1.1.3' },
  { address: '10.1.0.5', asn: 65001, routerId: '1.1.1.2' },
  { address: '10.1.0.6', asn: LOCAL_AS, routerId: '1.1.1.1' },
];

function build(steps: readonly { ann: Ann; withdraw: boolean }[]): Map<string, string> {
  const rib = new Rib({ localAsn: LOCAL_AS, routerId: '10.0.0.1', maxPaths: 3 });
  const peers = PEERS.map((p) => {
    const r = rib.addPeer({ address: p.address, asn: p.asn });
    rib.peerUp(r, p.routerId);
    return r;
  });
  const streamed = new Map<string, string>();
  rib.subscribe((b) =>
    b.keys.forEach((k, i) => {
      const best = b.best[i]!;
      if (best === null) streamed.delete(formatKey(k));
      else streamed.set(formatKey(k), bestPaths(best).map((p) => p.peer.address).join(','));
    }),
  );
  for (const { ann, withdraw } of steps) {
    const key = v4Key((0x0a000000 + ann.prefix * 256) >>> 0, 24);
    const p = peers[ann.peer]!;
    if (withdraw) {
      rib.withdraw(p, [key]);
      continue;
    }
    const asns = [p.asn === LOCAL_AS ? ann.firstAs : p.asn, ...Array.from({ length: ann.pathLen - 1 }, (_, i) => 100 + i)];
    const set = rib.attrs.internAttrs({ origin: ann.origin, asPath: seq(...asns), nextHop: p.address, localPref: ann.localPref, med: ann.med });
    rib.announce(p, set, [key]);
    if (ann.prefix % 3 === 0) rib.flush();
  }
  rib.flush();
  // The streamed view (what the FIB and Adj-RIB-Out see) must equal the table.
  const table = new Map<string, string>();
  rib.forEachBest((k, b) => table.set(formatKey(k), bestPaths(b).map((p) => p.peer.address).join(',')));
  expect(new Map([...streamed].sort())).to.deep.equal(new Map([...table].sort()));
  return table;
}

describe('the Loc-RIB, built incrementally', () => {
  it('ends in the same state whatever order the final announcements arrive in, and despite earlier churn', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(announcement, { selector: (a) => `${a.peer}/${a.prefix}`, maxLength: 30 }),
        fc.array(announcement, { maxLength: 20 }),
        fc.integer(),
        (finals, churn, seed) => {
          const fromScratch = build(finals.map((ann) => ({ ann, withdraw: false })));
          const shuffled = [...finals].sort((a, b) => hash(a, seed) - hash(b, seed));
          // Churn first: announcements and withdrawals that the finals then override or leave behind.
          const churnSteps = churn.flatMap((ann) => [{ ann, withdraw: false }, ...(ann.med === 0 ? [{ ann, withdraw: true }] : [])]);
          const finalKeys = new Set(finals.map((a) => `${a.peer}/${a.prefix}`));
          const cleanup = churn.filter((a) => !finalKeys.has(`${a.peer}/${a.prefix}`)).map((ann) => ({ ann, withdraw: true }));
          const incremental = build([...churnSteps, ...cleanup, ...shuffled.map((ann) => ({ ann, withdraw: false }))]);
          expect(incremental).to.deep.equal(fromScratch);
        },
      ),
      { numRuns: 300 },
    );
  });
});

function hash(a: Ann, seed: number): number {
  return Math.imul(a.peer * 31 + a.prefix * 7 + (a.med ?? 3), seed | 1) ^ seed;
}
