import { expect } from 'chai';
import type { AgentStatus } from '../../felix/agent.ts';
import type { NodeStatus } from '../../src/node/daemon.ts';
import { nodeRegistry } from '../../src/node/metrics.ts';

const felix: AgentStatus = {
  running: true,
  synced: true,
  endpoints: 12,
  policies: 5,
  ipsets: 7,
  chains: 31,
  applies: 4,
  lastApply: {
    at: 0,
    durationMs: 18.5,
    foldMs: 1,
    full: false,
    events: 3,
    stats: {
      tables: { chainsWritten: 2, rulesWritten: 9, chainsDeleted: 0, baseChainsFixed: 0 },
      ipsets: { setsCreated: 0, setsSwapped: 0, setsDestroyed: 0, membersAdded: 1, membersRemoved: 1 },
      routes: { routesReplaced: 0, routesDeleted: 0, interfacesConfigured: 0 },
    },
    conntrackFlushed: 1,
  },
  failures: 0,
  invalidPolicies: ['np:prod/broken'],
  totals: { chainsWritten: 40, rulesWritten: 300, chainsDeleted: 2, baseChainsFixed: 1, membersAdded: 50, membersRemoved: 3, routesReplaced: 12 },
};

const status = (f?: AgentStatus): NodeStatus => ({
  node: 'n1',
  ready: true,
  notReady: [],
  addresses: {},
  ...(f ? { felix: f } : {}),
  ipam: { blocks: [], gcIntervalSeconds: 60 },
});

describe('reef-node metrics', () => {
  it("exports the policy agent's state, last apply and what it wrote", async () => {
    const text = await nodeRegistry(() => status(felix)).metrics();
    for (const line of [
      'reef_felix_synced 1',
      'reef_felix_endpoints 12',
      'reef_felix_kernel_objects{kind="chains"} 31',
      'reef_felix_kernel_objects{kind="ipsets"} 7',
      'reef_felix_invalid_policies 1',
      'reef_felix_applies 4',
      'reef_felix_last_apply_seconds 0.0185',
      'reef_felix_written{kind="rules"} 300',
      'reef_felix_written{kind="ipset_members_added"} 50',
      'reef_felix_written{kind="routes"} 12',
    ]) {
      expect(text.split('\n'), line).to.include(line);
    }
  });

  it('exports zeros and no per-kind figures when the policy agent is off', async () => {
    const text = await nodeRegistry(() => status()).metrics();
    expect(text).to.match(/^reef_felix_synced 0$/m);
    expect(text).to.match(/^reef_felix_last_apply_seconds 0$/m);
    expect(text).to.not.match(/^reef_felix_written\{/m);
    expect(text).to.not.match(/^reef_felix_kernel_objects\{/m);
  });
});
