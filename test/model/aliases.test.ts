import { expect } from 'chai';
import { KINDS, resolveKind, type Kind } from '../../src/model/index.ts';

const cases: [string, Kind | undefined][] = [
  ['ippool', 'IPPool'], ['ippools', 'IPPool'], ['ipp', 'IPPool'], ['ipps', 'IPPool'], ['pool', 'IPPool'], ['pools', 'IPPool'],
  ['bgppeer', 'BGPPeer'], ['bgppeers', 'BGPPeer'], ['bgpp', 'BGPPeer'], ['bgpps', 'BGPPeer'], ['bp', 'BGPPeer'], ['bps', 'BGPPeer'],
  ['bgpconfiguration', 'BGPConfiguration'], ['bgpconfigurations', 'BGPConfiguration'], ['bgpconfig', 'BGPConfiguration'],
  ['bgpconfigs', 'BGPConfiguration'], ['bgpc', 'BGPConfiguration'], ['bgpcs', 'BGPConfiguration'],
  ['node', 'Node'], ['nodes', 'Node'], ['no', 'Node'], ['nos', 'Node'],
  ['workloadendpoint', 'WorkloadEndpoint'], ['workloadendpoints', 'WorkloadEndpoint'], ['wep', 'WorkloadEndpoint'], ['weps', 'WorkloadEndpoint'],
  ['networkpolicy', 'NetworkPolicy'], ['networkpolicies', 'NetworkPolicy'], ['policy', 'NetworkPolicy'], ['policies', 'NetworkPolicy'],
  ['np', 'NetworkPolicy'], ['nps', 'NetworkPolicy'], ['pol', 'NetworkPolicy'], ['pols', 'NetworkPolicy'],
  ['globalnetworkpolicy', 'GlobalNetworkPolicy'], ['globalnetworkpolicies', 'GlobalNetworkPolicy'], ['gnp', 'GlobalNetworkPolicy'], ['gnps', 'GlobalNetworkPolicy'],
  ['IPPool', 'IPPool'], ['IPP', 'IPPool'], ['GlobalNetworkPolicy', 'GlobalNetworkPolicy'], ['BgpPeer', 'BGPPeer'], ['WEP', 'WorkloadEndpoint'],
  ['profile', undefined], ['hostendpoint', undefined], ['', undefined], ['ippoolz', undefined],
];

describe('resolveKind', () => {
  for (const [alias, kind] of cases) {
    it(`${JSON.stringify(alias)} -> ${kind ?? 'unknown'}`, () => {
      expect(resolveKind(alias)).to.equal(kind);
    });
  }

  it('resolves every kind by its own name in any case', () => {
    for (const k of KINDS) {
      expect(resolveKind(k.toLowerCase())).to.equal(k);
      expect(resolveKind(k.toUpperCase())).to.equal(k);
    }
  });
});
