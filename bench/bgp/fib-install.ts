/**
 * 100,000 routes into the kernel: reef's FibSyncer (pipelined netlink) against
 * `ip -batch` with the same routes, each in a fresh network namespace, in the
 * same run. Prints both times and reef's rate as a fraction of ip's (target >= 0.7).
 *
 *   node bench/bgp/fib-install.ts [count]      (root; needs the `netlink` package)
 * Internally re-runs itself under `ip netns exec` with "child" to do the reef side.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FibSyncer } from '../../bgp/fib/fib-sync.ts';
import { openNetlinkTransport } from '../../bgp/fib/netlink-socket.ts';
import { NetlinkRouteWriter } from '../../bgp/fib/route-writer.ts';
import { formatKey, v4Key } from '../../bgp/rib/prefix-key.ts';
import { Rib } from '../../bgp/rib/rib.ts';
import { ORIGIN } from '../../bgp/wire/types.ts';

const keyOf = (i: number): number => v4Key((0x0a000000 + i * 256) >>> 0, 24);

async function child(count: number, ecmp: boolean): Promise<void> {
  const rib = new Rib({ localAsn: 64512, routerId: '10.255.0.1', maxPaths: 2 });
  const peers = ['192.0.2.1', '192.0.2.2'].map((address, i) => {
    const p = rib.addPeer({ address, asn: 65001 });
    rib.peerUp(p, `10.254.0.${i + 1}`);
    return p;
  });
  const writer = new NetlinkRouteWriter(openNetlinkTransport());
  const fib = new FibSyncer(writer);
  rib.subscribe((b) => fib.onChanges(b));
  const keys = Array.from({ length: count }, (_, i) => keyOf(i));
  for (const [i, p] of (ecmp ? peers : peers.slice(0, 1)).entries()) {
    rib.announce(p, rib.attrs.internAttrs({ origin: ORIGIN.IGP, asPath: [{ type: 2, asns: [65001] }], nextHop: `192.0.2.${i + 1}` }), keys);
  }
  rib.flush();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await fib.flush();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  writer.close();
  process.stdout.write(JSON.stringify({ ms, userMs: Math.round(cpu.user / 1000), sysMs: Math.round(cpu.system / 1000), added: r.added, failed: r.failed.length }));
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', maxBuffer: 256 << 20 });
}

function freshNamespace(name: string): void {
  ip('netns', 'add', name);
  ip('-n', name, 'link', 'add', 'b0', 'type', 'veth', 'peer', 'name', 'b1');
  ip('-n', name, 'addr', 'add', '192.0.2.254/24', 'dev', 'b0');
  ip('-n', name, 'link', 'set', 'b0', 'up');
  ip('-n', name, 'link', 'set', 'b1', 'up');
}

function countRoutes(ns: string): number {
  return ip('-n', ns, 'route', 'show', 'proto', '85').split('\n').filter((l) => /^\d/.test(l)).length;
}

function parent(count: number): void {
  const self = fileURLToPath(import.meta.url);
  const dir = mkdtempSync(join(tmpdir(), 'reef-fib-bench-'));
  const made: string[] = [];
  try {
    for (const ecmp of [false, true]) {
      const nsIp = `reefb-${process.pid}-ip${ecmp ? 'm' : ''}`;
      const nsReef = `reefb-${process.pid}-reef${ecmp ? 'm' : ''}`;
      for (const ns of [nsIp, nsReef]) {
        freshNamespace(ns);
        made.push(ns);
      }
      const via = ecmp ? 'nexthop via 192.0.2.1 nexthop via 192.0.2.2' : 'via 192.0.2.1';
      const lines = Array.from({ length: count }, (_, i) => `route add ${formatKey(keyOf(i))} proto 85 metric 20 ${via}`);
      const batch = join(dir, `routes${ecmp ? '-ecmp' : ''}.txt`);
      writeFileSync(batch, lines.join('\n') + '\n');
      const t0 = performance.now();
      ip('-n', nsIp, '-batch', batch);
      const ipMs = performance.now() - t0;
      const out = execFileSync('ip', ['netns', 'exec', nsReef, process.execPath, self, 'child', String(count), ecmp ? 'ecmp' : 'single'], {
        encoding: 'utf8',
      });
      const reef = JSON.parse(out) as { ms: number; userMs: number; sysMs: number; added: number; failed: number };
      console.log(
        JSON.stringify({
          routes: count,
          kind: ecmp ? '2-way ECMP' : 'single next hop',
          ipBatchMs: Math.round(ipMs),
          reefMs: Math.round(reef.ms),
          reefUserMs: reef.userMs,
          reefSysMs: reef.sysMs,
          reefRateVsIpBatch: +(ipMs / reef.ms).toFixed(2),
          installedByIp: countRoutes(nsIp),
          installedByReef: countRoutes(nsReef),
          reefFailures: reef.failed,
        }),
      );
    }
  } finally {
    for (const ns of made) execFileSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') await child(Number(process.argv[3]), process.argv[4] === 'ecmp');
else parent(Number(process.argv[2] ?? 100_000));
