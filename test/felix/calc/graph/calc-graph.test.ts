import { expect } from 'chai';
import fc from 'fast-check';
import { CalcGraph } from '../../../../felix/calc/graph/calc-graph.ts';
import type { CalcEvent } from '../../../../felix/calc/graph/events.ts';
import { computeFromScratch, type CalcInput } from '../../../../felix/calc/graph/from-scratch.ts';
import { applyEvents, emptyState, normalise } from '../../../../felix/calc/graph/model.ts';
import { policyKey } from '../../../../felix/calc/policy/convert.ts';
import { endpointKey, type EndpointInput, type NamespaceInput, type PolicyInput } from '../../../../felix/calc/policy/types.ts';
import { ENDPOINTS, gnp, knp, NAMESPACES, np } from '../policy/world.ts';
import { opArb, type Op } from './arbitraries.ts';

/** Drives a graph and mirrors its inputs, so the result can be recomputed from scratch. */
class Harness {
  readonly batches: CalcEvent[][] = [];
  readonly folded = emptyState();
  readonly graph = new CalcGraph({
    nodeName: 'n1',
    listener: (ev) => {
      this.batches.push([...ev]);
      applyEvents(this.folded, ev);
    },
  });
  readonly endpoints = new Map<string, EndpointInput>();
  readonly namespaces = new Map<string, NamespaceInput>();
  readonly policies = new Map<string, PolicyInput>();

  apply(o: Op): void {
    switch (o.op) {
      case 'upsertEndpoint':
        this.endpoints.set(endpointKey(o.ep), o.ep);
        this.graph.upsertEndpoint(o.ep);
        break;
      case 'removeEndpoint': {
        const keys = [...this.endpoints.keys()];
        const k = keys.length ? keys[o.i % keys.length]! : 'nope/nope';
        this.endpoints.delete(k);
        this.graph.removeEndpoint(k);
        break;
      }
      case 'upsertNamespace':
        this.namespaces.set(o.ns.name, o.ns);
        this.graph.upsertNamespace(o.ns);
        break;
      case 'removeNamespace':
        this.namespaces.delete(o.name);
        this.graph.removeNamespace(o.name);
        break;
      case 'upsertPolicy':
        this.policies.set(policyKey(o.p), o.p);
        this.graph.upsertPolicy(o.p);
        break;
      case 'removePolicy': {
        const keys = [...this.policies.keys()];
        const k = keys.length ? keys[o.i % keys.length]! : 'gnp:nope';
        this.policies.delete(k);
        this.graph.removePolicy(k);
        break;
      }
    }
  }

  input(): CalcInput {
    return { endpoints: [...this.endpoints.values()], namespaces: [...this.namespaces.values()], policies: [...this.policies.values()] };
  }

  events(): CalcEvent[] {
    return this.batches.flat();
  }
}

/** The ordering contract of events.ts, as event types in batch order. */
const ORDER = ['ipsetAdded', 'ipsetMembersChanged', 'policyUpdated', 'endpointUpdated', 'endpointRemoved', 'policyRemoved', 'ipsetRemoved'];

function worldOps(policies: PolicyInput[]): Op[] {
  return [
    ...NAMESPACES.map((ns): Op => ({ op: 'upsertNamespace', ns })),
    ...ENDPOINTS.map((ep): Op => ({ op: 'upsertEndpoint', ep })),
    ...policies.map((p): Op => ({ op: 'upsertPolicy', p })),
  ];
}

