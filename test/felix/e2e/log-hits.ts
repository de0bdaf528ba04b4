/**
 * Log rules leave no verdict to probe, so they are checked by their packet
 * counters: every Log rule the oracle says a probed packet met must have
 * counted packets in the node that evaluates that direction (the source's
 * node for egress, the destination's for ingress), in the table of the
 * packet's family (iptables or ip6tables). Policy chains are deleted
 * between scenarios, so counters start from zero in each.
 */
import { policyChain } from '../../../felix/calc/render/index.ts';
import type { SimNode } from '../topology.ts';
import { splitColumn, type Cell } from './matrix.ts';

interface Expected {
  readonly node: SimNode;
  readonly family: 4 | 6;
  readonly direction: 'ingress' | 'egress';
  /** `policy#rule`, as decide() reports it. */
  readonly rule: string;
  readonly example: string;
}

function expectedHits(cells: readonly Cell[]): Expected[] {
  const out = new Map<string, Expected>();
  for (const c of cells) {
    const dirs = [
      { direction: 'egress' as const, node: c.from.node, logged: c.expected.egress?.logged ?? [] },
      { direction: 'ingress' as const, node: c.to.node, logged: c.expected.ingress?.logged ?? [] },
    ];
    const family = splitColumn(c.column).family;
    for (const d of dirs) {
      for (const rule of d.logged) {
        const key = `${d.node.name} IPv${family} ${d.direction} ${rule}`;
        if (!out.has(key)) out.set(key, { node: d.node, family, direction: d.direction, rule, example: `${c.from.namespace}/${c.from.name} -> ${c.to.namespace}/${c.to.name} ${c.column}` });
      }
    }
  }
  return [...out.values()];
}

/** Packets counted by the LOG rules of one policy rule, from `iptables-save -c` (`ip6tables-save -c`). */
async function logCount(node: SimNode, family: 4 | 6, direction: 'ingress' | 'egress', rule: string): Promise<number> {
  const hash = rule.lastIndexOf('#');
  const chain = policyChain(rule.slice(0, hash), direction);
  // The renderer's prefix: the chain name cut to 16 characters and the rule index.
  const prefix = `"${chain.slice(0, 16)} r${rule.slice(hash + 1)} "`;
  const save = (await node.scope.exec(node.ns, [family === 4 ? 'iptables-save' : 'ip6tables-save', '-c', '-t', 'filter'])).stdout;
  let n = 0;
  for (const line of save.split('\n')) {
    const m = /^\[(\d+):\d+\] -A (\S+) .*-j LOG .*--log-prefix (".*?")/.exec(line);
    if (m && m[2] === chain && m[3] === prefix) n += Number(m[1]);
  }
  return n;
}

/** One finding per Log rule the oracle expected to fire and whose counters stayed at zero. */
export async function checkLogHits(cells: readonly Cell[]): Promise<string[]> {
  const findings: string[] = [];
  for (const e of expectedHits(cells)) {
    const n = await logCount(e.node, e.family, e.direction, e.rule);
    if (n === 0) findings.push(`Log rule ${e.rule} (${e.direction}, IPv${e.family}) on ${e.node.name} counted no packets, though the oracle logs e.g. ${e.example}`);
  }
  return findings;
}

export function expectedLogRules(cells: readonly Cell[]): number {
  return expectedHits(cells).length;
}
