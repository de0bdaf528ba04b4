/**
 * The allocator: addresses for pods, from the node's affine blocks first,
 * then from a newly claimed block (claim.ts), then borrowed from another
 * node's block unless strictAffinity. Every write is one transaction over the
 * blocks and handle records it touches (plan.ts), retried through
 * withCasRetry; nothing is locked across processes.
 *
 * Round trips for an allocation from a block the node already holds: one
 * transaction when this allocator's copy of the block is current, two when
 * another writer changed the block first (the refusal brings the fresh block
 * back). A fresh allocator reads the node's affinities and blocks once first.
 */
import { childLogger, type Logger } from '../src/lib/log.ts';
import type { AllocationAttrs } from './block.ts';
import { claimBlock } from './claim.ts';
import { decodeConfig } from './config.ts';
import {
  IpamAddressInReservationError,
  IpamAddressInUseError,
  IpamAddressNotInPoolError,
  IpamAddressReservedError,
  IpamInvalidRequestError,
  IpamMaxBlocksError,
  IpamNoPoolError,
  IpamPoolDisabledError,
  IpamPoolExhaustedError,
} from './errors.ts';
import { enclosingCidr, formatIp, parseIp, type Family } from './ip.ts';
import { Plan } from './plan.ts';
import { blocksOf, eligiblePools, parsePool, poolContaining, type IpamPool, type NodeMatches, type ParsedPool } from './pools.ts';
import { BLOCKS_PREFIX, CONFIG_KEY, blockKey, blockName, cidrOfBlockName, decodeAffinity, handleKey, nodeAffinitiesPrefix } from './records.ts';
import { releaseByHandle, releaseIPs, type ReleaseResult } from './release.ts';
import { fullyReserved, parseReservations, reservationHolding, reservedSkip, type ParsedReservation, type ReservationInput } from './reservations.ts';
import { CONFLICT, withCasRetry, type Conflict } from './retry.ts';
import { IpamState, type NodeView } from './state.ts';
import type { IpamStore, KV } from './store.ts';

/**
 * Wall-clock milliseconds since the epoch. Not src/lib's monotonic Clock:
 * release times and pending-claim times are stored and compared across
 * processes and machines, so they must share an epoch.
 */
/**
 * How many times one autoAssign starts over after losing a block claim or to
 * wait for a claim of its own node in flight (withCasRetry paces them), and
 * how old a pending affinity may be to be waited on: a claim takes three
 * transactions, so an older one was left by a crash (GC resolves it).
 */
const MAX_CLAIM_RETRIES = 25;
const PENDING_WAIT_MS = 10_000;

export interface WallClock {
  now(): number;
}

export interface AllocatorOptions {
  store: IpamStore;
  /** The pools, read when needed (a resource-model reader or a fixed list). */
  pools: () => Promise<readonly IpamPool[]> | readonly IpamPool[];
  /**
   * Reserved CIDRs (IPReservations), read at every call like pools: never
   * handed out automatically, refused when asked for by address. None when absent.
   */
  reservations?: () => Promise<readonly ReservationInput[]> | readonly ReservationInput[];
  nodeMatches?: NodeMatches;
  clock?: WallClock;
  /** How long a released address rests before it is handed out again. */
  cooldownMs?: number;
  log?: Logger;
}

export interface AutoAssignRequest {
  num4: number;
  num6: number;
  handle: string;
  node: string;
  attrs?: Omit<AllocationAttrs, 'handle'>;
  /** Pool names or CIDRs to take from; all eligible pools when absent. */
  pools?: readonly string[];
  signal?: AbortSignal;
}

export interface AssignResult {
  ipv4: string[];
  ipv6: string[];
}

export class IpamAllocator {
  private readonly store: IpamStore;
  private readonly readPools: AllocatorOptions['pools'];
  private readonly readReservations: NonNullable<AllocatorOptions['reservations']>;
  private readonly nodeMatches: NodeMatches;
  private readonly clock: WallClock;
  readonly cooldownMs: number;
  private readonly log: Logger;
  private readonly state = new IpamState();

  constructor(opts: AllocatorOptions) {
    this.store = opts.store;
    this.readPools = opts.pools;
    this.readReservations = opts.reservations ?? (() => []);
    this.nodeMatches = opts.nodeMatches ?? (() => true);
    this.clock = opts.clock ?? { now: () => Date.now() };
    this.cooldownMs = opts.cooldownMs ?? 5_000;
    this.log = opts.log ?? childLogger({ component: 'ipam' });
  }

  async pools(): Promise<ParsedPool[]> {
    return (await this.readPools()).map(parsePool);
  }

  async reservations(): Promise<ParsedReservation[]> {
    return parseReservations(await this.readReservations());
  }

