/**
 * From calculation events to the dataplane managers' desired state, touching
 * only what each event names: an ipset member, a policy's chains, an
 * endpoint's two chains, and the dispatch chains only when the set of local
 * interfaces changes. It also works out which addresses may lose traffic they
 * had (removed endpoints, endpoints whose policies changed, addresses that
 * left a set), for the conntrack flush after the rules are in.
 *
 * Chains are set lazily: each is rendered from the folded state when the
 * table's writer reaches it during Dataplane.apply(), so rendering overlaps
 * `iptables-restore` parsing what was rendered before it. Endpoint chains do
 * not depend on the family: each is rendered once and set in every family's
 * table.
 */
import type { CalcEvent, CalcState, LocalEndpoint } from './calc/graph/index.ts';
import { applyEvents, emptyState } from './calc/graph/index.ts';
import {
  DEFAULT_MARKS,
  ipsetName,
  memberFamily,
  policyChain,
  renderDispatchChains,
  renderEndpointChain,
  renderPolicyChain,
  fromWorkloadChain,
  toWorkloadChain,
  type Marks,
} from './calc/render/index.ts';
import { fromRendered, lazyChain } from './dataplane/chains.ts';
import type { Dataplane, Family } from './dataplane/dataplane.ts';
import { poolSetNames, postroutingChain } from './dataplane/hooks.ts';

export interface PoolInput {
  readonly name: string;
  readonly cidr: string;
  readonly natOutgoing: boolean;
  readonly disabled?: boolean;
}

const DIRS = ['ingress', 'egress'] as const;

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** `10.0.0.1/32` or `10.0.0.1,tcp:80` -> `10.0.0.1`. */
function memberAddress(m: string): string {
  const comma = m.indexOf(',');
  return (comma < 0 ? m : m.slice(0, comma)).replace(/\/(32|128)$/, '');
}

export class Translator {
  readonly state: CalcState = emptyState();
  private readonly dp: Dataplane;
  private readonly marks: Marks;
  /** The dispatch chains last set (the roots and any subtrees). */
  private dispatchNames: ReadonlySet<string> = new Set();

  constructor(dp: Dataplane, marks: Marks = DEFAULT_MARKS) {
    this.dp = dp;
    this.marks = marks;
  }

  /**
   * Feeds one batch; returns the addresses whose conntrack entries may now be
   * wrong. The batch is folded into the state first and every touched item is
   * set once from its final value, so a batch that announces an item several
   * times renders it once. `full` (a resync): the dispatch chains are set
   * again even if no endpoint came or went.
   */
  apply(events: readonly CalcEvent[], full = false): Set<string> {
    const preEndpoints = new Map<string, LocalEndpoint | undefined>();
    const prePolicies = new Map<string, boolean>();
    const preSets = new Map<string, boolean>();
    const removedMembers: string[] = [];
    for (const e of events) {
      if (e.type === 'endpointUpdated' || e.type === 'endpointRemoved') {
        if (!preEndpoints.has(e.key)) preEndpoints.set(e.key, this.state.endpoints.get(e.key));
      } else if (e.type === 'policyUpdated' || e.type === 'policyRemoved') {
        if (!prePolicies.has(e.key)) prePolicies.set(e.key, this.state.policies.has(e.key));
      } else {
        if (!preSets.has(e.id)) preSets.set(e.id, this.state.ipsets.has(e.id));
        if (e.type === 'ipsetMembersChanged' && preSets.get(e.id)) for (const m of e.removed) removedMembers.push(e.id, m);
      }
    }
    applyEvents(this.state, events);

    const flush = new Set<string>();
    for (const id of preSets.keys()) this.renderSet(id);
    for (let i = 0; i < removedMembers.length; i += 2) {
      // A member that left and came back in one batch lost nothing.
      if (!this.state.ipsets.get(removedMembers[i]!)?.members.has(removedMembers[i + 1]!)) flush.add(memberAddress(removedMembers[i + 1]!));
    }
    const changedPolicies = new Set<string>();
    for (const [key, existed] of prePolicies) {
      if (existed && this.state.policies.has(key)) changedPolicies.add(key);
      this.setPolicyChains(key);
    }
    let dispatchDirty = false;
    for (const [key, old] of preEndpoints) {
      const ep = this.state.endpoints.get(key);
      if (old && old.interfaceName !== ep?.interfaceName) this.removeEndpointChains(old);
      if (!old || !ep || old.interfaceName !== ep.interfaceName) dispatchDirty = true;
      if (old && (!ep || !sameList(old.ingressPolicies, ep.ingressPolicies) || !sameList(old.egressPolicies, ep.egressPolicies))) {
        for (const ip of old.ips) flush.add(memberAddress(ip));
      }
      if (ep) {
        this.setEndpointChains(ep);
        this.dp.routes.setEndpoint(key, ep.interfaceName, ep.ips);
      } else {
        this.dp.routes.removeEndpoint(key);
      }
    }
    if (dispatchDirty || full) this.setDispatch();
    if (changedPolicies.size > 0) {
      for (const ep of this.state.endpoints.values()) {
        if ([...ep.ingressPolicies, ...ep.egressPolicies].some((k) => changedPolicies.has(k))) for (const ip of ep.ips) flush.add(memberAddress(ip));
      }
    }
    return flush;
  }

