/**
 * BIRD, FRR and GoBGP behind one interface, so an interop case is written
 * once and run against each: start from a DaemonSpec, wait for the session to
 * reef, read what was learned (RIB) and what reached the kernel (FIB; GoBGP has
 * none), change what is originated, shut the session down, crash and restart.
 */
import type { NetnsScope } from '../../harness/netns.ts';
import type { DaemonSpec } from '../../harness/daemons/common.ts';
import { Bird } from '../../harness/daemons/bird.ts';
import { Frr } from '../../harness/daemons/frr.ts';
import { Gobgp } from '../../harness/daemons/gobgp.ts';

export type PeerKind = 'bird' | 'frr' | 'gobgp';
export const PEER_KINDS: readonly PeerKind[] = ['bird', 'frr', 'gobgp'];

/** What the daemon itself reports for the best path of a prefix. */
export interface RouteAttrs {
  originator?: string;
  clusters: string[];
  nextHop?: string;
}

export interface PeerDaemon {
  readonly kind: PeerKind;
  readonly ns: string;
  /** The protocol its kernel routes carry in `ip -j route` (null: it programs no FIB). */
  readonly kernelProto: string | null;
  start(spec: DaemonSpec): Promise<void>;
  waitEstablished(neighborIp: string, timeoutMs?: number): Promise<unknown>;
  state(neighborIp: string): Promise<string>;
  learned(): Promise<string[]>;
  setOriginate(prefixes: string[]): Promise<void>;
  /** ORIGINATOR_ID, CLUSTER_LIST and next hop of the daemon's path for `prefix`. */
  routeAttrs(prefix: string): Promise<RouteAttrs>;
  /** Administrative shutdown of the session to `neighborIp`. */
  shutdown(neighborIp: string): Promise<void>;
  /** Undoes shutdown(). */
  unshutdown(neighborIp: string): Promise<void>;
  kill(): Promise<void>;
  /** Back after kill(), in graceful-restart recovery where the daemon has one. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Where its logs are, for failure messages. */
  describe(): string;
}

export function makePeer(kind: PeerKind, scope: NetnsScope, ns: string): PeerDaemon {
  switch (kind) {
    case 'bird':
      return birdPeer(new Bird(scope, ns));
    case 'frr':
      return frrPeer(new Frr(scope, ns));
    case 'gobgp':
      return gobgpPeer(new Gobgp(scope, ns));
  }
}

async function birdAttrs(b: Bird, prefix: string): Promise<RouteAttrs> {
  const out = await b.routeDetail(prefix);
  const originator = /BGP\.originator_id:\s*(\S+)/.exec(out)?.[1];
  const clusters = (/BGP\.cluster_list:\s*(.*)$/m.exec(out)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  const nextHop = /BGP\.next_hop:\s*(\S+)/.exec(out)?.[1];
  return { ...(originator ? { originator } : {}), clusters, ...(nextHop ? { nextHop } : {}) };
}

async function frrAttrs(f: Frr, prefix: string): Promise<RouteAttrs> {
  const p = (await f.routeJson(prefix)).paths?.[0];
  if (!p) throw new Error(`FRR has no path for ${prefix}`);
  const nextHop = p.nexthops?.find((n) => n.scope !== 'link-local')?.ip;
  return { ...(p.originatorId ? { originator: p.originatorId } : {}), clusters: p.clusterList?.list ?? [], ...(nextHop ? { nextHop } : {}) };
}

/** GoBGP's path JSON lists attributes by type code: 3 NEXT_HOP, 9 ORIGINATOR_ID, 10 CLUSTER_LIST, 14 MP_REACH. */
async function gobgpAttrs(g: Gobgp, prefix: string): Promise<RouteAttrs> {
  const p = (await g.routeJson(prefix))[0] as { attrs?: { type: number; value?: unknown; nexthop?: string }[] } | undefined;
  if (!p) throw new Error(`GoBGP has no path for ${prefix}`);
  const attr = (t: number) => p.attrs?.find((a) => a.type === t);
  const originator = attr(9)?.value as string | undefined;
  const nextHop = (attr(3)?.nexthop ?? attr(14)?.nexthop) as string | undefined;
  return { ...(originator ? { originator } : {}), clusters: (attr(10)?.value as string[] | undefined) ?? [], ...(nextHop ? { nextHop } : {}) };
}

function birdPeer(b: Bird): PeerDaemon {
  let spec: DaemonSpec | undefined;
  const index = (ip: string): number => {
    const i = spec?.neighbors.findIndex((n) => n.ip === ip) ?? -1;
    if (i < 0) throw new Error(`BIRD has no neighbor ${ip}`);
    return i + 1;
  };
  return {
    kind: 'bird',
    ns: b.ns,
    kernelProto: 'bird',
    routeAttrs: (p) => birdAttrs(b, p),
    start: (s) => {
      spec = s;
      return b.start(s);
    },
    waitEstablished: (ip, t) => b.waitEstablished(index(ip), t),
    state: (ip) => b.state(index(ip)),
    learned: () => b.bgpPrefixes(),
    setOriginate: (p) => b.setOriginate(p),
    shutdown: async (ip) => void (await b.disable(index(ip))),
    unshutdown: async (ip) => void (await b.enable(index(ip))),
    kill: () => b.kill(),
    restart: () => b.restart(),
    stop: () => b.stop(),
    describe: () => `BIRD log ${b.logFile}`,
  };
}

function frrPeer(f: Frr): PeerDaemon {
  return {
    kind: 'frr',
    ns: f.ns,
    kernelProto: 'bgp',
    routeAttrs: (p) => frrAttrs(f, p),
    start: (s) => f.start(s),
    waitEstablished: (ip, t) => f.waitEstablished(ip, t),
    state: (ip) => f.state(ip),
    learned: () => f.learnedPrefixes(),
    setOriginate: (p) => f.setOriginate(p),
    shutdown: (ip) => f.shutdownNeighbor(ip),
    unshutdown: (ip) => f.shutdownNeighbor(ip, false),
    kill: () => f.kill(),
    restart: () => f.restart(),
    stop: () => f.stop(),
    describe: () => 'FRR logs in its work directory',
  };
}

function gobgpPeer(g: Gobgp): PeerDaemon {
  let originated: string[] = [];
  return {
    kind: 'gobgp',
    ns: g.ns,
    kernelProto: null,
    routeAttrs: (p) => gobgpAttrs(g, p),
    start: (s) => {
      originated = [...(s.originate ?? [])];
      return g.start(s);
    },
    waitEstablished: (ip, t) => g.waitEstablished(ip, t),
    state: (ip) => g.state(ip),
    learned: () => g.learnedPrefixes(),
    setOriginate: async (p) => {
      for (const x of originated.filter((o) => !p.includes(o))) await g.withdraw(x);
      for (const x of p.filter((o) => !originated.includes(o))) await g.announce(x);
      originated = [...p];
    },
    shutdown: async (ip) => void (await g.disable(ip)),
    unshutdown: async (ip) => void (await g.enable(ip)),
    kill: () => g.kill(),
    restart: () => {
      throw new Error('GoBGP restart: not supported by the launcher (no FIB to preserve)');
    },
    stop: () => g.stop(),
    describe: () => 'GoBGP logs on its stderr',
  };
}
