/**
 * The policy agent: reef's felix for one node.
 *
 *   input (AgentInput: endpoints, namespaces, policies, pools, synced)
 *     -> CalcGraph (pure, incremental; events in a safe order)
 *     -> Translator (events -> managers' desired state, only what changed)
 *     -> Dataplane (ipsets, iptables per family/table, routes, conntrack)
 *
 * start() makes the node fail closed at once (hooks and dispatch chains that
 * drop unknown workload interfaces) but writes nothing else until the input
 * says `synced`, so a half-read datastore never opens a hole. Until then the
 * calc graph gathers the input as one batch and computes it once at `synced`.
 * The first apply after that is a full resync against the kernel; later ones
 * are deltas, coalesced over a few milliseconds. A periodic re-check reads the kernel back
 * and repairs what someone else removed or changed. stop() leaves every rule in
 * place (the node stays enforced while the agent restarts); only uninstall()
 * removes reef from the kernel.
 */
import { CalcGraph, type CalcEvent } from './calc/graph/index.ts';
import { DEFAULT_MARKS, type Marks } from './calc/render/index.ts';
import type { EndpointInput, NamespaceInput, PolicyInput } from './calc/policy/index.ts';
import { systemClock, type Clock, type TimerHandle } from '../src/lib/clock.ts';
import { childLogger, type Logger } from '../src/lib/log.ts';
import type { CommandRunner } from './dataplane/command-runner.ts';
import { Dataplane, type DataplaneApplyStats, type Family, type UninstallStats } from './dataplane/dataplane.ts';
import type { HookOptions } from './dataplane/hooks.ts';
import { Translator, type PoolInput } from './agent-translate.ts';

export type { PoolInput } from './agent-translate.ts';

/** What feeds the agent (the node's datastore adapter, or a test). */
export interface AgentInput {
  upsertEndpoint(ep: EndpointInput): void;
  /** `namespace/name`. */
  removeEndpoint(key: string): void;
  upsertNamespace(ns: NamespaceInput): void;
  removeNamespace(name: string): void;
  upsertPolicy(p: PolicyInput): void;
  /** The calc's policy key: `np:ns/name`, `gnp:name`, `knp:ns/name`. */
  removePolicy(key: string): void;
  upsertPool(p: PoolInput): void;
  removePool(name: string): void;
  /** Everything that existed when the input started has been delivered. */
  synced(): void;
}

export interface PolicyAgentOptions {
  readonly nodeName: string;
  readonly runner: CommandRunner;
  readonly families?: readonly Family[];
  /** How long changes are gathered before one apply. */
  readonly coalesceMs?: number;
  /** Period of the kernel read-back and repair; 0 turns it off. */
  readonly recheckIntervalMs?: number;
  /** Delay before retrying a failed apply. */
  readonly retryMs?: number;
  readonly marks?: Marks;
  readonly hooks?: HookOptions;
  readonly nat?: boolean;
  readonly clock?: Clock;
  readonly log?: Logger;
}

export interface ApplyRecord {
  /** Wall-clock time of the end of the apply (ms since the epoch). */
  readonly at: number;
  readonly durationMs: number;
  /** Of durationMs: folding the events into the dataplane's desired state (chains render later, while the tables are written). */
  readonly foldMs: number;
  readonly full: boolean;
  readonly events: number;
  readonly stats: DataplaneApplyStats;
  readonly conntrackFlushed: number;
}

export interface AgentStatus {
  readonly running: boolean;
  readonly synced: boolean;
  readonly endpoints: number;
  readonly policies: number;
  readonly ipsets: number;
  readonly chains: number;
  readonly applies: number;
  readonly lastApply?: ApplyRecord;
  readonly lastError?: string;
  /** Failed applies in a row (0 when the last apply succeeded). */
  readonly failures: number;
  readonly invalidPolicies: readonly string[];
  /** Sums over every apply since start: how much was written, for metrics and for spotting repairs. */
  readonly totals: ApplyTotals;
}

export interface ApplyTotals {
  chainsWritten: number;
  rulesWritten: number;
  chainsDeleted: number;
  baseChainsFixed: number;
  membersAdded: number;
  membersRemoved: number;
  routesReplaced: number;
}

