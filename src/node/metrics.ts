/**
 * Prometheus metrics for reef-node, computed at scrape time from the status
 * the daemon already keeps (no counters to keep in step).
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { NodeStatus } from './daemon.ts';

export function nodeRegistry(status: () => NodeStatus): Registry {
  const r = new Registry();
  collectDefaultMetrics({ register: r, prefix: 'reef_node_' });
  const g = (name: string, help: string, labelNames: string[], fill: (set: (labels: Record<string, string>, v: number) => void, s: NodeStatus) => void): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [r],
      collect() {
        this.reset();
        fill((labels, v) => this.set(labels, v), status());
      },
    });
  };
  g('reef_node_ready', '1 when reef-node is ready (Node written, watches in sync)', [], (set, s) => set({}, s.ready ? 1 : 0));
  g('reef_bgp_peer_established', '1 when the BGP session is Established', ['peer', 'address', 'type'], (set, s) => {
    for (const p of s.bgp?.peers ?? []) set({ peer: p.name, address: p.address, type: p.type }, p.state === 'Established' ? 1 : 0);
  });
  g('reef_bgp_peer_prefixes', 'Prefixes per peer: received, accepted, advertised', ['peer', 'address', 'kind'], (set, s) => {
    for (const p of s.bgp?.peers ?? []) for (const kind of ['received', 'accepted', 'advertised'] as const) set({ peer: p.name, address: p.address, kind }, p.prefixes[kind]);
  });
  g('reef_bgp_originated_prefixes', 'Prefixes this node advertises', [], (set, s) => set({}, s.bgp?.originated.length ?? 0));
  g('reef_ipam_node_blocks', 'IPAM blocks affine to this node', [], (set, s) => set({}, s.ipam.blocks.length));
  g('reef_ipam_node_addresses_in_use', 'Addresses in use in this node\'s blocks', [], (set, s) => set({}, s.ipam.blocks.reduce((n, b) => n + Math.max(0, b.inUse), 0)));
  g('reef_felix_endpoints', 'Workload endpoints the policy agent programs', [], (set, s) => set({}, s.felix?.endpoints ?? 0));
  g('reef_felix_policies', 'Policies the policy agent programs', [], (set, s) => set({}, s.felix?.policies ?? 0));
  g('reef_felix_apply_failures', 'Failed dataplane applies in a row', [], (set, s) => set({}, s.felix?.failures ?? 0));
  g('reef_felix_synced', '1 once the policy agent has its whole input and has programmed it', [], (set, s) => set({}, s.felix?.synced ? 1 : 0));
  g('reef_felix_kernel_objects', 'reef chains and ipsets the policy agent keeps in the kernel', ['kind'], (set, s) => {
    if (!s.felix) return;
    set({ kind: 'chains' }, s.felix.chains);
    set({ kind: 'ipsets' }, s.felix.ipsets);
  });
  g('reef_felix_invalid_policies', 'Policies the agent refused (the previous version stays programmed)', [], (set, s) => set({}, s.felix?.invalidPolicies.length ?? 0));
  g('reef_felix_applies', 'Dataplane applies since the agent started', [], (set, s) => set({}, s.felix?.applies ?? 0));
  g('reef_felix_last_apply_seconds', 'How long the last apply took, from its start to everything in the kernel', [], (set, s) => {
    const a = s.felix?.lastApply;
    if (a) set({}, a.durationMs / 1000);
  });
  g('reef_felix_written', 'What the applies wrote since the agent started, by kind (repairs of tampered state count too)', ['kind'], (set, s) => {
    const t = s.felix?.totals;
    if (!t) return;
    set({ kind: 'chains' }, t.chainsWritten);
    set({ kind: 'rules' }, t.rulesWritten);
    set({ kind: 'chains_deleted' }, t.chainsDeleted);
    set({ kind: 'base_chains_fixed' }, t.baseChainsFixed);
    set({ kind: 'ipset_members_added' }, t.membersAdded);
    set({ kind: 'ipset_members_removed' }, t.membersRemoved);
    set({ kind: 'routes' }, t.routesReplaced);
  });
  return r;
}
