/**
 * `reef-node uninstall-policy`: takes the policy agent off this node — every
 * reef chain and its jumps from the base chains, every reef ipset, the
 * workload routes (protocol 86) — and leaves every other program's rules
 * alone. The daemon never does this itself: stopping it keeps the node
 * enforced. Needs no datastore, so it works on a node that lost its cluster.
 */
import { Dataplane, type Family, type UninstallStats } from '../../felix/dataplane/dataplane.ts';
import { execRunner, type CommandRunner } from '../../felix/dataplane/command-runner.ts';

export async function uninstallPolicy(runner: CommandRunner = execRunner(), families: readonly Family[] = [4, 6]): Promise<UninstallStats> {
  return new Dataplane({ runner, families }).uninstall();
}

export function describeUninstall(r: UninstallStats): string {
  return `removed ${r.chainsDeleted} reef chains, reef's jumps from ${r.baseChainsCleaned} base chains, ${r.setsDestroyed} reef ipsets and the workload routes`;
}
