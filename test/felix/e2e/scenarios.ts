/**
 * The acceptance scenarios, in the order the runner plays them. Each one is a
 * name, the policies applied to both nodes' agents, hand-derived spot checks
 * of the oracle, and optionally one change followed by a second matrix.
 * Every matrix probes each port over IPv4 and IPv6 (and ICMP echo over both
 * where asked). The entries live in four files by subject; this is the table.
 */
import { IPV6_SCENARIOS } from './scenarios-ipv6.ts';
import { K8S_SCENARIOS } from './scenarios-k8s.ts';
import { MUTATION_SCENARIOS } from './scenarios-mutations.ts';
import { REEF_SCENARIOS } from './scenarios-reef.ts';
import type { Scenario } from './scenario-types.ts';

export type { Mutation, Scenario, Spot } from './scenario-types.ts';

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'no policy: every pod reaches every pod',
    icmp: true,
    policies: [],
    spots: [
      ['prod/web', 'ops/db', 'tcp/80', true],
      ['dev/db', 'prod/api', 'udp/5353', true],
      ['ops/api', 'dev/web', 'icmp', true],
      ['prod/web', 'ops/db', 'tcp6/80', true],
      ['ops/api', 'dev/web', 'icmp6', true],
    ],
  },
  ...K8S_SCENARIOS,
  ...REEF_SCENARIOS,
  ...MUTATION_SCENARIOS,
  ...IPV6_SCENARIOS,
];
