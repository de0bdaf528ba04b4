/** Calico's rule for nets and notNets of one address family only: the rule is out of the other family. */
import { expect } from 'chai';
import { resolvePolicy } from '../../../../felix/calc/graph/resolve.ts';
import { convertPolicy } from '../../../../felix/calc/policy/convert.ts';
import { decide } from '../../../../felix/calc/policy/decide.ts';
import type { EndpointInput, RuleInput } from '../../../../felix/calc/policy/types.ts';
import { ruleFragments } from '../../../../felix/calc/render/policy-chain.ts';
import { gnp, NAMESPACES } from './world.ts';

const web: EndpointInput = { namespace: 'prod', name: 'web', labels: { app: 'web' }, ips: ['10.9.0.1/32', 'fd00::1/128'], node: 'n1', interfaceName: 'reef0c1' };

function verdicts(first: RuleInput, sources: string[]): string[] {
  const policy = convertPolicy(gnp('p', { selector: 'app == "web"', ingress: [first, { action: 'Allow' }] }));
  const state = { endpoints: [web], namespaces: NAMESPACES, policies: [policy] };
  return sources.map((ip) => decide(state, { src: { ip }, dst: { endpoint: 'prod/web' }, protocol: 'TCP', srcPort: 40000, dstPort: 80 }).verdict);
}

function fragmentsPerFamily(first: RuleInput): [number, number] {
  const rule = resolvePolicy(convertPolicy(gnp('p', { selector: 'app == "web"', ingress: [first] }))).policy.ingress![0]!;
  return [ruleFragments(rule, 4).length, ruleFragments(rule, 6).length];
}

describe('felix/calc: nets and notNets of one address family', () => {
  it('an IPv4-only notNets takes the rule out of IPv6, in the oracle and the renderer', () => {
    const deny: RuleInput = { action: 'Deny', source: { notNets: ['192.168.0.0/16'] } };
    expect(verdicts(deny, ['10.1.1.1', '192.168.1.1', 'fd00::9'])).to.deep.equal(['deny', 'allow', 'allow']);
    expect(fragmentsPerFamily(deny)).to.deep.equal([1, 0]);
  });

  it('a notNets with both families applies to both, each with its own CIDRs', () => {
    const deny: RuleInput = { action: 'Deny', source: { notNets: ['192.168.0.0/16', 'fd00:9::/64'] } };
    expect(verdicts(deny, ['10.1.1.1', '192.168.1.1', 'fd00::9', 'fd00:9::1'])).to.deep.equal(['deny', 'allow', 'deny', 'allow']);
    expect(fragmentsPerFamily(deny)).to.deep.equal([1, 1]);
  });

  it('an IPv6-only nets never matches IPv4, and is not rendered for it', () => {
    const deny: RuleInput = { action: 'Deny', destination: { nets: ['fd00::/64'] } };
    expect(verdicts({ action: 'Deny', source: { nets: ['fd00::/16'] } }, ['10.1.1.1', 'fd00::9'])).to.deep.equal(['allow', 'deny']);
    expect(fragmentsPerFamily(deny)).to.deep.equal([0, 1]);
  });
});
