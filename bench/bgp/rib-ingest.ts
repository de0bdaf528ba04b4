/**
 * RIB ingest: prefixes into Adj-RIB-In + Loc-RIB with best-path selection, as
 * the codec's fast path feeds them (one interned attribute set per UPDATE,
 * several IPv4 keys each). Each scenario runs in its own child process so
 * peak RSS is that scenario's alone.
 *
 *   node bench/bgp/rib-ingest.ts            all scenarios
 *   node bench/bgp/rib-ingest.ts 1x1000000  one scenario: peers x prefixes
 *   add "shared" to make all peers announce the same prefixes (10 paths each)
 *
 * Reference (BIRD 2, 1M prefixes from one peer, from the project brief, not
 * measured here): 0.35 s CPU, 94 MB RSS.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AS_PATH_SEGMENT, ORIGIN } from '../../bgp/wire/types.ts';
import type { PathAttributes } from '../../bgp/wire/types.ts';
import { Rib } from '../../bgp/rib/rib.ts';
import { v4Key } from '../../bgp/rib/prefix-key.ts';

const PREFIXES_PER_UPDATE = 8;
const DISTINCT_ATTR_SETS = 50_000;

function attrsFor(peer: number, n: number): PathAttributes {
  return {
    origin: ORIGIN.IGP,
    asPath: [{ type: AS_PATH_SEGMENT.AS_SEQUENCE, asns: [65000 + peer, 3356, 1000 + (n % 5000), 2000 + (n % 7)] }],
    nextHop: `192.0.2.${peer + 1}`,
    med: n % 3,
    communities: [(3356 << 16) | (n % 100)],
  };
}

function run(peers: number, perPeer: number, shared: boolean): void {
  const rib = new Rib({ localAsn: 64512, routerId: '10.255.0.1', maxPaths: 4, expectedPrefixes: shared ? perPeer : peers * perPeer });
  let changes = 0;
  rib.subscribe((b) => {
    changes += b.keys.length;
  });
  const ribPeers = Array.from({ length: peers }, (_, i) => {
    const p = rib.addPeer({ address: `192.0.2.${i + 1}`, asn: 65000 + i });
    rib.peerUp(p, `10.0.0.${i + 1}`);
    return p;
  });
  const keys = new Array<number>(PREFIXES_PER_UPDATE);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let p = 0; p < peers; p++) {
    const base = shared ? 0 : p * perPeer;
    for (let i = 0; i < perPeer; i += PREFIXES_PER_UPDATE) {
      const n = (i / PREFIXES_PER_UPDATE) % DISTINCT_ATTR_SETS;
      // What the codec hands over: the attribute block as a key string, and a decoder to run once.
      const set = rib.attrs.intern(`\x40\x01\x01\x00\x50\x02${p}:${n}:0123456789abcdef0123456789abcdef`, () => attrsFor(p, n));
      const count = Math.min(PREFIXES_PER_UPDATE, perPeer - i);
      keys.length = count;
      for (let j = 0; j < count; j++) {
        const idx = base + i + j;
        // /24s walking up from 11.0.0.0: contiguous, like a real table's dense regions.
        keys[j] = v4Key((0x0b000000 + idx * 256) >>> 0, 24);
      }
      rib.announce(ribPeers[p]!, set, keys);
      if ((i & 4095) === 0) rib.flush();
    }
  }
  rib.flush();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  global.gc?.();
  const mem = process.memoryUsage();
  const peak = process.resourceUsage().maxRSS * 1024;
  const total = peers * perPeer;
  console.log(
    JSON.stringify({
      scenario: `${peers} peer(s) x ${perPeer} prefixes${shared ? ' (same prefixes)' : ''}`,
      prefixes: total,
      tableEntries: rib.size,
      bestChanges: changes,
      attrSets: rib.attrs.size,
      cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(3),
      wallSeconds: +(wall / 1000).toFixed(3),
      prefixesPerSecond: Math.round(total / (wall / 1000)),
      heapUsedMB: +(mem.heapUsed / 1e6).toFixed(1),
      arrayBuffersMB: +(mem.arrayBuffers / 1e6).toFixed(1),
      rssBeforeMB: +(rssBefore / 1e6).toFixed(1),
      rssAfterMB: +(mem.rss / 1e6).toFixed(1),
      peakRssMB: +(peak / 1e6).toFixed(1),
    }),
  );
}

const arg = process.argv[2];
if (arg !== undefined) {
  const [peers, perPeer] = arg.split('x').map(Number) as [number, number];
  run(peers, perPeer, process.argv[3] === 'shared');
} else {
  const self = fileURLToPath(import.meta.url);
  // V8's default young generation (up to 3 x 16 MB semi-spaces) is most of the gap between heap and
  // RSS here; a 4 MB semi-space trades a little CPU for ~50 MB less peak RSS, so both are shown.
  for (const flags of [[], ['--max-semi-space-size=4']]) {
    for (const [scenario, shared] of [['1x1000000', false], ['10x100000', false], ['10x100000', true]] as const) {
      const out = execFileSync(process.execPath, ['--expose-gc', ...flags, self, scenario, ...(shared ? ['shared'] : [])], { encoding: 'utf8' });
      process.stdout.write(JSON.stringify({ nodeFlags: flags.join(' ') || 'default', ...JSON.parse(out) }) + '\n');
    }
  }
}
