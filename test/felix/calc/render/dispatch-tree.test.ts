/** Dispatch chains past DISPATCH_FANOUT interfaces: a tree by the next character of the names, same verdicts. */
import { expect } from 'chai';
import type { LocalEndpoint } from '../../../../felix/calc/graph/events.ts';
import { DISPATCH_FANOUT, renderDispatchChains } from '../../../../felix/calc/render/endpoint-chains.ts';
import { CHAIN_FROM_WL, CHAIN_TO_WL, MAX_CHAIN_NAME, fromWorkloadChain, toWorkloadChain } from '../../../../felix/calc/render/names.ts';
import type { Chain } from '../../../../felix/calc/render/types.ts';
import { Sim, type SimPacket } from './iptables-sim.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296);
}

/** `n` workloads with random CNI-style names (`reef` + 11 hex characters), plus odd short names. */
function endpoints(n: number, seed: number): LocalEndpoint[] {
  const r = rng(seed);
  const names = new Set<string>();
  while (names.size < n) names.add(`reef${Array.from({ length: 11 }, () => Math.floor(r() * 16).toString(16)).join('')}`);
  return [...names, 'reefa', 'reef'].map((interfaceName, i) => ({ key: `ns/p${i}`, interfaceName, ips: [`10.0.${i >> 8}.${i & 255}/32`], ingressPolicies: [], egressPolicies: [] }));
}

/** Each endpoint chain stands in as a marker that ACCEPTs, so the walk shows where dispatch went. */
function sim(chains: readonly Chain[], eps: readonly LocalEndpoint[]): Sim {
  const markers = eps.flatMap((e) => [fromWorkloadChain(e.interfaceName), toWorkloadChain(e.interfaceName)].map((name) => ({ name, rules: [{ matches: [], action: { kind: 'ACCEPT' as const }, hash: name, text: '' }] })));
  return new Sim([...chains, ...markers], []);
}

const pkt = (inIface: string, outIface: string): SimPacket => ({ srcIp: '10.0.0.1', dstIp: '10.0.0.2', proto: 'tcp', srcPort: 1, dstPort: 2, inIface, outIface, ctstate: 'NEW' });

describe('felix/calc render: dispatch tree', () => {
  for (const n of [DISPATCH_FANOUT - 2, 300]) {
    it(`sends every one of ${n} workloads to its own chain and drops unknown interfaces`, () => {
      const eps = endpoints(n, n);
      const chains = renderDispatchChains(eps);
      const s = sim(chains, eps);
      for (const e of eps) {
        const out = s.run(CHAIN_FROM_WL, pkt(e.interfaceName, 'eth0'));
        expect(out.trace.at(-1), e.interfaceName).to.equal(fromWorkloadChain(e.interfaceName));
        const into = s.run(CHAIN_TO_WL, pkt('eth0', e.interfaceName));
        expect(into.trace.at(-1), e.interfaceName).to.equal(toWorkloadChain(e.interfaceName));
      }
      // Unknown: sharing a known name's prefix down to its last character, and with no known prefix at all.
      const near = `${eps[0]!.interfaceName.slice(0, -1)}${eps[0]!.interfaceName.endsWith('0') ? '1' : '0'}`;
      for (const unknown of [near, 'reefzzzzzzzzzzz', 'reefb']) {
        if (eps.some((e) => e.interfaceName === unknown)) continue;
        expect(s.run(CHAIN_FROM_WL, pkt(unknown, 'eth0')).verdict, unknown).to.equal('DROP');
        expect(s.run(CHAIN_TO_WL, pkt('eth0', unknown)).verdict, unknown).to.equal('DROP');
      }
      for (const c of chains) {
        expect(c.name.length, c.name).to.be.at.most(MAX_CHAIN_NAME);
        // At most a fan-out of interfaces, or one goto per next hex character (plus the odd short names), then the DROP.
        expect(c.rules.length, c.name).to.be.at.most(Math.max(DISPATCH_FANOUT, 16 + 2) + 1);
        expect(c.rules.at(-1)!.action).to.deep.equal({ kind: 'DROP' });
      }
      if (n <= DISPATCH_FANOUT) expect(chains.map((c) => c.name)).to.deep.equal([CHAIN_FROM_WL, CHAIN_TO_WL]);
      else expect(chains.length).to.be.greaterThan(2 * 16);
    });
  }

  it('splits where the names start to differ, and stays flat when they differ only past the chain-name budget', () => {
    const r = rng(3);
    const named = (prefix: string) =>
      Array.from({ length: 40 }, (_, i) => ({ key: `ns/${prefix}${i}`, interfaceName: `${prefix}${i.toString(16).padStart(2, '0')}${Math.floor(r() * 16).toString(16)}`.padEnd(15, '0'), ips: [], ingressPolicies: [], egressPolicies: [] }));
    // Shared `reef00`, then two hex digits of the index: children keyed on the third character after `reef`.
    const tree = renderDispatchChains(named('reef00')).map((c) => c.name);
    expect(tree.filter((n) => n.startsWith(`${CHAIN_FROM_WL}-`)).every((n) => /^reef-from-wl-dispatch-00[0-9a-f]$/.test(n))).to.equal(true);
    expect(tree.length).to.be.greaterThan(2);
    // Shared `reef0000000`: no character within the budget tells them apart.
    expect(renderDispatchChains(named('reef0000000')).map((c) => c.name)).to.deep.equal([CHAIN_FROM_WL, CHAIN_TO_WL]);
  });

  it('walks a packet through a few dozen rules at most, not one per workload', () => {
    const eps = endpoints(2000, 7);
    const chains = renderDispatchChains(eps);
    const byName = new Map(chains.map((c) => [c.name, c]));
    const s = sim(chains, eps);
    let worst = 0;
    for (const e of eps.slice(0, 200)) {
      const t = s.run(CHAIN_FROM_WL, pkt(e.interfaceName, 'eth0')).trace;
      worst = Math.max(worst, t.reduce((sum, name) => sum + (byName.get(name)?.rules.length ?? 0), 0));
    }
    expect(worst).to.be.below(80);
  });
});
