import { expect } from 'chai';
import { validateAgainst, validateResource, type Resource } from '../../src/model/index.ts';
import { REEF } from './fixtures.ts';

const pool = (name: string, cidr: string): Resource =>
  validateResource({ apiVersion: REEF, kind: 'IPPool', metadata: { name }, spec: { cidr } });

const peer = (name: string, spec: Record<string, unknown>): Resource =>
  validateResource({ apiVersion: REEF, kind: 'BGPPeer', metadata: { name }, spec: { asNumber: 65001, ...spec } });

interface Case {
  name: string;
  r: () => Resource;
  existing: () => Resource[];
  /** Undefined: accepted. Otherwise the one finding's path and what its reason mentions. */
  refused?: { path: string; mentions: string[] };
}

const cases: Case[] = [
  {
    name: 'a pool inside another is refused, naming the other pool and both CIDRs',
    r: () => pool('pool-b', '10.244.128.0/17'),
    existing: () => [pool('pool-a', '10.244.0.0/16')],
    refused: { path: 'spec.cidr', mentions: ['10.244.128.0/17', 'IPPool "pool-a"', '10.244.0.0/16'] },
  },
  {
    name: 'a pool around another is refused',
    r: () => pool('pool-b', '10.0.0.0/8'),
    existing: () => [pool('pool-a', '10.244.0.0/16')],
    refused: { path: 'spec.cidr', mentions: ['10.0.0.0/8', 'IPPool "pool-a"', '10.244.0.0/16'] },
  },
  {
    name: 'overlapping IPv6 pools are refused',
    r: () => pool('v6-b', 'fd00:0:0:1::/64'),
    existing: () => [pool('v6-a', 'fd00::/48')],
    refused: { path: 'spec.cidr', mentions: ['fd00:0:0:1::/64', 'fd00::/48'] },
  },
  {
    name: 'adjacent pools are accepted',
    r: () => pool('pool-b', '10.245.0.0/16'),
    existing: () => [pool('pool-a', '10.244.0.0/16')],
  },
  {
    name: 'pools of different families never overlap',
    r: () => pool('v6', 'fd00::/48'),
    existing: () => [pool('pool-a', '10.0.0.0/8')],
  },
  {
    name: 'updating a pool does not conflict with its stored self',
    r: () => pool('pool-a', '10.244.0.0/16'),
    existing: () => [pool('pool-a', '10.244.0.0/16')],
  },
  {
    name: 'two global peers to the same address are refused',
    r: () => peer('tor-2', { peerIP: '192.0.2.1' }),
    existing: () => [peer('tor-1', { peerIP: '192.0.2.1' })],
    refused: { path: 'spec.peerIP', mentions: ['192.0.2.1', 'BGPPeer "tor-1"', 'every node'] },
  },
  {
    name: 'the default port 179 written out is the same session',
    r: () => peer('tor-2', { peerIP: '192.0.2.1:179', node: 'node-1' }),
    existing: () => [peer('tor-1', { peerIP: '192.0.2.1', node: 'node-1' })],
    refused: { path: 'spec.peerIP', mentions: ['BGPPeer "tor-1"', 'node "node-1"'] },
  },
  {
    name: 'a node peer duplicating a global peer is refused',
    r: () => peer('tor-2', { peerIP: '192.0.2.1', node: 'node-1' }),
    existing: () => [peer('tor-1', { peerIP: '192.0.2.1' })],
    refused: { path: 'spec.peerIP', mentions: ['BGPPeer "tor-1"', 'every node', 'node "node-1"'] },
  },
  {
    name: 'the same nodeSelector and address is refused',
    r: () => peer('tor-2', { peerIP: '192.0.2.1', nodeSelector: "rack == 'a'" }),
    existing: () => [peer('tor-1', { peerIP: '192.0.2.1', nodeSelector: "rack == 'a'" })],
    refused: { path: 'spec.peerIP', mentions: ["nodeSelector \"rack == 'a'\""] },
  },
  {
    name: 'the same address from different nodes is accepted',
    r: () => peer('tor-2', { peerIP: '192.0.2.1', node: 'node-2' }),
    existing: () => [peer('tor-1', { peerIP: '192.0.2.1', node: 'node-1' })],
  },
  {
    name: 'the same address on another port is another session',
    r: () => peer('tor-2', { peerIP: '192.0.2.1:1179' }),
    existing: () => [peer('tor-1', { peerIP: '192.0.2.1' })],
  },
  {
    name: 'IPv6 addresses are compared by value, not text',
    r: () => peer('tor-2', { peerIP: 'FD00:0::1' }),
    existing: () => [peer('tor-1', { peerIP: '[fd00::1]:179' })],
    refused: { path: 'spec.peerIP', mentions: ['BGPPeer "tor-1"'] },
  },
  {
    name: 'peerSelector peers have no address to collide on',
    r: () => peer('rr-2', { peerSelector: 'has(rr)', asNumber: undefined }),
    existing: () => [peer('rr-1', { peerSelector: 'has(rr)', asNumber: undefined })],
  },
];

describe('validateAgainst', () => {
  for (const c of cases) {
    it(c.name, () => {
      const findings = validateAgainst(c.r(), c.existing());
      if (!c.refused) {
        expect(findings).to.deep.equal([]);
        return;
      }
      expect(findings).to.have.length(1);
      expect(findings[0]!.path).to.equal(c.refused.path);
      for (const m of c.refused.mentions) expect(findings[0]!.reason).to.include(m);
    });
  }

  it('reports one finding per conflicting pool', () => {
    const findings = validateAgainst(pool('big', '10.0.0.0/8'), [pool('a', '10.1.0.0/16'), pool('b', '10.2.0.0/16'), pool('c', '192.168.0.0/16')]);
    expect(findings.map((f) => f.reason)).to.have.length(2);
  });

  it('has no cross-object rules for other kinds', () => {
    const gnp = validateResource({ apiVersion: REEF, kind: 'GlobalNetworkPolicy', metadata: { name: 'x' }, spec: {} });
    expect(validateAgainst(gnp, [gnp])).to.deep.equal([]);
  });
});
