/**
 * Plays one scenario on the acceptance cluster: reset, apply the policies to
 * both agents, wait for both to report the apply done, check the spot
 * expectations against the oracle, probe the whole matrix and compare; then
 * the same again after the scenario's change. Every finding is gathered
 * before failing, so one run shows the oracle's and the agent's mistakes
 * together.
 */
import type { Cluster } from './cluster.ts';
import { podId } from './cluster.ts';
import { checkLogHits, expectedLogRules } from './log-hits.ts';
import { formatDiff, oracle, PORT_COLUMNS, PORT_COLUMNS6, probeMatrix, runProbes, type Cell, type Column } from './matrix.ts';
import type { Mutation, Scenario, Spot } from './scenario-types.ts';

export interface ScenarioReport {
  readonly probes: number;
  /** UDP flows allowed before the change and denied after, re-probed from their old source port. */
  readonly staleFlowProbes: number;
  /** Cells denied on the short timeout and allowed on the second try. */
  readonly retried: number;
}

function applyMutation(c: Cluster, m: Mutation): void {
  switch (m.kind) {
    case 'editPolicy':
      return c.upsertPolicy(m.policy);
    case 'deletePolicy':
      return c.removePolicy(m.key);
    case 'podLabels':
      return c.setPodLabels(m.pod, m.labels);
    case 'namespaceLabels':
      return c.setNamespaceLabels(m.namespace, m.labels);
  }
}

function checkSpots(c: Cluster, spots: readonly Spot[] | undefined, phase: string): string[] {
  const state = c.state();
  const out: string[] = [];
  for (const [from, to, column, allowed] of spots ?? []) {
    const d = oracle(state, c.pod(from), c.pod(to), column, 40_000);
    if ((d.verdict === 'allow') !== allowed) {
      out.push(`${phase}: oracle says ${from} -> ${to} ${column} ${d.verdict}, the scenario's hand-derived expectation says ${allowed ? 'allow' : 'deny'}`);
    }
  }
  return out;
}

/**
 * A UDP flow the change newly denies, probed again from the source port it
 * used before: its conntrack entry (30 s for UDP) would let it through unless
 * the agent flushed it, as Calico does.
 */
async function checkStaleFlows(c: Cluster, before: readonly Cell[], phase: string, findings: string[]): Promise<number> {
  const state = c.state();
  // udp/… and udp6/…: the flush must cover both of a pod's addresses.
  const flipped = before.filter((x) => x.column.startsWith('udp') && x.ok && x.from !== x.to && oracle(state, x.from, x.to, x.column, x.srcPort).verdict === 'deny');
  const got = await runProbes(flipped, 1000);
  flipped.forEach((x, i) => {
    if (got[i]) findings.push(`${phase}: ${podId(x.from)} -> ${podId(x.to)} ${x.column} from the old source port ${x.srcPort} still passes on the flow allowed before the change (conntrack entry not flushed)`);
  });
  return flipped.length;
}

async function checkMatrix(c: Cluster, columns: readonly Column[], phase: string, findings: string[]): Promise<{ cells: readonly Cell[]; probes: number; retried: number; logRules: number; expected: string }> {
  await c.forgetNeighbours6();
  const result = await probeMatrix(c.pods, columns, c.state());
  const diff = formatDiff(c.pods, result);
  if (diff) findings.push(`${phase}: the dataplane disagrees with decide() on ${result.mismatches.length} of ${result.cells.length} cells\n${diff}`);
  findings.push(...(await checkLogHits(result.cells)).map((f) => `${phase}: ${f}`));
  // A fingerprint of the expected matrix, to prove a mutation changed what it should.
  const expected = result.cells.map((x) => `${podId(x.from)}>${podId(x.to)}:${x.column}=${x.expected.verdict}`).join(',');
  return { cells: result.cells, probes: result.cells.length, retried: result.retried, logRules: expectedLogRules(result.cells), expected };
}

function hasLogRule(s: Scenario): boolean {
  return s.policies.some((p) => p.kind !== 'KubernetesNetworkPolicy' && [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])].some((r) => r.action === 'Log'));
}

export async function runScenario(c: Cluster, s: Scenario): Promise<ScenarioReport> {
  const columns: Column[] = [...PORT_COLUMNS, ...PORT_COLUMNS6, ...(s.icmp ? (['icmp', 'icmp6'] as const) : [])];
  await c.reset();
  for (const p of s.policies) c.upsertPolicy(p);
  await c.programmed();
  const findings = checkSpots(c, s.spots, 'policies applied');
  const first = await checkMatrix(c, columns, 'policies applied', findings);
  if (hasLogRule(s) && first.logRules === 0) findings.push('the scenario has Log rules but the oracle expects none of them to fire: it tests nothing about Log');
  let probes = first.probes;
  let retried = first.retried;
  let staleFlowProbes = 0;
  if (s.mutation) {
    applyMutation(c, s.mutation.change);
    await c.programmed();
    staleFlowProbes = await checkStaleFlows(c, first.cells, `after ${s.mutation.change.kind}`, findings);
    findings.push(...checkSpots(c, s.mutation.spots, `after ${s.mutation.change.kind}`));
    const second = await checkMatrix(c, columns, `after ${s.mutation.change.kind}`, findings);
    if (second.expected === first.expected) findings.push(`the ${s.mutation.change.kind} change did not change the expected matrix: the scenario tests nothing`);
    probes += second.probes;
    retried += second.retried;
  }
  if (findings.length > 0) throw new Error(`scenario "${s.name}":\n\n${findings.join('\n\n')}`);
  return { probes: probes + staleFlowProbes, staleFlowProbes, retried };
}
