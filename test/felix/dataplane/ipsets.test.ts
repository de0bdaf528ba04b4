import { expect } from 'chai';
import { IpSets, kernelMembers, parseIpsetSave } from '../../../felix/dataplane/ipsets.ts';
import { FakeRunner } from './fake-runner.ts';

const desc = { name: 'reef-s4-abc', type: 'hash:net', family: 'inet' } as const;

describe('felix/dataplane ipsets', () => {
  it('spells members the way the kernel prints them', () => {
    expect(kernelMembers('hash:net', '10.0.0.1/32')).to.deep.equal(['10.0.0.1']);
    expect(kernelMembers('hash:net', 'fd00::1/128')).to.deep.equal(['fd00::1']);
    expect(kernelMembers('hash:net', '10.1.0.0/16')).to.deep.equal(['10.1.0.0/16']);
    expect(kernelMembers('hash:net', '0.0.0.0/0')).to.deep.equal(['0.0.0.0/1', '128.0.0.0/1']);
    expect(kernelMembers('hash:ip,port', '10.0.0.1,tcp:80')).to.deep.equal(['10.0.0.1,tcp:80']);
  });

  it('reads only reef sets back', () => {
    const sets = parseIpsetSave('create other hash:net family inet\nadd other 1.2.3.4\ncreate reef-s6-x hash:net family inet6 hashsize 1024\nadd reef-s6-x fd00::1\n');
    expect([...sets.keys()]).to.deep.equal(['reef-s6-x']);
    expect([...sets.get('reef-s6-x')!.members]).to.deep.equal(['fd00::1']);
    expect(sets.get('reef-s6-x')!.desc.family).to.equal('inet6');
  });

  it('creates and fills new sets, then applies member deltas only', async () => {
    const r = new FakeRunner();
    const s = new IpSets({ runner: r });
    s.setDesired(desc, ['10.0.0.1/32', '10.0.0.2/32']);
    expect(await s.applyUpdates()).to.deep.include({ setsCreated: 1, membersAdded: 2 });
    expect(r.inputsOf('ipset')[0]).to.equal('create reef-s4-abc hash:net family inet maxelem 1048576\nadd reef-s4-abc 10.0.0.1\nadd reef-s4-abc 10.0.0.2\n');
    s.changeMembers('reef-s4-abc', ['10.0.0.3/32'], ['10.0.0.1/32']);
    expect(await s.applyUpdates()).to.deep.include({ membersAdded: 1, membersRemoved: 1 });
    expect(r.inputsOf('ipset')[1]).to.equal('del reef-s4-abc 10.0.0.1\nadd reef-s4-abc 10.0.0.3\n');
    expect(r.calls.filter((c) => c.argv.join(' ') === 'ipset list -o save')).to.have.length(1);
  });

  it('rebuilds in a temporary set and swaps when a change is large or the type changed', async () => {
    const r = new FakeRunner();
    r.outputs.set('ipset list', 'create reef-s4-abc hash:ip,port family inet\n');
    const s = new IpSets({ runner: r, swapThreshold: 1 });
    s.setDesired(desc, ['10.0.0.1/32']);
    expect(await s.applyUpdates()).to.deep.include({ setsSwapped: 1 });
    expect(r.inputsOf('ipset')[0]).to.equal(
      'destroy reef-t-s4-abc\ncreate reef-t-s4-abc hash:net family inet maxelem 1048576\nadd reef-t-s4-abc 10.0.0.1\nswap reef-t-s4-abc reef-s4-abc\ndestroy reef-t-s4-abc\n',
    );
  });

  it('destroys sets only in the deletion phase, and repairs members after a resync', async () => {
    const r = new FakeRunner();
    const s = new IpSets({ runner: r });
    s.setDesired(desc, ['10.0.0.1/32']);
    await s.applyUpdates();
    s.removeSet(desc.name);
    await s.applyUpdates();
    expect(r.inputsOf('ipset')).to.have.length(1);
    expect(await s.applyDeletions()).to.deep.include({ setsDestroyed: 1 });
    expect(r.inputsOf('ipset')[1]).to.equal('destroy reef-s4-abc\n');
    s.setDesired(desc, ['10.0.0.1/32', '10.0.0.2/32']);
    r.outputs.set('ipset list', 'create reef-s4-abc hash:net family inet\nadd reef-s4-abc 10.0.0.1\ncreate reef-s4-gone hash:net family inet\n');
    await s.markForResync();
    await s.applyUpdates();
    expect(r.inputsOf('ipset')[2]).to.equal('add reef-s4-abc 10.0.0.2\n');
    await s.applyDeletions();
    expect(r.inputsOf('ipset')[3]).to.equal('destroy reef-s4-gone\n');
  });

  it('refuses names the kernel would truncate', () => {
    const s = new IpSets({ runner: new FakeRunner() });
    expect(() => s.setDesired({ ...desc, name: `reef-${'x'.repeat(30)}` }, [])).to.throw(/at most 31/);
  });
});
