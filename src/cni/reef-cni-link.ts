/**
 * The routed veth of one pod, Calico's shape: the host end `reef` + 11 hex
 * characters with the fixed MAC ee:ee:ee:ee:ee:ee, the pod end CNI_IFNAME
 * holding the pod's /32 (/128), the pod's default route via 169.254.1.1
 * (IPv6: via the host end's link-local address), and a /32 route on the host
 * pointing at the veth.
 *
 * Everything goes through two CommandRunners: `host` (the node's namespace:
 * this process's own, or `ip netns exec REEF_HOST_NETNS` in tests and the
 * demo) and `pod` (`nsenter --net=CNI_NETNS`, which takes any namespace path).
 */
import type { CommandRunner } from '../../felix/dataplane/command-runner.ts';
import { runChecked } from '../../felix/dataplane/command-runner.ts';

/** Every host end shares it, as in Calico: the pod never needs to learn a new gateway MAC. */
export const HOST_MAC = 'ee:ee:ee:ee:ee:ee';
/** The EUI-64 link-local address the kernel derives from HOST_MAC. */
export const HOST_LINK_LOCAL6 = 'fe80::ecee:eeff:feee:eeee';
export const GATEWAY4 = '169.254.1.1';

export interface VethSpec {
  hostIf: string;
  podIf: string;
  /** The namespace path the runtime gave (CNI_NETNS). */
  netnsPath: string;
  /** `10.244.0.5/32`, `fd00::5/128`. */
  addresses: readonly string[];
  mtu: number;
}

export interface Runners {
  host: CommandRunner;
  pod: CommandRunner;
}

const isV6 = (cidr: string): boolean => cidr.includes(':');
const bare = (cidr: string): string => cidr.split('/')[0]!;

/** Creates the pair and everything on both ends; returns the pod end's MAC. */
export async function setUpVeth(r: Runners, s: VethSpec): Promise<string> {
  // A host end left by an earlier incarnation of the same pod (its netns gone without a DEL) holds the name.
  if (await linkExists(r.host, s.hostIf)) await runChecked(r.host, ['ip', 'link', 'del', s.hostIf]);
  await runChecked(r.host, [
    'ip', 'link', 'add', s.hostIf, 'mtu', String(s.mtu), 'address', HOST_MAC, 'type', 'veth',
    'peer', 'name', s.podIf, 'mtu', String(s.mtu), 'netns', s.netnsPath,
  ]);
  const v6 = s.addresses.some(isV6);
  // Before the link is up, so the first ARP the pod sends is already answered at once, and
  // (IPv6) the host end's fixed link-local address, unique on its own link, skips the 1 s of
  // duplicate detection during which the host could not resolve the pod's address.
  const sysctls = [
    `net.ipv4.conf.${s.hostIf}.proxy_arp=1`,
    `net.ipv4.neigh.${s.hostIf}.proxy_delay=0`,
    `net.ipv4.conf.${s.hostIf}.forwarding=1`,
    ...(v6 ? [`net.ipv6.conf.${s.hostIf}.disable_ipv6=0`, `net.ipv6.conf.${s.hostIf}.forwarding=1`, `net.ipv6.conf.${s.hostIf}.accept_ra=0`, `net.ipv6.conf.${s.hostIf}.accept_dad=0`] : []),
  ];
  await runChecked(r.host, ['sysctl', '-q', '-w', ...sysctls]);
  await runChecked(r.host, ['ip', 'link', 'set', s.hostIf, 'up']);

  await runChecked(r.pod, ['ip', 'link', 'set', s.podIf, 'up']);
  for (const a of s.addresses) {
    // nodad: a /128 nobody else can hold must not sit tentative for a second.
    await runChecked(r.pod, isV6(a) ? ['ip', '-6', 'addr', 'add', a, 'dev', s.podIf, 'nodad'] : ['ip', 'addr', 'add', a, 'dev', s.podIf]);
  }
  if (s.addresses.some((a) => !isV6(a))) {
    await runChecked(r.pod, ['ip', 'route', 'replace', GATEWAY4, 'dev', s.podIf, 'scope', 'link']);
    await runChecked(r.pod, ['ip', 'route', 'replace', 'default', 'via', GATEWAY4, 'dev', s.podIf]);
    // proxy_arp would answer too; a permanent entry spares the first packet the ARP round trip.
    await runChecked(r.pod, ['ip', 'neigh', 'replace', GATEWAY4, 'lladdr', HOST_MAC, 'dev', s.podIf, 'nud', 'permanent']);
  }
  if (v6) {
    await runChecked(r.pod, ['ip', '-6', 'route', 'replace', 'default', 'via', HOST_LINK_LOCAL6, 'dev', s.podIf]);
    await runChecked(r.pod, ['ip', '-6', 'neigh', 'replace', HOST_LINK_LOCAL6, 'lladdr', HOST_MAC, 'dev', s.podIf, 'nud', 'permanent']);
  }
  // The default protocol (boot), not felix's 86: felix deletes 86-routes it has no endpoint for, and its
  // endpoint may arrive after this route; felix's `route replace` takes the route over when it does.
  for (const a of s.addresses) {
    await runChecked(r.host, ['ip', ...(isV6(a) ? ['-6'] : []), 'route', 'replace', a, 'dev', s.hostIf, 'scope', 'link']);
  }
  return linkMac(r.pod, s.podIf);
}

