/**
 * Routes from the host to its local workloads: `ADDR/32 dev VETH scope link`
 * (`/128` for IPv6), tagged with reef's workload route protocol so read-back
 * lists only reef's routes and never touches anyone else's. Plus the host-side
 * settings a routed veth needs: proxy_arp (the pod's gateway 169.254.1.1 is
 * answered by the host), proxy_delay 0 (the kernel's default delays the
 * first ARP reply of a new pod by up to a second), and forwarding per
 * interface instead of the global switch. IPv6 has no per-interface switch:
 * `net.ipv6.conf.IFACE.forwarding` only makes the host act as a router on
 * that link, and the kernel forwards IPv6 only with
 * `net.ipv6.conf.all.forwarding` on, so a node with IPv6 workloads gets that
 * too (as Calico's felix sets it).
 */
import type { Logger } from '../../src/lib/log.ts';
import { DataplaneCommandError, type CommandRunner } from './command-runner.ts';
import { WarmCommands } from './warm-commands.ts';

/**
 * reef's protocol number for workload routes: not the BGP syncer's 85, not
 * Calico's 80, unused in iproute2's rt_protos.
 */
export const RTPROT_REEF_WORKLOAD = 86;

/** The two commands an apply runs: sysctl settings as `key=value` lines, routes as `ip` batch lines. */
export const SYSCTL_LOAD: readonly string[] = ['sysctl', '-q', '-p', '-'];
export const IP_BATCH: readonly string[] = ['ip', '-force', '-batch', '-'];

export interface RouteApplyStats {
  routesReplaced: number;
  routesDeleted: number;
  interfacesConfigured: number;
}

export function zeroRouteStats(): RouteApplyStats {
  return { routesReplaced: 0, routesDeleted: 0, interfacesConfigured: 0 };
}

export interface WorkloadRoutesOptions {
  readonly runner: CommandRunner;
  readonly protocol?: number;
  readonly log?: Logger;
  /** Where sysctl and `ip -batch` are taken from (spares when the dataplane keeps them). */
  readonly warm?: WarmCommands;
}

/** `10.0.0.5/32` or a bare address -> the route's destination as `ip route show` prints it. */
function routeDst(cidr: string): string {
  return cidr.replace(/\/(32|128)$/, '');
}

export class WorkloadRoutes {
  private readonly runner: CommandRunner;
  private readonly protocol: number;
  private readonly log: Logger | undefined;
  private readonly warm: WarmCommands;
  /** endpoint key -> its interface and addresses. */
  private readonly endpoints = new Map<string, { iface: string; ips: readonly string[] }>();
  private readonly configured = new Set<string>();
  private installed: Map<string, string> | undefined;
  private dirty = false;

  constructor(opts: WorkloadRoutesOptions) {
    this.runner = opts.runner;
    this.protocol = opts.protocol ?? RTPROT_REEF_WORKLOAD;
    this.log = opts.log;
    this.warm = opts.warm ?? new WarmCommands(opts.runner);
  }

  setEndpoint(key: string, iface: string, ips: readonly string[]): void {
    this.endpoints.set(key, { iface, ips });
    this.dirty = true;
  }

  removeEndpoint(key: string): void {
    if (this.endpoints.delete(key)) this.dirty = true;
  }

  /** `reread` false: trust the cached view (read at start, kept up to date by our own writes). */
  async markForResync(reread = true): Promise<void> {
    if (reread || !this.installed) this.installed = await this.readBack();
    // Interface settings cannot be read back cheaply in bulk; writing them again is idempotent.
    this.configured.clear();
    this.dirty = true;
  }

  /** Reads reef's routes into the cache without planning any change. */
  async prime(): Promise<void> {
    await this.readBack();
  }

  async apply(): Promise<RouteApplyStats> {
    const stats = zeroRouteStats();
    if (!this.dirty) return stats;
    const installed = this.installed ?? (await this.readBack());
    const desired = new Map<string, string>();
    for (const { iface, ips } of this.endpoints.values()) for (const ip of ips) desired.set(routeDst(ip), iface);
    const lines: string[] = [];
    for (const [dst, iface] of desired) {
      if (installed.get(dst) === iface) continue;
      lines.push(`route replace ${dst} dev ${iface} scope link proto ${this.protocol}`);
      stats.routesReplaced++;
    }
    for (const [dst, iface] of installed) {
      if (desired.has(dst)) continue;
      lines.push(`route del ${dst} dev ${iface} proto ${this.protocol}`);
      stats.routesDeleted++;
    }
    const ifaces = new Map<string, boolean>();
    for (const { iface, ips } of this.endpoints.values()) {
      if (!this.configured.has(iface)) ifaces.set(iface, (ifaces.get(iface) ?? false) || ips.some((i) => i.includes(':')));
    }
    const sysctls: string[] = [];
    if ([...ifaces.values()].some((v6) => v6)) sysctls.push('net.ipv6.conf.all.forwarding=1');
    for (const [iface, v6] of ifaces) {
      sysctls.push(`net.ipv4.conf.${iface}.proxy_arp=1`, `net.ipv4.neigh.${iface}.proxy_delay=0`, `net.ipv4.conf.${iface}.forwarding=1`);
      if (v6) sysctls.push(`net.ipv6.conf.${iface}.forwarding=1`);
    }
    // The sysctls first: a route to a pod is only useful once its veth forwards and answers ARP.
    let failed: DataplaneCommandError | undefined;
    if (sysctls.length > 0) {
      // A missing key (the veth is gone already) fails the command but not the other keys.
      const res = await this.warm.take(SYSCTL_LOAD).end(`${sysctls.join('\n')}\n`);
      if (res.code === 0) for (const i of ifaces.keys()) this.configured.add(i);
      else failed = new DataplaneCommandError(SYSCTL_LOAD, res, `(${sysctls.length} keys)`);
      stats.interfacesConfigured = ifaces.size;
    }
    const live = new Set([...this.endpoints.values()].map((e) => e.iface));
    for (const i of this.configured) if (!live.has(i)) this.configured.delete(i);
    if (lines.length > 0) {
      // -force: one missing veth must not keep every other pod's route out; the failure is reported and retried.
      const res = await this.warm.take(IP_BATCH).end(`${lines.join('\n')}\n`);
      if (res.code !== 0) {
        this.installed = undefined;
        failed ??= new DataplaneCommandError(IP_BATCH, res);
      } else {
        for (const [dst, iface] of desired) installed.set(dst, iface);
        for (const dst of [...installed.keys()]) if (!desired.has(dst)) installed.delete(dst);
      }
    }
    if (failed) {
      this.log?.warn('workload routes incomplete', { err: failed.message });
      throw failed;
    }
    this.dirty = false;
    return stats;
  }

  /** Deletes every route of reef's workload protocol. */
  async uninstall(): Promise<void> {
    for (const fam of ['-4', '-6']) {
      await this.runner.run(['ip', fam, 'route', 'flush', 'proto', String(this.protocol)]);
    }
    this.endpoints.clear();
    this.configured.clear();
    this.installed = new Map();
    this.dirty = false;
  }

  private async readBack(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const fam of ['-4', '-6']) {
      const res = await this.runner.run(['ip', '-o', fam, 'route', 'show', 'proto', String(this.protocol)]);
      if (res.code !== 0) throw new DataplaneCommandError(['ip', fam, 'route', 'show'], res);
      for (const line of res.stdout.split('\n')) {
        const m = /^(\S+) dev (\S+)/.exec(line);
        if (m) out.set(m[1]!, m[2]!);
      }
    }
    this.installed = out;
    return out;
  }
}
