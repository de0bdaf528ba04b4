import { expect } from 'chai';
import type { CommandResult, CommandRunner } from '../../../felix/dataplane/command-runner.ts';
import { Conntrack } from '../../../felix/dataplane/conntrack.ts';

const VANISHED = 'conntrack v1.4.7 (conntrack-tools): Operation failed: such conntrack doesn\'t exist\n';

/** Lists one flow between two addresses; each `-D` answers from a queue of results for its argv, then succeeds. */
function runner(listing: Record<string, string>, deletes: Record<string, CommandResult[]>): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async run(argv) {
      const cmd = argv.join(' ');
      calls.push(cmd);
      if (argv[1] === '-L') return { stdout: listing[argv[3]!] ?? '', stderr: '', code: 0 };
      return deletes[cmd]?.shift() ?? { stdout: '', stderr: '1 flow entries have been deleted.\n', code: 0 };
    },
  };
}

describe('felix/dataplane conntrack flush', () => {
  const listing = {
    ipv6: 'udp      17 29 src=fd65:1::4 dst=fd65:1::2 sport=27823 dport=53 src=fd65:1::2 dst=fd65:1::4 sport=53 dport=27823 mark=0 use=1\n',
    ipv4: 'udp      17 29 src=10.65.1.4 dst=10.65.1.2 sport=27823 dport=53 src=10.65.1.2 dst=10.65.1.4 sport=53 dport=27823 mark=0 use=1\n',
  };

  it('deletes the entries of both families of an endpoint, by original source and destination', async () => {
    const r = runner(listing, {});
    expect(await new Conntrack({ runner: r }).flush(['10.65.1.4/32', 'fd65:1::4/128'])).to.deep.equal([]);
    expect(r.calls.filter((c) => c.includes(' -D ')).sort()).to.deep.equal([
      'conntrack -D -f ipv4 --orig-dst 10.65.1.4',
      'conntrack -D -f ipv4 --orig-src 10.65.1.4',
      'conntrack -D -f ipv6 --orig-dst fd65:1::4',
      'conntrack -D -f ipv6 --orig-src fd65:1::4',
    ]);
  });

  it('runs a delete again when it gave up on an entry another delete (or the kernel) removed first', async () => {
    const cmd = 'conntrack -D -f ipv6 --orig-src fd65:1::4';
    const r = runner(listing, { [cmd]: [{ stdout: '', stderr: VANISHED, code: 1 }, { stdout: '', stderr: VANISHED, code: 1 }] });
    expect(await new Conntrack({ runner: r }).flush(['fd65:1::4/128'])).to.deep.equal([]);
    expect(r.calls.filter((c) => c === cmd)).to.have.length(3);
  });

  it('reports a delete that keeps failing, and any other failure at once', async () => {
    const vanishing = 'conntrack -D -f ipv6 --orig-src fd65:1::4';
    const denied = 'conntrack -D -f ipv6 --orig-dst fd65:1::4';
    const r = runner(listing, {
      [vanishing]: Array.from({ length: 10 }, () => ({ stdout: '', stderr: VANISHED, code: 1 })),
      [denied]: [{ stdout: '', stderr: 'Operation not permitted\n', code: 1 }],
    });
    const failures = await new Conntrack({ runner: r }).flush(['fd65:1::4/128']);
    expect(failures).to.have.length(2);
    expect(failures.find((f) => f.startsWith(vanishing))).to.contain("doesn't exist");
    expect(r.calls.filter((c) => c === vanishing).length).to.be.within(2, 10);
    expect(r.calls.filter((c) => c === denied)).to.have.length(1);
  });
});