  async autoAssign(req: AutoAssignRequest): Promise<AssignResult> {
    const { num4, num6, handle, node, signal } = req;
    if (!handle) throw new IpamInvalidRequestError('a handle is required');
    if (!node) throw new IpamInvalidRequestError('a node is required');
    for (const [k, n] of [['num4', num4], ['num6', num6]] as const) {
      if (!Number.isInteger(n) || n < 0) throw new IpamInvalidRequestError(`${k} must be a whole number >= 0, not ${n}`);
    }
    const all = await this.pools();
    const reserved = await this.reservations();
    const wanted = ([[4, num4], [6, num6]] as [Family, number][]).filter(([, n]) => n > 0);
    const eligible = new Map<Family, ParsedPool[]>();
    for (const [family] of wanted) {
      const ps = eligiblePools(all, node, family, this.nodeMatches, req.pools);
      if (ps.length === 0) throw new IpamNoPoolError(req.pools ? { node, family, requested: [...req.pools] } : { node, family });
      eligible.set(family, ps);
    }
    const attrs: AllocationAttrs = { ...req.attrs, handle, node };
    let handleKv: KV | undefined;
    let inFlight: { plan: Plan; result: AssignResult } | undefined;
    // Attempts restarted after a lost claim race or to wait for a claim of this node in flight.
    let claimRetries = 0;

    return withCasRetry(
      signal,
      async ({ uncertain }) => {
        if (uncertain && inFlight) {
          // The last commit may have landed before the connection broke: look before allocating twice.
          const landed = await this.landed(inFlight.plan, handle, signal);
          if (landed) return inFlight.result;
        }
        inFlight = undefined;
        let view = this.state.view(node);
        let refreshed = view === undefined;
        view ??= await this.refreshView(node, signal);
        const borrowed = new Map<Family, string[]>();
        for (;;) {
          const now = this.clock.now();
          const plan = new Plan();
          plan.useHandle(handle, handleKv);
          const result: AssignResult = { ipv4: [], ipv6: [] };
          let short: Family | undefined;
          for (const [family, n] of wanted) {
            const names = [...view.confirmed.filter((b) => this.usable(b, node, eligible.get(family)!)), ...(borrowed.get(family) ?? [])];
            const got = this.fill(plan, names, n, attrs, now, reserved);
            (family === 4 ? result.ipv4 : result.ipv6).push(...got);
            if (got.length < n) {
              short = family;
              break;
            }
          }
          if (short === undefined) {
            inFlight = { plan, result };
            const r = await plan.commit(this.store, this.state, signal);
            inFlight = undefined;
            if (r.ok) return result;
            // A resent transaction that had landed the first time is refused
            // now; the refusal carries the blocks, so look for our own write.
            if (this.heldBy(plan, handle)) return result;
            handleKv = r.handles.get(handle);
            return CONFLICT;
          }
          if (!refreshed) {
            view = await this.refreshView(node, signal);
            refreshed = true;
            continue;
          }
          const mayRetry = claimRetries < MAX_CLAIM_RETRIES;
          const grown = await this.grow(node, short, eligible.get(short)!, view, borrowed, wanted.find(([f]) => f === short)![1], reserved, mayRetry, signal);
          if (grown === CONFLICT) {
            // Another claimer got there first (perhaps for this very node):
            // start over from a fresh view of the node's affinities and blocks.
            claimRetries++;
            this.state.forgetView(node);
            return CONFLICT;
          }
          view = grown;
        }
      },
      { operation: `assign addresses to ${handle}` },
    );
  }

