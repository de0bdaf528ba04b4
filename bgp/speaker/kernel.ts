/**
 * The FIB side of the speaker: a FibSyncer subscribed to the Rib, flushed
 * after each Loc-RIB batch with at most one netlink batch in flight (changes
 * that arrive meanwhile go out in the next one, so a busy RIB makes fewer,
 * larger batches).
 *
 * Our own graceful restart: at start, reconcile adopts the routes a previous
 * reef left (protocol 85) so forwarding continues; `sweep()` once the peers
 * have sent their tables removes whatever nobody wants any more.
 */
import type { Logger } from '../../src/lib/log.ts';
import { FibSyncer, type FlushResult } from '../fib/fib-sync.ts';
import { openNetlinkTransport } from '../fib/netlink-socket.ts';
import { NetlinkRouteWriter, type RouteWriter } from '../fib/route-writer.ts';
import type { Rib } from '../rib/rib.ts';

export interface KernelOptions {
  readonly protocol?: number;
  readonly table?: number;
  readonly blackholeOriginated?: boolean;
}

export class KernelSync {
  readonly #fib: FibSyncer;
  readonly #writer: RouteWriter;
  readonly #rib: Rib;
  readonly #log: Logger;
  #unsubscribe: (() => void) | null = null;
  #busy: Promise<void> | null = null;
  #again = false;
  #stopped = false;

  constructor(rib: Rib, o: KernelOptions, log: Logger, writer?: RouteWriter) {
    this.#rib = rib;
    this.#log = log;
    this.#writer = writer ?? new NetlinkRouteWriter(openNetlinkTransport());
    this.#fib = new FibSyncer(this.#writer, { ...(o.protocol !== undefined ? { protocol: o.protocol } : {}), ...(o.table !== undefined ? { table: o.table } : {}), blackholeOriginated: o.blackholeOriginated ?? false, blockHint: (hi) => rib.blockCapacity(hi) }, log);
  }

  get installed(): number {
    return this.#fib.installedCount;
  }

  get pending(): number {
    return this.#fib.pending;
  }

  /** Reconciles with the kernel; returns how many of our routes were already there (kept with `adopt`). */
  async start(adopt: boolean): Promise<number> {
    this.#unsubscribe = this.#rib.subscribe((b) => this.#fib.onChanges(b));
    // The Rib hands subscribers only later changes: take what it already holds (originated prefixes).
    this.#rib.forEachBest((key, best) => this.#fib.want(key, best));
    const r = await this.#run(() => this.#fib.reconcile({ adopt }));
    this.#log.info('kernel routes reconciled', { adopt, ...summary(r) });
    return r === null ? 0 : Math.max(0, this.#fib.installedCount - r.added);
  }

  /** Writes pending changes; coalesces calls while a batch is in flight. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#busy !== null) {
      this.#again = true;
      return;
    }
    if (this.#fib.pending === 0) return;
    void this.#run(() => this.#fib.flush());
  }

  async sweep(): Promise<void> {
    const r = await this.#run(() => this.#fib.sweep());
    this.#log.info('kernel routes swept after convergence', summary(r));
  }

  /** Stops following the Rib: what is installed stays (graceful restart keeps forwarding). */
  detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  /** Waits for in-flight writes, writes what is pending, and closes the socket. */
  async stop(): Promise<void> {
    while (this.#busy !== null) await this.#busy;
    if (!this.#stopped && this.#unsubscribe !== null && this.#fib.pending > 0) await this.#run(() => this.#fib.flush());
    this.#stopped = true;
    this.detach();
    this.#writer.close();
  }

  async #run(op: () => Promise<FlushResult>): Promise<FlushResult | null> {
    while (this.#busy !== null) await this.#busy;
    let result: FlushResult | null = null;
    const p = op().then(
      (r) => {
        result = r;
      },
      (e: unknown) => {
        this.#log.error('kernel route write failed', { error: e instanceof Error ? e.message : String(e) });
      },
    );
    this.#busy = p;
    await p;
    this.#busy = null;
    if (this.#again) {
      this.#again = false;
      this.kick();
    }
    return result;
  }
}

function summary(r: FlushResult | null): Record<string, number> {
  return r === null ? {} : { added: r.added, replaced: r.replaced, deleted: r.deleted, failed: r.failed.length };
}
