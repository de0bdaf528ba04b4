/**
 * The policy agent's input from the reef datastore: watches WorkloadEndpoint,
 * NetworkPolicy, GlobalNetworkPolicy, KubernetesNetworkPolicy, IPPool and
 * Namespace (every backend's `watch()` lists first, then streams changes,
 * then says `synced`) and feeds a PolicyAgent (or any AgentInput). The agent
 * hears `synced` once every watch has caught up.
 *
 * Kubernetes NetworkPolicies (networking.k8s.io/v1, stored as
 * KubernetesNetworkPolicy) go to the agent as they are, as its
 * `KubernetesNetworkPolicy` input: the calc implements their semantics.
 *
 * Namespaces: the stored Namespace kind gives each namespace its labels (what
 * namespaceSelectors match). A namespace with no stored Namespace carries only
 * the automatic name labels (`projectcalico.org/name`,
 * `kubernetes.io/metadata.name`). An optional NamespaceSource replaces the
 * datastore's Namespace watch (a source that reads them elsewhere).
 *
 * Conversion from stored resources (src/model spec types) is pure and below.
 * What the calc has no notion of is handled on the safe side and logged:
 *
 *   rule.ipVersion          becomes a 0.0.0.0/0 (::/0) source net, which the calc can express
 *   serviceAccounts matches an Allow/Pass/Log rule that needs one is dropped (it
 *                           can never match here); a Deny rule keeps its other
 *                           matches (it denies more, never less)
 *   serviceAccountSelector  the policy is applied without it (logged)
 *   preDNAT / doNotTrack    apply to host endpoints only in Calico; reef has
 *                           none, so such a GlobalNetworkPolicy is skipped
 */
import type { EndpointInput, EntityRuleInput, NamespaceInput, PolicyInput, ReefPolicySpec, RuleInput } from '../../felix/calc/policy/index.ts';
import type { AgentInput, PoolInput } from '../../felix/agent.ts';
import type { Datastore } from '../datastore/datastore.ts';
import { childLogger, type Logger } from '../lib/log.ts';
import type { Kind } from '../model/resource.ts';
import type { Resource } from '../model/resource.ts';
import type {
  EntityRule,
  GlobalNetworkPolicySpec,
  IPPoolSpec,
  KubernetesNetworkPolicySpec,
  NetworkPolicySpec,
  Rule,
  WorkloadEndpointSpec,
} from '../model/index.ts';

export interface Converted<T> {
  readonly value: T | undefined;
  readonly warnings: readonly string[];
}

export function endpointFromResource(r: Resource): EndpointInput {
  const spec = r.spec as unknown as WorkloadEndpointSpec;
  return {
    namespace: r.metadata.namespace ?? 'default',
    name: r.metadata.name,
    labels: r.metadata.labels ?? {},
    ips: spec.ipNetworks ?? [],
    node: spec.node,
    interfaceName: spec.interfaceName,
    ports: (spec.ports ?? [])
      .filter((p) => p.protocol === 'TCP' || p.protocol === 'UDP' || p.protocol === 'SCTP')
      .map((p) => ({ name: p.name, protocol: p.protocol as 'TCP' | 'UDP' | 'SCTP', port: p.port })),
  };
}

export function endpointKeyOf(r: Resource): string {
  return `${r.metadata.namespace ?? 'default'}/${r.metadata.name}`;
}

export function poolFromResource(r: Resource): PoolInput {
  const spec = r.spec as unknown as IPPoolSpec;
  return { name: r.metadata.name, cidr: spec.cidr, natOutgoing: spec.natOutgoing ?? false, disabled: spec.disabled ?? false };
}

function entity(e: EntityRule | undefined): EntityRuleInput {
  const out: EntityRuleInput = {};
  if (!e) return out;
  if (e.selector !== undefined) out.selector = e.selector;
  if (e.notSelector !== undefined) out.notSelector = e.notSelector;
  if (e.namespaceSelector !== undefined) out.namespaceSelector = e.namespaceSelector;
  if (e.nets) out.nets = e.nets;
  if (e.notNets) out.notNets = e.notNets;
  if (e.ports) out.ports = e.ports;
  if (e.notPorts) out.notPorts = e.notPorts;
  return out;
}