/**
 * Removes the pod end (the kernel takes the host end and its routes with
 * it). A namespace or interface already gone is success: DEL is idempotent.
 */
export async function tearDownVeth(r: Runners, podIf: string): Promise<boolean> {
  const res = await r.pod.run(['ip', 'link', 'del', podIf]);
  if (res.code === 0) return true;
  if (/Cannot find device|does not exist|No such file|Invalid argument|cannot open network namespace/i.test(res.stderr)) return false;
  throw new Error(`ip link del ${podIf} in the pod namespace exited ${res.code}: ${res.stderr.trim()}`);
}

/** What CHECK finds missing, one phrase per fact; empty when all is in place. */
export async function inspectVeth(r: Runners, s: Omit<VethSpec, 'mtu'>): Promise<string[]> {
  const problems: string[] = [];
  if (!(await linkExists(r.host, s.hostIf))) problems.push(`host interface ${s.hostIf} is missing`);
  else {
    const routes = await r.host.run(['ip', '-o', 'route', 'show', 'dev', s.hostIf]);
    const routes6 = await r.host.run(['ip', '-o', '-6', 'route', 'show', 'dev', s.hostIf]);
    const dsts = new Set(`${routes.stdout}\n${routes6.stdout}`.split('\n').map((l) => l.split(' ')[0]!));
    for (const a of s.addresses) if (!dsts.has(bare(a)) && !dsts.has(a)) problems.push(`host route ${a} dev ${s.hostIf} is missing`);
  }
  const addrs = await r.pod.run(['ip', '-o', 'addr', 'show', 'dev', s.podIf]);
  if (addrs.code !== 0) {
    problems.push(`pod interface ${s.podIf} is missing in ${s.netnsPath}`);
    return problems;
  }
  for (const a of s.addresses) if (!addrs.stdout.includes(` ${a} `)) problems.push(`pod interface ${s.podIf} lacks ${a}`);
  const v4 = await r.pod.run(['ip', '-o', 'route', 'show', 'default']);
  if (s.addresses.some((a) => !isV6(a)) && !v4.stdout.includes(`via ${GATEWAY4} dev ${s.podIf}`)) problems.push(`pod default route via ${GATEWAY4} is missing`);
  const v6 = await r.pod.run(['ip', '-o', '-6', 'route', 'show', 'default']);
  if (s.addresses.some(isV6) && !v6.stdout.includes(`via ${HOST_LINK_LOCAL6} dev ${s.podIf}`)) problems.push(`pod default route via ${HOST_LINK_LOCAL6} is missing`);
  return problems;
}

export async function podLinkExists(r: Runners, name: string): Promise<boolean> {
  return linkExists(r.pod, name);
}

async function linkExists(r: CommandRunner, name: string): Promise<boolean> {
  return (await r.run(['ip', 'link', 'show', 'dev', name])).code === 0;
}

async function linkMac(r: CommandRunner, name: string): Promise<string> {
  const out = await runChecked(r, ['ip', '-o', 'link', 'show', 'dev', name]);
  const m = /link\/ether ([0-9a-f:]{17})/.exec(out);
  if (!m) throw new Error(`no MAC address on ${name}: ${out.trim()}`);
  return m[1]!;
}
