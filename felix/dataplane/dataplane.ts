/**
 * The node's dataplane: one filter and one nat table per address family, the
 * ipsets, the workload routes and conntrack, each a small manager holding
 * desired state and applying differences. apply() runs them in the only safe
 * order: sets created and filled, then iptables (both families and tables in
 * parallel), then sets destroyed (nothing references them any more), then
 * routes. Nothing here knows about policies; the agent fills the managers.
 */
import { renderDispatchChains, renderForwardChain } from '../calc/render/index.ts';
import type { Logger } from '../../src/lib/log.ts';
import { fromRendered } from './chains.ts';
import type { CommandRunner } from './command-runner.ts';
import { Conntrack } from './conntrack.ts';
import { FILTER_JUMPS, inputChain, NAT_JUMPS, outputChain, postroutingChain, type HookOptions } from './hooks.ts';
import { IPSET_RESTORE, IpSets, zeroIpSetStats, type IpSetApplyStats } from './ipsets.ts';
import { IptablesTable, zeroTableStats, type TableApplyStats } from './iptables-table.ts';
import { IP_BATCH, SYSCTL_LOAD, WorkloadRoutes, zeroRouteStats, type RouteApplyStats } from './routes.ts';
import { WarmCommands } from './warm-commands.ts';

export type Family = 4 | 6;

/** What uninstall() removed (the workload routes go too, uncounted). */
export interface UninstallStats {
  readonly chainsDeleted: number;
  /** Base chains (FORWARD, INPUT, OUTPUT, POSTROUTING) that lost reef's jump. */
  readonly baseChainsCleaned: number;
  readonly setsDestroyed: number;
}

export interface DataplaneOptions {
  readonly runner: CommandRunner;
  readonly families?: readonly Family[];
  readonly hooks?: HookOptions;
  /** Program the nat table (MASQUERADE for natOutgoing pools). */
  readonly nat?: boolean;
  readonly log?: Logger;
  readonly routeProtocol?: number;
  readonly ipsetSwapThreshold?: number;
}

export interface DataplaneApplyStats {
  readonly tables: TableApplyStats;
  readonly ipsets: IpSetApplyStats;
  readonly routes: RouteApplyStats;
}

function addTableStats(into: TableApplyStats, s: TableApplyStats): void {
  into.chainsWritten += s.chainsWritten;
  into.rulesWritten += s.rulesWritten;
  into.chainsDeleted += s.chainsDeleted;
  into.baseChainsFixed += s.baseChainsFixed;
}

export class Dataplane {
  readonly families: readonly Family[];
  readonly filter = new Map<Family, IptablesTable>();
  readonly nat = new Map<Family, IptablesTable>();
  readonly ipsets: IpSets;
  readonly routes: WorkloadRoutes;
  readonly conntrack: Conntrack;
  private readonly hooks: HookOptions;
  private readonly warm: WarmCommands;

  constructor(opts: DataplaneOptions) {
    this.families = opts.families ?? [4, 6];
    this.hooks = opts.hooks ?? {};
    const { runner, log } = opts;
    const warm = (this.warm = new WarmCommands(runner));
    for (const family of this.families) {
      this.filter.set(family, new IptablesTable({ runner, warm, family, table: 'filter', ...(log ? { log } : {}) }));
      if (opts.nat !== false) this.nat.set(family, new IptablesTable({ runner, warm, family, table: 'nat', ...(log ? { log } : {}) }));
    }
    this.ipsets = new IpSets({ runner, warm, ...(log ? { log } : {}), ...(opts.ipsetSwapThreshold !== undefined ? { swapThreshold: opts.ipsetSwapThreshold } : {}) });
    this.routes = new WorkloadRoutes({ runner, warm, ...(log ? { log } : {}), ...(opts.routeProtocol !== undefined ? { protocol: opts.routeProtocol } : {}) });
    this.conntrack = new Conntrack({ runner });
  }