function rule(r: Rule, where: string, warnings: string[]): RuleInput | undefined {
  const usesSA = [r.source?.serviceAccounts, r.destination?.serviceAccounts].some((s) => s && (s.names?.length || s.selector));
  if (usesSA && r.action !== 'Deny') {
    warnings.push(`${where}: serviceAccounts matches are not supported; the ${r.action} rule is left out`);
    return undefined;
  }
  if (usesSA) warnings.push(`${where}: serviceAccounts matches are not supported; the Deny rule applies without them`);
  const out: RuleInput = { action: r.action, source: entity(r.source), destination: entity(r.destination) };
  if (r.protocol !== undefined) out.protocol = r.protocol;
  if (r.notProtocol !== undefined) out.notProtocol = r.notProtocol;
  if (r.icmp) out.icmp = r.icmp;
  if (r.notICMP) out.notICMP = r.notICMP;
  if (r.ipVersion !== undefined && !out.source!.nets) out.source!.nets = [r.ipVersion === 4 ? '0.0.0.0/0' : '::/0'];
  return out;
}

function policySpec(spec: NetworkPolicySpec | GlobalNetworkPolicySpec, where: string, warnings: string[]): ReefPolicySpec {
  if (spec.serviceAccountSelector) warnings.push(`${where}: serviceAccountSelector is not supported and is ignored`);
  const rules = (list: Rule[] | undefined, dir: string) =>
    (list ?? []).flatMap((r, i) => {
      const c = rule(r, `${where} ${dir}[${i}]`, warnings);
      return c ? [c] : [];
    });
  const out: ReefPolicySpec = { selector: spec.selector ?? 'all()', ingress: rules(spec.ingress, 'ingress'), egress: rules(spec.egress, 'egress') };
  if (spec.order !== undefined) out.order = spec.order;
  if (spec.types?.length) out.types = spec.types;
  return out;
}

export function namespaceFromResource(r: Resource): NamespaceInput {
  return { name: r.metadata.name, labels: r.metadata.labels ?? {} };
}

export function policyFromResource(r: Resource): Converted<PolicyInput> {
  const warnings: string[] = [];
  if (r.kind === 'KubernetesNetworkPolicy') {
    // The model keeps Kubernetes' shape, which is the calc's input shape.
    const spec = r.spec as unknown as KubernetesNetworkPolicySpec;
    return { value: { kind: 'KubernetesNetworkPolicy', namespace: r.metadata.namespace ?? 'default', name: r.metadata.name, spec }, warnings };
  }
  if (r.kind === 'NetworkPolicy') {
    const ns = r.metadata.namespace ?? 'default';
    const spec = policySpec(r.spec as unknown as NetworkPolicySpec, `NetworkPolicy ${ns}/${r.metadata.name}`, warnings);
    return { value: { kind: 'NetworkPolicy', namespace: ns, name: r.metadata.name, spec }, warnings };
  }
  const g = r.spec as unknown as GlobalNetworkPolicySpec;
  const where = `GlobalNetworkPolicy ${r.metadata.name}`;
  if (g.preDNAT || g.doNotTrack) return { value: undefined, warnings: [`${where}: preDNAT/doNotTrack policies apply to host endpoints only; skipped`] };
  const spec = policySpec(g, where, warnings);
  if (g.namespaceSelector) spec.namespaceSelector = g.namespaceSelector;
  return { value: { kind: 'GlobalNetworkPolicy', name: r.metadata.name, spec }, warnings };
}

/** The calc's key: `np:ns/name`, `knp:ns/name`, `gnp:name`. */
export function policyKeyOf(r: Resource): string {
  const ns = r.metadata.namespace ?? 'default';
  if (r.kind === 'NetworkPolicy') return `np:${ns}/${r.metadata.name}`;
  if (r.kind === 'KubernetesNetworkPolicy') return `knp:${ns}/${r.metadata.name}`;
  return `gnp:${r.metadata.name}`;
}

