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
  return r;
}