  /** Assigns one named address, claiming its block for `node` when no one holds it yet. */
  async assignIP(address: string, handle: string, node: string, attrsIn: Omit<AllocationAttrs, 'handle'> = {}, signal?: AbortSignal): Promise<string> {
    const ip = parseIp(address);
    if (!ip) throw new IpamInvalidRequestError(`"${address}" is not an IP address`);
    if (!handle) throw new IpamInvalidRequestError('a handle is required');
    const pool = poolContaining(await this.pools(), ip.family, ip.value);
    if (!pool) throw new IpamAddressNotInPoolError({ address });
    if (pool.pool.disabled) throw new IpamPoolDisabledError({ address, pool: pool.pool.name });
    const held = reservationHolding(await this.reservations(), ip.family, ip.value);
    if (held) throw new IpamAddressInReservationError({ address: formatIp(ip.family, ip.value), cidr: held.text, ...(held.name ? { reservation: held.name } : {}) });
    const cidr = enclosingCidr(ip.family, ip.value, pool.pool.blockSize);
    const name = blockName(cidr);
    const bKey = blockKey(cidr);
    const attrs: AllocationAttrs = { ...attrsIn, handle, node };
    return withCasRetry(
      signal,
      async () => {
        const [b, h, aff, cfg] = await this.store.read([{ key: bKey }, { key: handleKey(handle) }, { prefix: nodeAffinitiesPrefix(node), keysOnly: true }, { key: CONFIG_KEY }], signal);
        let snap = this.state.noteBlock(bKey, b![0]);
        const text = snap.block?.addressOf(Number(ip.value - cidr.base));
        if (!snap.block) {
          const config = decodeConfig(cfg![0]?.value);
          if (config.maxBlocksPerHost > 0 && aff!.length >= config.maxBlocksPerHost) {
            throw new IpamMaxBlocksError({ node, blocks: aff!.length, max: config.maxBlocksPerHost });
          }
          const c = await claimBlock(this.store, node, cidr, this.clock.now(), signal);
          if (!c.claimed) return CONFLICT;
          this.log.info('block claimed', { node, block: name, reason: 'specific address' });
          this.state.forgetView(node);
          this.state.wrote(name, bKey, c.block, c.modRevision);
          snap = this.state.block(name)!;
        }
        const plan = new Plan();
        plan.useHandle(handle, h![0]);
        const block = plan.working(snap);
        const out = block.assign(block.ordinalOf(ip.value)!, attrs);
        const shown = text ?? block.addressOf(block.ordinalOf(ip.value)!);
        if (!out.ok) {
          if (out.reason === 'in-use' && out.handle === handle) return shown;
          if (out.reason === 'in-use') throw new IpamAddressInUseError({ address: shown, handle: out.handle });
          throw new IpamAddressReservedError({ address: shown, block: name });
        }
        plan.count(handle, name, 1);
        const r = await plan.commit(this.store, this.state, signal);
        return r.ok ? shown : CONFLICT;
      },
      { operation: `assign ${address} to ${handle}` },
    );
  }

  /** Idempotent: releasing a handle that holds nothing returns an empty result. */
  releaseByHandle(handle: string, opts: { signal?: AbortSignal; scanBlocks?: boolean } = {}): Promise<ReleaseResult> {
    return releaseByHandle(this.deps(), handle, opts);
  }

  releaseIPs(addresses: readonly string[], signal?: AbortSignal): Promise<ReleaseResult> {
    return releaseIPs(this.deps(), addresses, signal);
  }

  private deps() {
    return { store: this.store, state: this.state, now: () => this.clock.now(), pools: () => this.pools() };
  }

  /** True when the block is affine to `node` and in one of the pools. */
  private usable(name: string, node: string, pools: readonly ParsedPool[]): boolean {
    const snap = this.state.block(name);
    if (!snap?.block || snap.block.affinity !== node) return false;
    const c = snap.block.cidr;
    return pools.some((p) => poolContaining([p], c.family, c.base) !== undefined);
  }

  private fill(plan: Plan, names: readonly string[], n: number, attrs: AllocationAttrs, now: number, reserved: readonly ParsedReservation[]): string[] {
    const out: string[] = [];
    for (const name of names) {
      if (out.length >= n) break;
      const snap = this.state.block(name);
      if (!snap?.block) continue;
      const skip = reservedSkip(reserved, snap.block.cidr);
      if (snap.block.available(now, this.cooldownMs, skip) === 0) continue;
      const block = plan.working(snap);
      const got = block.allocate(n - out.length, attrs, now, this.cooldownMs, skip);
      if (got.length > 0) plan.count(attrs.handle, name, got.length);
      out.push(...got.map((o) => block.addressOf(o)));
    }
    return out;
  }

  /** One round trip for the affinities and config, one for the blocks they name. */
  private async refreshView(node: string, signal?: AbortSignal): Promise<NodeView> {
    const [aff, cfg] = await this.store.read([{ prefix: nodeAffinitiesPrefix(node) }, { key: CONFIG_KEY }], signal);
    const view = this.state.setView(node, aff!, decodeConfig(cfg![0]?.value));
    if (view.confirmed.length > 0) {
      const keys = view.confirmed.map((b) => `${BLOCKS_PREFIX}${b}`);
      const got = await this.store.read(keys.map((key) => ({ key })), signal);
      keys.forEach((k, i) => this.state.noteBlock(k, got[i]![0]));
    }
    return view;
  }

