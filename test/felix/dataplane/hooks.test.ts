import { expect } from 'chai';
import { Dataplane } from '../../../felix/dataplane/dataplane.ts';
import { CHAIN_FROM_WL, CHAIN_TO_WL } from '../../../felix/calc/render/index.ts';
import { inputChain, NDP_ICMPV6_TYPES, outputChain } from '../../../felix/dataplane/hooks.ts';
import type { ChainSpec } from '../../../felix/dataplane/chains.ts';
import { FakeRunner } from './fake-runner.ts';

/** Index of the first rule whose text matches. */
const ruleIndex = (c: ChainSpec, re: RegExp) => c.rules.findIndex((r) => re.test(r.text));
const ndpType = (t: number) => new RegExp(`-p ipv6-icmp -m icmp6 --icmpv6-type ${t} .*-j ACCEPT$`);

describe('felix/dataplane hook chains', () => {
  it('IPv6 reef-INPUT accepts neighbour discovery and MLD from workloads before the INVALID drop and the pod egress policy', () => {
    const c = inputChain({}, 6);
    const policy = ruleIndex(c, new RegExp(`-j ${CHAIN_FROM_WL}$`));
    const invalid = ruleIndex(c, /--ctstate INVALID .*-j DROP$/);
    expect(policy).to.be.greaterThan(0);
    expect(NDP_ICMPV6_TYPES).to.include.members([133, 135, 136]);
    for (const t of NDP_ICMPV6_TYPES) {
      const i = ruleIndex(c, ndpType(t));
      expect(i, `ICMPv6 type ${t}`).to.be.within(0, Math.min(policy, invalid) - 1);
      expect(c.rules[i]!.text, `ICMPv6 type ${t}`).to.match(/^-i reef\+ /);
    }
    // Router advertisements (134) come from routers, not from pods.
    expect(ruleIndex(c, ndpType(134))).to.equal(-1);
  });

  it('IPv4 reef-INPUT has no ICMPv6 rule (iptables could not load one)', () => {
    const c = inputChain({}, 4);
    expect(c.rules.some((r) => r.text.includes('icmp6'))).to.equal(false);
    expect(inputChain({})).to.deep.equal(c);
  });

  it('IPv6 reef-OUTPUT lets neighbour discovery to workloads pass before their policed ingress', () => {
    const policed = outputChain({ policeHostToWorkload: true }, 6);
    const policy = ruleIndex(policed, new RegExp(`-j ${CHAIN_TO_WL}$`));
    expect(policy).to.be.greaterThan(0);
    for (const t of NDP_ICMPV6_TYPES) expect(ruleIndex(policed, ndpType(t)), `ICMPv6 type ${t}`).to.be.within(0, policy - 1);
    expect(outputChain({ policeHostToWorkload: true }, 4).rules.some((r) => r.text.includes('icmp6'))).to.equal(false);
    // Unpoliced, nothing drops there: the chain stays as it was.
    expect(outputChain({}, 6)).to.deep.equal(outputChain({}, 4));
  });

  it('the dataplane installs the IPv6 INPUT chain in ip6tables only, from the first fail-closed install on', async () => {
    const r = new FakeRunner();
    const dp = new Dataplane({ runner: r, families: [4, 6], nat: false });
    await dp.installFailClosed();
    const [v4] = r.inputsOf('iptables-restore');
    const [v6] = r.inputsOf('ip6tables-restore');
    expect(v6).to.match(/-A reef-INPUT -i reef\+ -p ipv6-icmp -m icmp6 --icmpv6-type 135 /);
    expect(v4).to.contain('-A reef-INPUT ').and.not.contain('icmp6');
    dp.closeSpares();
  });
});