export class PolicyAgent implements AgentInput {
  readonly dataplane: Dataplane;
  private readonly graph: CalcGraph;
  private readonly translator: Translator;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly coalesceMs: number;
  private readonly recheckMs: number;
  private readonly retryMs: number;
  private readonly pools = new Map<string, PoolInput>();
  private readonly invalid = new Map<string, string>();
  private pending: CalcEvent[] = [];
  private poolsDirty = true;
  private fullPending = true;
  private running = false;
  private isSynced = false;
  private timer: TimerHandle | undefined;
  private recheckTimer: TimerHandle | undefined;
  private inflight: Promise<void> | undefined;
  private again = false;
  private applies = 0;
  private failures = 0;
  private lastApply: ApplyRecord | undefined;
  private lastError: string | undefined;
  private conntrackWork = new Set<Promise<unknown>>();
  private readonly totals: ApplyTotals = { chainsWritten: 0, rulesWritten: 0, chainsDeleted: 0, baseChainsFixed: 0, membersAdded: 0, membersRemoved: 0, routesReplaced: 0 };

  constructor(opts: PolicyAgentOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? childLogger({ component: 'felix', node: opts.nodeName });
    this.coalesceMs = opts.coalesceMs ?? 5;
    this.recheckMs = opts.recheckIntervalMs ?? 30_000;
    this.retryMs = opts.retryMs ?? 1_000;
    this.dataplane = new Dataplane({ runner: opts.runner, families: opts.families ?? [4, 6], log: this.log, ...(opts.hooks ? { hooks: opts.hooks } : {}), ...(opts.nat !== undefined ? { nat: opts.nat } : {}) });
    this.translator = new Translator(this.dataplane, opts.marks ?? DEFAULT_MARKS);
    this.graph = new CalcGraph({ nodeName: opts.nodeName, listener: (ev) => this.onEvents(ev) });
    // Nothing is applied before synced(), so the initial load is one batch: the graph computes
    // the whole state once at synced() instead of emitting (and re-emitting) per input.
    this.graph.beginBatch();
  }

  /** Installs the fail-closed skeleton; nothing else is written until synced(). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const stats = await this.dataplane.installFailClosed();
    this.log.info('policy agent started, failing closed until synced', { chainsWritten: stats.tables.chainsWritten });
    if (this.isSynced) this.schedule(0);
  }

  /** Stops applying and re-checking; the kernel keeps every rule. Idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    this.clock.clearTimeout(this.timer);
    this.clock.clearTimeout(this.recheckTimer);
    this.timer = this.recheckTimer = undefined;
    await this.inflight;
    this.dataplane.closeSpares();
    await Promise.allSettled([...this.conntrackWork]);
  }

  /** Stops, then removes every reef chain, jump, ipset and workload route. */
  async uninstall(): Promise<UninstallStats> {
    await this.stop();
    const removed = await this.dataplane.uninstall();
    this.log.info('policy agent uninstalled', { ...removed });
    return removed;
  }

  // ---- input ----

  upsertEndpoint(ep: EndpointInput): void {
    this.graph.upsertEndpoint(ep);
  }

  removeEndpoint(key: string): void {
    this.graph.removeEndpoint(key);
  }

  upsertNamespace(ns: NamespaceInput): void {
    this.graph.upsertNamespace(ns);
  }

  removeNamespace(name: string): void {
    this.graph.removeNamespace(name);
  }

  upsertPolicy(p: PolicyInput): void {
    const key = p.kind === 'GlobalNetworkPolicy' ? `gnp:${p.name}` : `${p.kind === 'NetworkPolicy' ? 'np' : 'knp'}:${p.namespace}/${p.name}`;
    try {
      this.graph.upsertPolicy(p);
      this.invalid.delete(key);
    } catch (err) {
      // The previous version (if any) stays programmed; the operator sees why in status and logs.
      this.invalid.set(key, String(err instanceof Error ? err.message : err));
      this.log.warn('policy rejected', { policy: key, err: String(err) });
    }
  }

  removePolicy(key: string): void {
    this.invalid.delete(key);
    this.graph.removePolicy(key);
  }

  upsertPool(p: PoolInput): void {
    this.pools.set(p.name, p);
    this.poolsDirty = true;
    this.schedule();
  }

  removePool(name: string): void {
    if (this.pools.delete(name)) {
      this.poolsDirty = true;
      this.schedule();
    }
  }

  synced(): void {
    if (this.isSynced) return;
    this.isSynced = true;
    this.schedule(0);
    this.graph.endBatch();
  }

  // ---- applying ----

  /** Applies whatever is pending now and resolves when it is in the kernel (for tests and benchmarks). */
  async flush(): Promise<void> {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.kick();
    if (this.lastError && this.failures > 0) throw new Error(this.lastError);
  }

  /** Resolves when the conntrack flushes started by earlier applies are done. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.conntrackWork]);
  }

  /** A full read-back and repair now (what the periodic re-check does). */
  async recheck(): Promise<void> {
    this.fullPending = true;
    await this.flush();
  }