export interface NamespaceEvent {
  readonly type: 'upsert' | 'remove' | 'synced';
  readonly namespace?: NamespaceInput;
  readonly name?: string;
}

export interface NamespaceSource {
  watch(signal: AbortSignal): AsyncIterable<NamespaceEvent>;
}

export interface PolicySourceOptions {
  readonly datastore: Pick<Datastore, 'watch'>;
  readonly agent: AgentInput;
  readonly namespaces?: NamespaceSource;
  readonly log?: Logger;
}

const KINDS: readonly Kind[] = ['WorkloadEndpoint', 'NetworkPolicy', 'GlobalNetworkPolicy', 'KubernetesNetworkPolicy', 'IPPool'];

export class PolicySource {
  private readonly opts: PolicySourceOptions;
  private readonly log: Logger;
  private abort: AbortController | undefined;
  private loops: Promise<void>[] = [];
  private unsynced = new Set<string>();

  constructor(opts: PolicySourceOptions) {
    this.opts = opts;
    this.log = opts.log ?? childLogger({ component: 'policy-source' });
  }

  start(): void {
    if (this.abort) return;
    const abort = (this.abort = new AbortController());
    // Namespaces come from the datastore's Namespace kind unless a source is given instead.
    const kinds: readonly Kind[] = this.opts.namespaces ? KINDS : [...KINDS, 'Namespace'];
    this.unsynced = new Set([...kinds, ...(this.opts.namespaces ? ['Namespace'] : [])]);
    this.loops = kinds.map((k) => this.run(k, () => this.watchKind(k, abort.signal)));
    if (this.opts.namespaces) this.loops.push(this.run('Namespace', () => this.watchNamespaces(this.opts.namespaces!, abort.signal)));
  }

  /** Idempotent; the agent keeps what it was told. */
  async stop(): Promise<void> {
    this.abort?.abort();
    this.abort = undefined;
    await Promise.allSettled(this.loops);
    this.loops = [];
  }

  private async run(what: string, loop: () => Promise<void>): Promise<void> {
    try {
      await loop();
    } catch (err) {
      if (!this.abort || this.abort.signal.aborted) return;
      this.log.error('watch ended', { kind: what, err: String(err) });
    }
  }

  private caughtUp(what: string): void {
    if (this.unsynced.delete(what) && this.unsynced.size === 0) {
      this.log.info('datastore in sync');
      this.opts.agent.synced();
    }
  }

  private async watchKind(kind: Kind, signal: AbortSignal): Promise<void> {
    const agent = this.opts.agent;
    for await (const ev of this.opts.datastore.watch(kind, { signal })) {
      if (signal.aborted) return;
      if (ev.type === 'synced') {
        this.caughtUp(kind);
        continue;
      }
      const r = ev.object;
      const gone = ev.type === 'deleted';
      switch (kind) {
        case 'WorkloadEndpoint':
          if (gone) agent.removeEndpoint(endpointKeyOf(r));
          else agent.upsertEndpoint(endpointFromResource(r));
          break;
        case 'IPPool':
          if (gone) agent.removePool(r.metadata.name);
          else agent.upsertPool(poolFromResource(r));
          break;
        case 'Namespace':
          if (gone) agent.removeNamespace(r.metadata.name);
          else agent.upsertNamespace(namespaceFromResource(r));
          break;
        default: {
          if (gone) {
            agent.removePolicy(policyKeyOf(r));
            break;
          }
          const c = policyFromResource(r);
          for (const w of c.warnings) this.log.warn('policy partly supported', { policy: policyKeyOf(r), detail: w });
          if (c.value) agent.upsertPolicy(c.value);
          else agent.removePolicy(policyKeyOf(r));
        }
      }
    }
  }

  private async watchNamespaces(src: NamespaceSource, signal: AbortSignal): Promise<void> {
    for await (const ev of src.watch(signal)) {
      if (signal.aborted) return;
      if (ev.type === 'synced') this.caughtUp('Namespace');
      else if (ev.type === 'upsert' && ev.namespace) this.opts.agent.upsertNamespace(ev.namespace);
      else if (ev.type === 'remove' && ev.name) this.opts.agent.removeNamespace(ev.name);
    }
  }
}
