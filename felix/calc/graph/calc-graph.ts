/**
 * The incremental policy calculation: (policies, endpoints, namespaces) in,
 * deltas out (see events.ts for the contract). Two selector indexes do the
 * work: `applyIndex` matches policy selectors against the local endpoints
 * (which policies apply where), `setIndex` matches rule selectors against
 * every endpoint (ipset membership). Only policies that apply to at least one
 * local endpoint are active, and only active policies' sets exist.
 *
 * Each update call changes the inputs, marks what it touched as dirty, and
 * flushes once: dirty items are recomputed and compared with what the
 * listener was last told, so the listener hears only real changes.
 *
 * The bulk path: between beginBatch() and endBatch() (or in one load()) the
 * update calls only mark, and endBatch() flushes once. Because a flush
 * compares the current state with what was last emitted, the batch's events
 * fold to exactly the state the same calls would reach one by one; an
 * initial sync of thousands of inputs then computes each endpoint's policy
 * list and each policy's rules once instead of once per input that touches
 * them, and the listener hears one batch.
 */
import { convertPolicy, policyKey } from '../policy/convert.ts';
import { inheritedLabels } from '../policy/labels.ts';
import { comparePolicies, endpointKey, type Direction, type EndpointInput, type NamespaceInput, type Policy, type PolicyInput } from '../policy/types.ts';
import { endpointRecord, type EndpointRecord } from './endpoint-record.ts';
import type { ActivePolicy, CalcEvent, CalcListener, LocalEndpoint } from './events.ts';
import { sameData } from './same-data.ts';
import { IpSetTable } from './ipset-table.ts';
import type { CalcInput } from './from-scratch.ts';
import { applyEvents, emptyState, type CalcState } from './model.ts';
import { resolvePolicy, type IpSetDef } from './resolve.ts';
import { SelectorIndex } from './selector-index.ts';

interface PolicyRecord {
  readonly policy: Policy;
  /** Set while the policy is active (applies to a local endpoint). */
  resolved: ReturnType<typeof resolvePolicy> | undefined;
}

export interface CalcGraphOptions {
  /** Endpoints whose `node` equals this are local. */
  readonly nodeName: string;
  readonly listener: CalcListener;
}

export class CalcGraph {
  private readonly nodeName: string;
  private readonly listener: CalcListener;
  private readonly endpoints = new Map<string, EndpointRecord>();
  private readonly namespaces = new Map<string, NamespaceInput>();
  private readonly nsMembers = new Map<string, Set<string>>();
  /** Per namespace name: inheritedLabels(), computed once per namespace update instead of once per endpoint. */
  private readonly nsInherited = new Map<string, readonly string[]>();
  private readonly policies = new Map<string, PolicyRecord>();
  private readonly selPolicies = new Map<string, Set<string>>();
  readonly applyIndex = new SelectorIndex();
  readonly setIndex = new SelectorIndex();
  private readonly ipsets: IpSetTable;
  private readonly dirtyEndpoints = new Set<string>();
  private readonly dirtyPolicies = new Set<string>();
  /** What the listener was last told, by key (compared with sameData: no JSON kept or made). */
  private readonly emittedEndpoints = new Map<string, LocalEndpoint>();
  private readonly emittedPolicies = new Map<string, ActivePolicy>();
  private readonly state: CalcState = emptyState();
  private batchDepth = 0;

  constructor(opts: CalcGraphOptions) {
    this.nodeName = opts.nodeName;
    this.listener = opts.listener;
    this.ipsets = new IpSetTable(this.setIndex, (k) => this.endpoints.get(k));
  }

  /** Until the matching endBatch(), updates are gathered and not emitted. Nests. */
  beginBatch(): void {
    this.batchDepth++;
  }

  /** Ends a batch; the outermost one emits everything it gathered as one batch of events. */
  endBatch(): void {
    if (this.batchDepth === 0) throw new Error('endBatch() without beginBatch()');
    if (--this.batchDepth === 0) this.flush();
  }

  get batching(): boolean {
    return this.batchDepth > 0;
  }

