import { expect } from 'chai';
import fc from 'fast-check';
import { net } from '../../src/model/index.ts';

describe('net', () => {
  describe('parseIP and formatIP', () => {
    const cases: [string, string | undefined][] = [
      ['10.0.0.1', '10.0.0.1'],
      ['255.255.255.255', '255.255.255.255'],
      ['010.0.0.1', undefined],
      ['10.0.0', undefined],
      ['10.0.0.256', undefined],
      ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8::0:1', '2001:db8::1'],
      ['::', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['::ffff:192.0.2.1', '::ffff:c000:201'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
      ['1:0:3:4:5:6:7:8', '1:0:3:4:5:6:7:8'],
      ['1:2:3:4:5:6:7:8:9', undefined],
      ['1::2::3', undefined],
      ['fe80::1%eth0', undefined],
      ['12345::', undefined],
    ];
    for (const [input, out] of cases) {
      it(`${input} -> ${out ?? 'invalid'}`, () => {
        const a = net.parseIP(input);
        expect(a === undefined ? undefined : net.formatIP(a)).to.equal(out);
      });
    }

    it('round-trips every IPv6 value through its text', () => {
      fc.assert(
        fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (value) => {
          const text = net.formatIP({ family: 6, value });
          expect(net.parseIP(text)).to.deep.equal({ family: 6, value });
        }),
      );
    });
  });

  describe('parseCIDR', () => {
    it('suggests the network when host bits are set', () => {
      const r = net.parseCIDR('192.168.1.77/20', { strict: true });
      expect(r).to.deep.equal({ ok: false, reason: '192.168.1.77/20 has host bits set; did you mean 192.168.0.0/20?' });
    });
    it('keeps host bits of an interface address when not strict', () => {
      const r = net.parseCIDR('192.168.1.77/20', { strict: false });
      expect(r.ok && net.formatPrefix(r.prefix)).to.equal('192.168.1.77/20');
    });
    it('reads a bare address as a host prefix only when allowed', () => {
      expect(net.parseCIDR('fd00::1', { strict: true }).ok).to.equal(false);
      const r = net.parseCIDR('fd00::1', { strict: true, allowBareIP: true });
      expect(r.ok && net.formatPrefix(r.prefix)).to.equal('fd00::1/128');
    });
  });

  describe('parseIPPort', () => {
    const cases: [string, string | undefined][] = [
      ['192.0.2.1', '192.0.2.1'],
      ['192.0.2.1:1179', '192.0.2.1:1179'],
      ['[FD00::1]:179', '[fd00::1]:179'],
      ['fd00::1', 'fd00::1'],
      ['[192.0.2.1]:179', undefined],
      ['192.0.2.1:', undefined],
      ['192.0.2.1:65536', undefined],
      ['host.example:179', undefined],
    ];
    for (const [input, out] of cases) {
      it(`${input} -> ${out ?? 'invalid'}`, () => {
        const r = net.parseIPPort(input);
        expect(r.ok ? r.text : undefined).to.equal(out);
      });
    }
  });

  it('overlaps is symmetric and matches containment of the network address', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.integer({ min: 0, max: 32 }), fc.nat(0xffffffff), fc.integer({ min: 0, max: 32 }), (a, la, b, lb) => {
        const pa = { family: 4 as const, value: BigInt(a) & net.mask(4, la), length: la };
        const pb = { family: 4 as const, value: BigInt(b) & net.mask(4, lb), length: lb };
        const expected = la <= lb ? net.contains(pa, pb) : net.contains(pb, pa);
        expect(net.overlaps(pa, pb)).to.equal(expected);
        expect(net.overlaps(pb, pa)).to.equal(expected);
      }),
    );
  });
});