  /**
   * Fail closed before the first sync: hooks in the base chains and, where a
   * previous run left nothing, the entry chain with empty dispatch chains,
   * whose final DROP stops every workload interface. A previous run's chains
   * stay as they are (still enforcing the last policy) until the first sync.
   * From here on a spare of every restore command waits for the applies.
   */
  async installFailClosed(): Promise<DataplaneApplyStats> {
    this.warm.keep([IPSET_RESTORE, ...[...this.filter.values(), ...this.nat.values()].map((t) => t.restoreArgv), SYSCTL_LOAD, IP_BATCH]);
    const tables = zeroTableStats();
    const primed = Promise.all([this.ipsets.prime(), this.routes.prime()]);
    for (const [family, t] of this.filter) {
      for (const [base, rules] of FILTER_JUMPS) t.setBaseJumps(base, rules);
      addTableStats(tables, await t.ensureChains(this.skeleton(family)));
    }
    for (const [family, t] of this.nat) {
      for (const [base, rules] of NAT_JUMPS) t.setBaseJumps(base, rules);
      addTableStats(tables, await t.ensureChains([postroutingChain(family, false)]));
    }
    await primed;
    this.warm.refill();
    return { tables, ipsets: zeroIpSetStats(), routes: zeroRouteStats() };
  }

  /** The entry and hook chains and the jumps; the agent sets the dispatch chains and NAT from its state. */
  setHookChains(): void {
    for (const [family, t] of this.filter) {
      for (const c of [fromRendered(renderForwardChain()), inputChain(this.hooks, family), outputChain(this.hooks, family)]) t.setChain(c);
      for (const [base, rules] of FILTER_JUMPS) t.setBaseJumps(base, rules);
    }
    for (const [, t] of this.nat) for (const [base, rules] of NAT_JUMPS) t.setBaseJumps(base, rules);
  }

  /**
   * Marks everything for comparison with the kernel so the next apply repairs
   * whatever drifted; `reread` false compares with the view read at start
   * (the first sync: the periodic re-check catches anything changed since).
   */
  async markForResync(reread = true): Promise<void> {
    await Promise.all([
      ...[...this.filter.values(), ...this.nat.values()].map((t) => t.markForResync(reread)),
      this.ipsets.markForResync(reread),
      this.routes.markForResync(reread),
    ]);
  }

  /** Ends the spare processes (stop, uninstall); the next installFailClosed() starts them again. */
  closeSpares(): void {
    this.warm.close();
  }

  /**
   * Applies every manager's changes: `ipset restore` first, the tables
   * streaming their transactions meanwhile (rendering lazy chains as they
   * write, holding the rules that use sets until the sets exist), the routes
   * alongside, and sets no longer used destroyed last.
   */
  async apply(): Promise<DataplaneApplyStats> {
    const sets = this.ipsets.applyUpdates();
    // Routes are independent of the rules (an unknown interface fails closed either way). They start once the sets
    // are in: earlier, their commands compete for the CPU with `ipset restore` and the rendering, the rules' critical path.
    const routes = sets.then(
      () => this.routes.apply(),
      () => this.routes.apply(),
    );
    const [rules, routed] = await Promise.allSettled([this.applyRules(sets), routes]);
    // The spares used are replaced once the caller has its result, off this apply's path.
    setImmediate(() => this.warm.refill());
    if (rules.status === 'rejected') throw rules.reason;
    if (routed.status === 'rejected') throw routed.reason;
    return { ...rules.value, routes: routed.value };
  }

  private async applyRules(sets: Promise<IpSetApplyStats>): Promise<Omit<DataplaneApplyStats, 'routes'>> {
    const applied = [...this.filter.values(), ...this.nat.values()].map((t) => t.applyStreamed(sets));
    const [ipsets, ...results] = await Promise.allSettled([sets, ...applied]);
    if (ipsets.status === 'rejected') throw ipsets.reason;
    const tables = zeroTableStats();
    for (const r of results) if (r.status === 'fulfilled') addTableStats(tables, r.value);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const del = await this.ipsets.applyDeletions();
    ipsets.value.setsDestroyed += del.setsDestroyed;
    return { tables, ipsets: ipsets.value };
  }

  /** Removes every reef chain, jump, ipset and workload route; other programs' rules stay. */
  async uninstall(): Promise<UninstallStats> {
    this.warm.close();
    const tables = zeroTableStats();
    for (const t of [...this.filter.values(), ...this.nat.values()]) addTableStats(tables, await t.uninstall());
    const sets = await this.ipsets.uninstall();
    await this.routes.uninstall();
    return { chainsDeleted: tables.chainsDeleted, baseChainsCleaned: tables.baseChainsFixed, setsDestroyed: sets.setsDestroyed };
  }

  get chainCount(): number {
    let n = 0;
    for (const t of [...this.filter.values(), ...this.nat.values()]) n += t.chainCount;
    return n;
  }

  private skeleton(family: Family) {
    return [fromRendered(renderForwardChain()), ...renderDispatchChains([]).map(fromRendered), inputChain(this.hooks, family), outputChain(this.hooks, family)];
  }
}
