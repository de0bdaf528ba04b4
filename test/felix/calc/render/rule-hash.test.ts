/** Rule hashes are over the rule's installed text, computed once with it. */
import { expect } from 'chai';
import { ChainBuilder, quoteArg, ruleArgs, ruleHash } from '../../../../felix/calc/render/args.ts';
import type { Match } from '../../../../felix/calc/render/types.ts';
import { HashedChain } from '../../../../felix/dataplane/chains.ts';

const matches: Match[] = [
  { kind: 'protocol', proto: 'tcp' },
  { kind: 'set', name: 'reef-s4-abc', dirs: ['src'], negate: true },
  { kind: 'multiport', dir: 'dst', ports: ['80', '443:445'] },
];

describe('felix/calc rule hashes', () => {
  it('hashes the chain and the rule text, not the rule before it', () => {
    const c = new ChainBuilder('reef-pi-x').add(matches, { kind: 'ACCEPT' }).add([], { kind: 'DROP' }).build();
    const [r1, r2] = c.rules;
    expect(r1!.hash).to.equal(ruleHash('reef-pi-x', '-p tcp -m set ! --match-set reef-s4-abc src -m multiport --dports 80,443:445 ', '-j ACCEPT'));
    expect(r2!.hash).to.equal(ruleHash('reef-pi-x', '', '-j DROP'));
    expect(r1!.hash).to.match(/^[A-Za-z0-9_-]{16}$/);
    // A rule keeps its hash whatever comes before it (a chain that grows at its head is written by insertion)...
    expect(new ChainBuilder('reef-pi-x').add([], { kind: 'DROP' }).build().rules[0]!.hash).to.equal(r2!.hash);
    // ...and the chain's name counts: the same rule elsewhere is another rule.
    expect(ruleHash('reef-pi-y', '', '-j DROP')).to.not.equal(r2!.hash);
    // Stable across runs: a fixed input has a fixed hash.
    expect(ruleHash('c', '-p tcp ', '-j ACCEPT')).to.equal('P_21MIDl-MyHRNnw');
  });

  it('keeps the text it made: a built rule\'s text is its arguments, quoted', () => {
    const c = new ChainBuilder('reef-pi-y').add(matches, { kind: 'log', prefix: 'a b' }).add([{ kind: 'mark', value: 1, mask: 3 }], { kind: 'RETURN' }).build();
    for (const r of c.rules) expect(r.text).to.equal(ruleArgs(r).map(quoteArg).join(' '));
    expect(c.rules[0]!.text).to.equal(`-p tcp -m set ! --match-set reef-s4-abc src -m multiport --dports 80,443:445 -m comment --comment reef:${c.rules[0]!.hash} -j LOG --log-prefix "a b"`);
  });

  it('hashes the dataplane\'s own chains the same way', () => {
    const a = new ChainBuilder('reef-z').add([{ kind: 'protocol', proto: 'tcp' }], { kind: 'ACCEPT' }).add([], { kind: 'DROP' }).build();
    const b = new HashedChain('reef-z').add(['-p', 'tcp'], ['-j', 'ACCEPT']).add([], ['-j', 'DROP']).build();
    expect(b.rules.map((r) => r.hash)).to.deep.equal(a.rules.map((r) => r.hash));
    expect(b.rules.map((r) => r.text)).to.deep.equal(a.rules.map((r) => r.text));
  });
});