  private setPolicyChains(key: string): void {
    const p = this.state.policies.get(key);
    for (const f of this.dp.families) {
      const t = this.dp.filter.get(f)!;
      for (const dir of DIRS) {
        const name = policyChain(key, dir);
        if (p?.[dir]) t.setChain(lazyChain(name, true, () => fromRendered(renderPolicyChain(p, dir, { family: f, marks: this.marks }).build())));
        else t.removeChain(name);
      }
    }
  }

  private setEndpointChains(ep: LocalEndpoint): void {
    for (const dir of DIRS) {
      // Endpoint chains only jump and test marks: no ipsets.
      const chain = lazyChain(dir === 'ingress' ? toWorkloadChain(ep.interfaceName) : fromWorkloadChain(ep.interfaceName), false, () =>
        fromRendered(renderEndpointChain(ep, dir, this.marks)),
      );
      for (const t of this.dp.filter.values()) t.setChain(chain);
    }
  }

  private renderSet(id: string): void {
    const set = this.state.ipsets.get(id);
    if (!set) {
      for (const f of this.dp.families) this.dp.ipsets.removeSet(ipsetName(id, f));
      return;
    }
    // One pass splits the members by family.
    const byFamily: Record<4 | 6, string[]> = { 4: [], 6: [] };
    for (const m of set.members) byFamily[memberFamily(m)].push(m);
    for (const f of this.dp.families) {
      this.dp.ipsets.setDesired({ name: ipsetName(id, f), type: set.setType, family: f === 4 ? 'inet' : 'inet6' }, byFamily[f]);
    }
  }

  /** The dispatch chains for the current endpoints; a subtree no longer needed is removed. */
  private setDispatch(): void {
    const chains = renderDispatchChains(this.state.endpoints.values()).map(fromRendered);
    const names = new Set(chains.map((c) => c.name));
    for (const t of this.dp.filter.values()) {
      for (const c of chains) t.setChain(c);
      for (const old of this.dispatchNames) if (!names.has(old)) t.removeChain(old);
    }
    this.dispatchNames = names;
  }

  setPools(pools: Iterable<PoolInput>): void {
    const list = [...pools];
    for (const f of this.dp.families) {
      const nat = this.dp.nat.get(f);
      if (!nat) continue;
      const inFamily = list.filter((p) => (p.cidr.includes(':') ? 6 : 4) === f);
      const names = poolSetNames(f as Family);
      const family = f === 4 ? 'inet' : 'inet6';
      // Disabled pools stay: pods already holding their addresses still need NAT.
      this.dp.ipsets.setDesired({ name: names.all, type: 'hash:net', family }, inFamily.map((p) => p.cidr));
      const masq = inFamily.filter((p) => p.natOutgoing).map((p) => p.cidr);
      this.dp.ipsets.setDesired({ name: names.masq, type: 'hash:net', family }, masq);
      nat.setChain(postroutingChain(f, masq.length > 0));
    }
  }

  private removeEndpointChains(ep: LocalEndpoint): void {
    for (const t of this.dp.filter.values()) {
      t.removeChain(fromWorkloadChain(ep.interfaceName));
      t.removeChain(toWorkloadChain(ep.interfaceName));
    }
  }
}