  /**
   * Upserts many inputs as one batch: namespaces, then endpoints, then
   * policies (the cheap order: each selector is matched once against indexed
   * endpoints). Throws PolicyInvalidError after applying everything else if a
   * policy does not convert; that policy is skipped.
   */
  load(input: Partial<CalcInput>): void {
    this.beginBatch();
    let invalid: unknown;
    try {
      for (const ns of input.namespaces ?? []) this.upsertNamespace(ns);
      for (const ep of input.endpoints ?? []) this.upsertEndpoint(ep);
      for (const p of input.policies ?? []) {
        try {
          this.upsertPolicy(p);
        } catch (err) {
          invalid ??= err;
        }
      }
    } finally {
      this.endBatch();
    }
    if (invalid !== undefined) throw invalid;
  }

  upsertEndpoint(ep: EndpointInput): void {
    const key = endpointKey(ep);
    this.applyEndpoint(key, endpointRecord(ep, this.namespaces.get(ep.namespace), this.nodeName, this.inherited(ep.namespace)));
    this.flush();
  }

  removeEndpoint(key: string): void {
    this.applyEndpoint(key, undefined);
    this.flush();
  }

  upsertNamespace(ns: NamespaceInput): void {
    this.namespaces.set(ns.name, ns);
    this.relabelNamespace(ns.name);
    this.flush();
  }

  removeNamespace(name: string): void {
    this.namespaces.delete(name);
    this.relabelNamespace(name);
    this.flush();
  }

  /** Converts first, so an invalid policy (PolicyInvalidError) changes nothing. */
  upsertPolicy(input: PolicyInput): void {
    const policy = convertPolicy(input);
    const old = this.policies.get(policy.key);
    // Register the new selector before dropping the old one, so an unchanged selector is not re-evaluated.
    this.registerApply(policy);
    if (old) {
      this.deactivate(old);
      this.unregisterApply(old.policy, old.policy.selector.id === policy.selector.id);
    }
    this.policies.set(policy.key, { policy, resolved: undefined });
    this.updateActivation(policy.key);
    this.flush();
  }

  removePolicy(key: string): void {
    const old = this.policies.get(key);
    if (!old) return;
    this.deactivate(old);
    this.unregisterApply(old.policy, false);
    this.policies.delete(key);
    this.dirtyPolicies.add(key);
    this.flush();
  }

  removePolicyInput(input: PolicyInput): void {
    this.removePolicy(policyKey(input));
  }

  /** The state the listener has been told, as plain data (a copy). */
  snapshot(): CalcState {
    const s = emptyState();
    for (const [id, v] of this.state.ipsets) s.ipsets.set(id, { setType: v.setType, members: new Set(v.members) });
    for (const [k, v] of this.state.policies) s.policies.set(k, v);
    for (const [k, v] of this.state.endpoints) s.endpoints.set(k, v);
    return s;
  }

  /** The whole current state as one batch of additions, for a writer that starts (or resyncs) late. */
  replay(): CalcEvent[] {
    const ev: CalcEvent[] = [];
    for (const [id, v] of this.state.ipsets) ev.push({ type: 'ipsetAdded', id, setType: v.setType, members: [...v.members].sort() });
    for (const [key, policy] of this.state.policies) ev.push({ type: 'policyUpdated', key, policy });
    for (const [key, endpoint] of this.state.endpoints) ev.push({ type: 'endpointUpdated', key, endpoint });
    return ev;
  }

  private inherited(name: string): readonly string[] {
    let kv = this.nsInherited.get(name);
    if (kv === undefined) this.nsInherited.set(name, (kv = inheritedLabels(this.namespaces.get(name), name)));
    return kv;
  }

  private relabelNamespace(name: string): void {
    this.nsInherited.delete(name);
    for (const key of this.nsMembers.get(name) ?? []) {
      const rec = this.endpoints.get(key)!;
      this.applyEndpoint(key, endpointRecord(rec.input, this.namespaces.get(name), this.nodeName, this.inherited(name)));
    }
  }

  private applyEndpoint(key: string, rec: EndpointRecord | undefined): void {
    const old = this.endpoints.get(key);
    if (old) this.ipsets.subtract(key, old);
    if (rec) {
      this.setIndex.upsertItem(key, rec.labels);
      this.endpoints.set(key, rec);
      let members = this.nsMembers.get(rec.input.namespace);
      if (!members) this.nsMembers.set(rec.input.namespace, (members = new Set()));
      members.add(key);
      this.ipsets.add(key, rec);
    } else {
      this.setIndex.removeItem(key);
      this.endpoints.delete(key);
      if (old) {
        const members = this.nsMembers.get(old.input.namespace)!;
        members.delete(key);
        if (members.size === 0) {
          this.nsMembers.delete(old.input.namespace);
          this.nsInherited.delete(old.input.namespace);
        }
      }
    }
    const changes = rec?.local ? this.applyIndex.upsertItem(key, rec.labels) : this.applyIndex.removeItem(key);
    for (const c of changes) for (const p of this.selPolicies.get(c.selectorId) ?? []) this.updateActivation(p);
    if (old?.local || rec?.local) this.dirtyEndpoints.add(key);
  }