  status(): AgentStatus {
    const s = this.translator.state;
    return {
      running: this.running,
      synced: this.isSynced,
      endpoints: s.endpoints.size,
      policies: s.policies.size,
      ipsets: this.dataplane.ipsets.setCount,
      chains: this.dataplane.chainCount,
      applies: this.applies,
      ...(this.lastApply ? { lastApply: this.lastApply } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      failures: this.failures,
      invalidPolicies: [...this.invalid.keys()],
      totals: { ...this.totals },
    };
  }

  private onEvents(ev: readonly CalcEvent[]): void {
    for (const e of ev) this.pending.push(e);
    this.schedule();
  }

  private schedule(delay = this.coalesceMs): void {
    if (!this.running || !this.isSynced || this.timer) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.kick();
    }, delay);
  }

  /** One apply at a time; changes arriving meanwhile are picked up by another round. */
  private kick(): Promise<void> {
    if (!this.running || !this.isSynced) return Promise.resolve();
    if (this.inflight) {
      this.again = true;
      return this.inflight;
    }
    this.inflight = (async () => {
      try {
        do {
          this.again = false;
          await this.applyOnce();
        } while (this.again && this.running);
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  private async applyOnce(): Promise<void> {
    const full = this.fullPending;
    const events = this.pending;
    this.pending = [];
    const started = this.clock.now();
    let flush = new Set<string>();
    let foldMs = 0;
    try {
      flush = this.translator.apply(events, full);
      if (full) this.dataplane.setHookChains();
      if (this.poolsDirty || full) {
        this.translator.setPools(this.pools.values());
        this.poolsDirty = false;
      }
      foldMs = this.clock.now() - started;
      if (full) await this.dataplane.markForResync(this.applies > 0 || this.failures > 0);
      this.fullPending = false;
      const stats = await this.dataplane.apply();
      this.applies++;
      this.addTotals(stats);
      this.failures = 0;
      this.lastError = undefined;
      this.lastApply = { at: Date.now(), durationMs: this.clock.now() - started, foldMs, full, events: events.length, stats, conntrackFlushed: flush.size };
      this.log.info('policy programmed', {
        full,
        events: events.length,
        endpoints: this.translator.state.endpoints.size,
        policies: this.translator.state.policies.size,
        chainsWritten: stats.tables.chainsWritten,
        chainsDeleted: stats.tables.chainsDeleted,
        membersAdded: stats.ipsets.membersAdded,
        membersRemoved: stats.ipsets.membersRemoved,
        ms: Math.round(this.lastApply.durationMs),
      });
      this.armRecheck();
      if (flush.size > 0) this.flushConntrack(flush);
    } catch (err) {
      this.failures++;
      this.lastError = err instanceof Error ? err.message : String(err);
      // The managers keep their desired state; a full resync reconciles whatever half-applied.
      this.fullPending = true;
      this.log.error('policy apply failed', { err: this.lastError, failures: this.failures });
      if (this.running) {
        this.clock.clearTimeout(this.timer);
        this.timer = this.clock.setTimeout(() => {
          this.timer = undefined;
          void this.kick();
        }, this.retryMs);
      }
    }
  }

  private addTotals(s: DataplaneApplyStats): void {
    const t = this.totals;
    t.chainsWritten += s.tables.chainsWritten;
    t.rulesWritten += s.tables.rulesWritten;
    t.chainsDeleted += s.tables.chainsDeleted;
    t.baseChainsFixed += s.tables.baseChainsFixed;
    t.membersAdded += s.ipsets.membersAdded;
    t.membersRemoved += s.ipsets.membersRemoved;
    t.routesReplaced += s.routes.routesReplaced;
  }

  private armRecheck(): void {
    if (this.recheckMs <= 0 || !this.running || this.recheckTimer) return;
    this.recheckTimer = this.clock.setTimeout(() => {
      this.recheckTimer = undefined;
      this.fullPending = true;
      void this.kick().finally(() => this.armRecheck());
    }, this.recheckMs);
  }

  private flushConntrack(addresses: Set<string>): void {
    const work = this.dataplane.conntrack.flush(addresses).then(
      (failures) => {
        if (failures.length) this.log.warn('conntrack flush incomplete', { failures: failures.slice(0, 5), count: failures.length });
      },
      (err: unknown) => this.log.warn('conntrack flush failed', { err: String(err) }),
    );
    this.conntrackWork.add(work);
    void work.finally(() => this.conntrackWork.delete(work));
  }
}