  /**
   * More room for `family`: claim a block if allowed and one is free (a block
   * wholly reserved is not worth claiming), else borrow; throws when neither works.
   *
   * Returns CONFLICT (when `mayRetry`) instead of borrowing or throwing when
   * a claim was lost to another writer, or when this node has a recent pending
   * affinity in these pools (a claim in flight by another allocator of the
   * node): the caller re-reads the node's view and plans again, so a loser
   * whose competitor was its own node allocates from the block just claimed.
   * A pending affinity is waited on, never allocated from.
   */
  private async grow(
    node: string,
    family: Family,
    pools: readonly ParsedPool[],
    view: NodeView,
    borrowed: Map<Family, string[]>,
    wanted: number,
    reserved: readonly ParsedReservation[],
    mayRetry: boolean,
    signal?: AbortSignal,
  ): Promise<NodeView | Conflict> {
    const { config } = view;
    const atLimit = config.maxBlocksPerHost > 0 && view.held >= config.maxBlocksPerHost;
    let lost = false;
    if (config.autoAllocateBlocks && !atLimit) {
      const existing = new Set((await this.store.read([{ prefix: BLOCKS_PREFIX, keysOnly: true }], signal))[0]!.map((kv) => kv.key.slice(BLOCKS_PREFIX.length)));
      for (const p of pools) {
        for (const cidr of blocksOf(p)) {
          const name = blockName(cidr);
          if (existing.has(name) || fullyReserved(reserved, cidr)) continue;
          const c = await claimBlock(this.store, node, cidr, this.clock.now(), signal);
          if (!c.claimed) {
            lost = true;
            continue;
          }
          this.log.info('block claimed', { node, block: name, pool: p.pool.name });
          this.state.wrote(name, blockKey(cidr), c.block, c.modRevision);
          return this.state.addConfirmed(node, name, view);
        }
      }
    }
    if (mayRetry && (lost || this.claimInFlight(view, pools) || (await this.viewStale(node, view, signal)))) {
      this.log.debug('claim race lost, pending or just won by this node; retrying from a fresh view', { node, family, lost });
      return CONFLICT;
    }
    if (!config.strictAffinity && !borrowed.has(family)) {
      const all = (await this.store.read([{ prefix: BLOCKS_PREFIX }], signal))[0]!;
      const now = this.clock.now();
      const names: string[] = [];
      for (const kv of all) {
        const snap = this.state.noteBlock(kv.key, kv);
        const b = snap.block!;
        if (b.affinity === node || b.cidr.family !== family) continue;
        if (!pools.some((p) => poolContaining([p], b.cidr.family, b.cidr.base))) continue;
        if (b.available(now, this.cooldownMs, reservedSkip(reserved, b.cidr)) > 0) names.push(snap.name);
      }
      borrowed.set(family, names);
      if (names.length > 0) return view;
    }
    if (atLimit) throw new IpamMaxBlocksError({ node, blocks: view.held, max: config.maxBlocksPerHost });
    throw new IpamPoolExhaustedError({ pools: pools.map((p) => p.pool.name), node, family, wanted });
  }

  /**
   * Whether the node holds affinities its view does not show: another
   * allocator of this node claimed a block after the view was read (all
   * three of the claim's writes landed in between, so the claim loop only saw
   * the block as taken). Then the caller re-reads instead of giving up.
   */
  private async viewStale(node: string, view: NodeView, signal?: AbortSignal): Promise<boolean> {
    const known = new Set([...view.confirmed, ...view.pending.map((a) => a.block)]);
    const [aff] = await this.store.read([{ prefix: nodeAffinitiesPrefix(node) }], signal);
    return aff!.some((kv) => !known.has(decodeAffinity(kv.key, kv.value).block));
  }

  /** A recent pending affinity of the node to a block of one of `pools`: another allocator's claim, not finished yet. */
  private claimInFlight(view: NodeView, pools: readonly ParsedPool[]): boolean {
    const now = this.clock.now();
    return view.pending.some((a) => {
      if (now - a.since > PENDING_WAIT_MS) return false;
      const c = cidrOfBlockName(a.block);
      return pools.some((p) => poolContaining([p], c.family, c.base) !== undefined);
    });
  }

  /** Whether every address the plan took is now held by `handle` in the store. */
  private async landed(plan: Plan, handle: string, signal?: AbortSignal): Promise<boolean> {
    const keys = plan.touchedBlocks().map((n) => blockKey(cidrOfBlockName(n)));
    const got = await this.store.read(keys.map((key) => ({ key })), signal);
    keys.forEach((k, i) => this.state.noteBlock(k, got[i]![0]));
    return this.heldBy(plan, handle);
  }

  /** Compares the plan with the blocks as last seen. */
  private heldBy(plan: Plan, handle: string): boolean {
    return plan.touchedBlocks().every((n) => {
      const fresh = this.state.block(n)?.block;
      const want = plan.planned(n)!.ordinalsOf(handle);
      return fresh !== undefined && want.every((o) => fresh.holderOf(o)?.handle === handle);
    });
  }
}