  private registerApply(p: Policy): void {
    const id = p.selector.id;
    let users = this.selPolicies.get(id);
    if (!users) this.selPolicies.set(id, (users = new Set()));
    users.add(p.key);
    for (const ep of this.applyIndex.addSelector(p.selector)) this.dirtyEndpoints.add(ep);
  }

  /** `keepKey`: the policy was re-registered under the same selector and stays a user of it. */
  private unregisterApply(p: Policy, keepKey: boolean): void {
    const id = p.selector.id;
    for (const ep of this.applyIndex.matches(id)) this.dirtyEndpoints.add(ep);
    this.applyIndex.removeSelector(id);
    if (keepKey) return;
    const users = this.selPolicies.get(id);
    users?.delete(p.key);
    if (users?.size === 0) this.selPolicies.delete(id);
  }

  private updateActivation(key: string): void {
    const rec = this.policies.get(key);
    if (!rec) return;
    const p = rec.policy;
    const should = (p.ingress !== undefined || p.egress !== undefined) && this.applyIndex.matches(p.selector.id).size > 0;
    if (should && !rec.resolved) {
      rec.resolved = resolvePolicy(p);
      for (const def of rec.resolved.sets) this.ipsets.ref(def);
    } else if (!should && rec.resolved) {
      this.deactivate(rec);
    }
    this.dirtyPolicies.add(key);
  }

  private deactivate(rec: PolicyRecord): void {
    if (!rec.resolved) return;
    for (const def of rec.resolved.sets as IpSetDef[]) this.ipsets.unref(def.id);
    rec.resolved = undefined;
    this.dirtyPolicies.add(rec.policy.key);
  }

  private endpointView(key: string): LocalEndpoint | undefined {
    const rec = this.endpoints.get(key);
    if (!rec || !rec.local) return undefined;
    const applying: Policy[] = [];
    for (const selId of this.applyIndex.selectorsOf(key)) {
      for (const pk of this.selPolicies.get(selId) ?? []) applying.push(this.policies.get(pk)!.policy);
    }
    const ordered = (dir: Direction) => applying.filter((p) => p[dir] !== undefined).sort(comparePolicies).map((p) => p.key);
    return {
      key,
      interfaceName: rec.input.interfaceName,
      ips: rec.cidrs,
      ingressPolicies: ordered('ingress'),
      egressPolicies: ordered('egress'),
    };
  }

  private flush(): void {
    if (this.batchDepth > 0) return;
    const sets = this.ipsets.flush();
    const events: CalcEvent[] = [...sets.added, ...sets.changed];
    const removedPolicies: CalcEvent[] = [];
    for (const key of this.dirtyPolicies) {
      const resolved = this.policies.get(key)?.resolved;
      if (resolved) {
        const was = this.emittedPolicies.get(key);
        if (was === undefined || !sameData(was, resolved.policy)) {
          events.push({ type: 'policyUpdated', key, policy: resolved.policy });
          this.emittedPolicies.set(key, resolved.policy);
        }
      } else if (this.emittedPolicies.delete(key)) {
        removedPolicies.push({ type: 'policyRemoved', key });
      }
    }
    for (const key of this.dirtyEndpoints) {
      const view = this.endpointView(key);
      if (view) {
        const was = this.emittedEndpoints.get(key);
        if (was === undefined || !sameData(was, view)) {
          events.push({ type: 'endpointUpdated', key, endpoint: view });
          this.emittedEndpoints.set(key, view);
        }
      } else if (this.emittedEndpoints.delete(key)) {
        events.push({ type: 'endpointRemoved', key });
      }
    }
    events.push(...removedPolicies, ...sets.removed);
    this.dirtyPolicies.clear();
    this.dirtyEndpoints.clear();
    if (events.length === 0) return;
    applyEvents(this.state, events);
    this.listener(events);
  }
}
