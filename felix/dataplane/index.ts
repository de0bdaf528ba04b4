/**
 * felix/dataplane — the writers: small managers in Calico felix's shape, each
 * holding desired state apart from what is installed and applying the
 * difference in one batch, through an injected CommandRunner (so unit tests
 * read the generated restore text, and integration tests run it in a netns).
 *
 *   iptables-table.ts  one table of one family: chains compared by rule-hash
 *                      lists (read back from iptables-save by `reef:` comment
 *                      and `reef-` chain name only), grown in place or
 *                      rewritten whole when they differ, jumps kept at the top
 *                      of base chains, all in one `iptables-restore --noflush`
 *                      streamed while it renders
 *   ipsets.ts          `ipset restore`: create/add/del, swap for big rewrites,
 *                      destroy in a second phase after iptables
 *   routes.ts          /32 and /128 routes to local workloads (`ip -batch`,
 *                      protocol 86) and the host-side veth sysctls
 *   hooks.ts           reef-INPUT/OUTPUT/POSTROUTING, the base-chain jumps, NAT
 *   conntrack.ts       flushing entries of addresses that may lose traffic
 *   warm-commands.ts   spare started processes for the restore commands
 *   dataplane.ts       the node's set of managers and their apply order
 *
 * The agent (felix/agent.ts) fills the managers from the calc's events
 * (felix/agent-translate.ts); nothing here knows about policies or selectors.
 */
export * from './command-runner.ts';
export * from './chains.ts';
export { IptablesTable, type TableApplyStats } from './iptables-table.ts';
export { parseIptablesSave, type InstalledTable } from './iptables-save.ts';
export { IpSets, kernelMembers, type IpSetDesc, type IpSetApplyStats } from './ipsets.ts';
export { WorkloadRoutes, RTPROT_REEF_WORKLOAD } from './routes.ts';
export { Conntrack } from './conntrack.ts';
export * from './hooks.ts';
export { Dataplane, type DataplaneOptions, type DataplaneApplyStats, type Family, type UninstallStats } from './dataplane.ts';