const WORLD_POLICIES: PolicyInput[] = [
  knp('prod', 'web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } } }], ports: [{ port: 'http' }] }] }),
  np('prod', 'db', { order: 10, selector: 'app == "db"', ingress: [{ action: 'Allow', source: { selector: 'app == "web"' } }] }),
  gnp('deny-ext', { order: 1, selector: 'all()', types: ['Egress'], egress: [{ action: 'Deny', destination: { nets: ['8.8.8.8/32'] } }, { action: 'Pass' }] }),
];

describe('felix/calc graph', () => {
  describe('agrees with a from-scratch computation', () => {
    it('for the small world', () => {
      const h = new Harness();
      for (const o of worldOps(WORLD_POLICIES)) h.apply(o);
      expect(normalise(h.folded)).to.deep.equal(normalise(computeFromScratch(h.input(), 'n1')));
      expect(normalise(h.graph.snapshot())).to.deep.equal(normalise(h.folded));
      // Only local endpoints (node n1) are reported, each with its ordered policies.
      expect([...h.folded.endpoints.keys()].sort()).to.deep.equal(['dev/web', 'other/x', 'prod/db', 'prod/web']);
      expect(h.folded.endpoints.get('prod/web')).to.deep.include({ ingressPolicies: ['knp:prod/web'], egressPolicies: ['gnp:deny-ext'] });
      expect(h.folded.endpoints.get('prod/db')).to.deep.include({ ingressPolicies: ['np:prod/db'], egressPolicies: ['gnp:deny-ext'] });
    });

    it('for any sequence of updates (fast-check)', () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 10, maxLength: 60 }), (ops) => {
          const h = new Harness();
          for (const o of ops) h.apply(o);
          expect(normalise(h.folded)).to.deep.equal(normalise(computeFromScratch(h.input(), 'n1')));
        }),
        { numRuns: 300 },
      );
    });

    it('for the same final state reached in different orders (fast-check)', () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 5, maxLength: 40 }), fc.func(fc.integer()), (noise, shuffleKey) => {
          const ops = worldOps(WORLD_POLICIES);
          const shuffled = ops.map((o, i) => ({ o, k: shuffleKey(i) })).sort((a, b) => a.k - b.k).map((x) => x.o);
          const a = new Harness();
          for (const o of ops) a.apply(o);
          // Noise first, then clear it away and install the world in another order.
          const b = new Harness();
          for (const o of noise) b.apply(o);
          while (b.policies.size) b.apply({ op: 'removePolicy', i: 0 });
          while (b.endpoints.size) b.apply({ op: 'removeEndpoint', i: 0 });
          for (const name of [...b.namespaces.keys()]) b.apply({ op: 'removeNamespace', name });
          for (const o of shuffled) b.apply(o);
          expect(normalise(b.folded)).to.deep.equal(normalise(a.folded));
        }),
        { numRuns: 150 },
      );
    });
  });

  describe('the bulk path (beginBatch/endBatch, load) agrees with the incremental one', () => {
    it('for any sequence of updates gathered in one batch, emitted as one batch (fast-check)', () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 5, maxLength: 60 }), (ops) => {
          const inc = new Harness();
          for (const o of ops) inc.apply(o);
          const bulk = new Harness();
          bulk.graph.beginBatch();
          for (const o of ops) bulk.apply(o);
          expect(bulk.batches).to.have.length(0);
          bulk.graph.endBatch();
          expect(bulk.batches.length).to.be.at.most(1);
          expect(normalise(bulk.folded)).to.deep.equal(normalise(inc.folded));
          expect(normalise(bulk.graph.snapshot())).to.deep.equal(normalise(inc.graph.snapshot()));
        }),
        { numRuns: 300 },
      );
    });

    it('for a batch of changes on top of an emitted state, and incremental updates after it (fast-check)', () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 30 }), fc.array(opArb, { maxLength: 30 }), fc.array(opArb, { maxLength: 15 }), (before, batch, after) => {
          const inc = new Harness();
          const bulk = new Harness();
          for (const o of before) {
            inc.apply(o);
            bulk.apply(o);
          }
          for (const o of batch) inc.apply(o);
          bulk.graph.beginBatch();
          for (const o of batch) bulk.apply(o);
          bulk.graph.endBatch();
          expect(normalise(bulk.folded)).to.deep.equal(normalise(inc.folded));
          for (const o of after) {
            inc.apply(o);
            bulk.apply(o);
          }
          // The fold checks the ordering contract of every batch; the states stay equal afterwards.
          expect(normalise(bulk.folded)).to.deep.equal(normalise(inc.folded));
          expect(normalise(bulk.folded)).to.deep.equal(normalise(computeFromScratch(bulk.input(), 'n1')));
        }),
        { numRuns: 200 },
      );
    });

    it('load() of the final inputs equals feeding them one by one, in any order (fast-check)', () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 5, maxLength: 60 }), (ops) => {
          const inc = new Harness();
          for (const o of ops) inc.apply(o);
          const loaded = new Harness();
          loaded.graph.load(inc.input());
          expect(loaded.batches.length).to.be.at.most(1);
          expect(normalise(loaded.folded)).to.deep.equal(normalise(inc.folded));
        }),
        { numRuns: 300 },
      );
    });

    it('nests, and emits only when the outermost batch ends', () => {
      const h = new Harness();
      h.graph.beginBatch();
      h.graph.beginBatch();
      for (const o of worldOps(WORLD_POLICIES)) h.apply(o);
      h.graph.endBatch();
      expect(h.batches).to.have.length(0);
      h.graph.endBatch();
      expect(h.batches).to.have.length(1);
      expect(h.batches[0]!.map((e) => e.type)).to.deep.equal([...h.batches[0]!.map((e) => e.type)].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b)));
      expect(normalise(h.folded)).to.deep.equal(normalise(computeFromScratch(h.input(), 'n1')));
      expect(() => h.graph.endBatch()).to.throw(/without beginBatch/);
    });

    it('load() skips an invalid policy, applies the rest, and throws its error', () => {
      const h = new Harness();
      const bad = np('prod', 'bad', { selector: 'app ==', ingress: [] });
      expect(() => h.graph.load({ namespaces: NAMESPACES, endpoints: ENDPOINTS, policies: [bad, ...WORLD_POLICIES] })).to.throw();
      const ok = new Harness();
      for (const o of worldOps(WORLD_POLICIES)) ok.apply(o);
      expect(normalise(h.folded)).to.deep.equal(normalise(ok.folded));
    });
  });

  describe('emits deltas', () => {
    it('moves a pod in and out of an ipset when its namespace labels change', () => {
      const h = new Harness();
      for (const o of worldOps(WORLD_POLICIES)) h.apply(o);
      const before = h.events().length;
      h.apply({ op: 'upsertNamespace', ns: { name: 'other', labels: { team: 'b' } } });
      const ev = h.events().slice(before);
      // other/x (10.0.3.1) joins the team == "b" named-port source set; nothing else changes.
      expect(ev).to.have.length(1);
      expect(ev[0]).to.deep.include({ type: 'ipsetMembersChanged', added: ['10.0.3.1/32'], removed: [] });
    });

    it('creates sets before the policy and the policy before the endpoint, and tears down in reverse', () => {
      const h = new Harness();
      for (const o of worldOps([])) h.apply(o);
      h.graph.upsertPolicy(WORLD_POLICIES[1]!);
      expect(h.batches.at(-1)!.map((e) => e.type)).to.deep.equal(['ipsetAdded', 'policyUpdated', 'endpointUpdated']);
      h.graph.removePolicy('np:prod/db');
      expect(h.batches.at(-1)!.map((e) => e.type)).to.deep.equal(['endpointUpdated', 'policyRemoved', 'ipsetRemoved']);
    });

    it('activates a policy only while it applies to a local endpoint', () => {
      const h = new Harness();
      for (const o of worldOps([])) h.apply(o);
      // prod/cache is on n2: the policy is not active here, so nothing is emitted.
      const n = h.events().length;
      h.graph.upsertPolicy(np('prod', 'cache', { selector: 'app == "cache"', ingress: [{ action: 'Allow', source: { selector: 'app == "web"' } }] }));
      expect(h.events().length).to.equal(n);
      h.apply({ op: 'upsertEndpoint', ep: { ...ENDPOINTS[2]!, node: 'n1' } });
      expect(h.events().slice(n).map((e) => e.type)).to.deep.equal(['ipsetAdded', 'policyUpdated', 'endpointUpdated']);
    });

    it('rewriting a policy in place keeps shared sets and reports only what changed', () => {
      const h = new Harness();
      for (const o of worldOps(WORLD_POLICIES)) h.apply(o);
      const n = h.events().length;
      h.graph.upsertPolicy(WORLD_POLICIES[1]!);
      expect(h.events().length).to.equal(n);
      h.graph.upsertPolicy(np('prod', 'db', { order: 10, selector: 'app == "db"', ingress: [{ action: 'Deny', source: { selector: 'app == "web"' } }] }));
      expect(h.events().slice(n).map((e) => e.type)).to.deep.equal(['policyUpdated']);
      h.graph.upsertPolicy(np('prod', 'db', { order: 3, selector: 'app == "db"', ingress: [{ action: 'Deny', source: { selector: 'app == "web"' } }] }));
      // The order moved, so the endpoint's list is recomputed, but its order of policies is unchanged.
      expect(h.events().slice(n + 1).map((e) => e.type)).to.deep.equal(['policyUpdated']);
    });

    it('keeps a shared address while another endpoint still has it', () => {
      const h = new Harness();
      h.graph.upsertPolicy(gnp('p', { selector: 'all()', ingress: [{ action: 'Allow', source: { selector: 'has(app)' } }] }));
      const ep = (name: string, node = 'n1'): EndpointInput => ({ namespace: 'a', name, labels: { app: 'x' }, ips: ['10.1.1.1'], node, interfaceName: `reef${name}` });
      h.graph.upsertEndpoint(ep('one'));
      h.graph.upsertEndpoint(ep('two', 'n2'));
      h.graph.removeEndpoint('a/two');
      const set = [...h.folded.ipsets.values()].find((s) => s.members.size > 0)!;
      expect([...set.members]).to.deep.equal(['10.1.1.1/32']);
    });
  });

  describe('at scale: 1,000 endpoints and 500 policies', () => {
    const NSES = 20;
    const pod = (i: number, labels: Record<string, string> = { app: `app${i % 50}`, version: `v${i % 3}` }): EndpointInput => ({
      namespace: `ns${i % NSES}`,
      name: `pod${i}`,
      labels,
      ips: [`10.${(i >> 8) & 255}.${i & 255}.1`],
      node: i % 4 === 0 ? 'n1' : `n${i % 4}`,
      interfaceName: `reef${i}`,
      ports: [{ name: 'http', protocol: 'TCP', port: 8000 + (i % 7) }],
    });
    let h: Harness;
    before(() => {
      h = new Harness();
      for (let i = 0; i < NSES; i++) h.apply({ op: 'upsertNamespace', ns: { name: `ns${i}`, labels: { team: `t${i % 5}` } } });
      for (let i = 0; i < 1000; i++) h.apply({ op: 'upsertEndpoint', ep: pod(i) });
      for (let j = 0; j < 500; j++) {
        h.apply({
          op: 'upsertPolicy',
          p: knp(`ns${j % NSES}`, `pol${j}`, {
            podSelector: { matchLabels: { app: `app${j % 50}` } },
            ingress: [
              {
                from: [
                  { podSelector: { matchLabels: { app: `app${(j + 1) % 50}` } } },
                  { namespaceSelector: { matchLabels: { team: `t${j % 5}` } }, podSelector: { matchLabels: { version: `v${j % 3}` } } },
                ],
                ports: [{ port: 'http' }],
              },
            ],
          }),
        });
      }
    });

    const evaluations = () => h.graph.setIndex.evaluations + h.graph.applyIndex.evaluations;

    it('a label no selector mentions costs no evaluation and no delta', () => {
      const n = h.events().length;
      const e0 = evaluations();
      h.apply({ op: 'upsertEndpoint', ep: pod(8, { app: 'app8', version: 'v2', build: '42' }) });
      expect(h.events().length).to.equal(n);
      expect(evaluations() - e0).to.equal(0);
    });

    it('a single label change emits a handful of deltas, not a rebuild', () => {
      const n = h.events().length;
      const e0 = evaluations();
      // pod8 (ns8, local) becomes app10: it leaves the app8 sets and policies and joins the app10 ones.
      h.apply({ op: 'upsertEndpoint', ep: pod(8, { app: 'app10', version: 'v2' }) });
      const ev = h.events().slice(n);
      expect(ev.length).to.be.greaterThan(0);
      expect(ev.length).to.be.at.most(12);
      // Only selectors that mention `app` are evaluated (about a third of them here), once each.
      expect(evaluations() - e0).to.be.at.most(210);
      expect(normalise(h.folded)).to.deep.equal(normalise(computeFromScratch(h.input(), 'n1')));
    });
  });
});
