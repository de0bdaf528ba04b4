/**
 * Runs inside a test namespace (under `ip netns exec`): a Rib and a FibSyncer
 * on a real netlink socket, driven by a JSON script in argv[2]. Prints one JSON
 * array: the result of every flush/reconcile/sweep step and every `show`
 * (the kernel's routes as `ip -j route` reports them, for observation only).
 */
import { execFileSync } from 'node:child_process';
import { FibSyncer } from '../../../bgp/fib/fib-sync.ts';
import { openNetlinkTransport } from '../../../bgp/fib/netlink-socket.ts';
import { NetlinkRouteWriter } from '../../../bgp/fib/route-writer.ts';
import { parsePrefix } from '../../../bgp/rib/prefix-key.ts';
import { Rib } from '../../../bgp/rib/rib.ts';
import { AS_PATH_SEGMENT, ORIGIN } from '../../../bgp/wire/types.ts';

export type Step =
  | { readonly announce: { readonly peer: number; readonly prefixes: readonly string[]; readonly nextHop: string } }
  | { readonly withdraw: { readonly peer: number; readonly prefixes: readonly string[] } }
  | { readonly originate: string }
  | { readonly peerDown: number; readonly graceful?: boolean }
  | { readonly sweepStale: number }
  | { readonly flush: true }
  | { readonly reconcile: { readonly adopt: boolean } }
  | { readonly sweep: true }
  | { readonly show: true };

export interface Script {
  readonly maxPaths?: number;
  readonly blackholeOriginated?: boolean;
  /** Peers 0..n-1: [asn, address]; all eBGP from 64512's point of view unless asn is 64512. */
  readonly peers: readonly (readonly [number, string])[];
  readonly steps: readonly Step[];
}

const script = JSON.parse(process.argv[2]!) as Script;
const rib = new Rib({ localAsn: 64512, routerId: '10.255.0.1', maxPaths: script.maxPaths ?? 1 });
const peers = script.peers.map(([asn, address], i) => {
  const p = rib.addPeer({ address, asn });
  rib.peerUp(p, `10.254.0.${i + 1}`);
  return p;
});
const writer = new NetlinkRouteWriter(openNetlinkTransport());
const fib = new FibSyncer(writer, { blackholeOriginated: script.blackholeOriginated ?? false });
rib.subscribe((b) => fib.onChanges(b));
const out: unknown[] = [];
for (const s of script.steps) {
  if ('announce' in s) {
    const p = peers[s.announce.peer]!;
    const set = rib.attrs.internAttrs({ origin: ORIGIN.IGP, asPath: [{ type: AS_PATH_SEGMENT.AS_SEQUENCE, asns: [p.asn] }], nextHop: s.announce.nextHop });
    rib.announce(p, set, s.announce.prefixes.map(parsePrefix));
  } else if ('withdraw' in s) rib.withdraw(peers[s.withdraw.peer]!, s.withdraw.prefixes.map(parsePrefix));
  else if ('originate' in s) rib.originate(parsePrefix(s.originate));
  else if ('peerDown' in s) rib.peerDown(peers[s.peerDown]!, { gracefulRestart: s.graceful ?? false });
  else if ('sweepStale' in s) rib.sweepStale(peers[s.sweepStale]!);
  else if ('flush' in s) {
    rib.flush();
    out.push(await fib.flush());
  } else if ('reconcile' in s) {
    rib.flush();
    out.push(await fib.reconcile({ adopt: s.reconcile.adopt }));
  } else if ('sweep' in s) out.push(await fib.sweep());
  else if ('show' in s) out.push(JSON.parse(execFileSync('ip', ['-j', 'route', 'show', 'table', 'main'], { encoding: 'utf8' })));
}
writer.close();
process.stdout.write(JSON.stringify(out));
