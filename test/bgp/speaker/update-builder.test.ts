import { expect } from 'chai';
import { AttrTable } from '../../../bgp/rib/attr-set.ts';
import type { OutUpdate } from '../../../bgp/rib/adj-rib-out.ts';
import { formatKey, parsePrefix, type PrefixKey } from '../../../bgp/rib/prefix-key.ts';
import { UpdateBuilder, type BuildContext } from '../../../bgp/speaker/update-builder.ts';
import { decodeMessage, prefixToString, type UpdateMessage } from '../../../bgp/wire/index.ts';
import type { PathAttributes } from '../../../bgp/wire/types.ts';

/**
 * The builder is pure: Adj-RIB-Out buckets in, UPDATE bytes out. Every
 * message is decoded back with the codec's general decoder, which checks
 * lengths, flags and attributes independently of how they were written.
 */
const ctx: BuildContext = { fourOctetAs: true, ipv4: true, ipv6: true, nextHopV4: '192.0.2.1', nextHopV6: '2001:db8::1' };
const table = new AttrTable();
const set = (a: PathAttributes) => table.internAttrs(a);
const base: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65001, 4200000000] }], nextHop: '192.0.2.9', communities: [0xfde90001] };

function decodeAll(msgs: Buffer[]): { updates: UpdateMessage[]; sizes: number[] } {
  const updates = msgs.map((m) => {
    const d = decodeMessage(m, { fourOctetAs: true });
    expect(d.message.type).to.equal('UPDATE');
    expect(d.findings, 'RFC 7606 findings').to.deep.equal([]);
    return d.message as UpdateMessage;
  });
  return { updates, sizes: msgs.map((m) => m.length) };
}

function v4s(n: number, len = 24): PrefixKey[] {
  return Array.from({ length: n }, (_, i) => parsePrefix(`${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/${len}`.replace(/\/24$/, `/${len}`)));
}

function announced(u: UpdateMessage[]): string[] {
  return u.flatMap((m) => [...m.nlri, ...(m.mpNlri ?? [])].map(prefixToString));
}

describe('UpdateBuilder', () => {
  describe('IPv4 announcements', () => {
    it('carry the attributes once per message and round-trip through the codec', () => {
      const b = new UpdateBuilder(ctx);
      const prefixes = v4s(3);
      const { updates } = decodeAll(b.build({ kind: 'announce', attrs: set(base), prefixes }));
      expect(updates).to.have.length(1);
      expect(updates[0]!.attributes).to.deep.include({ origin: 0, nextHop: '192.0.2.9', communities: [0xfde90001] });
      expect(updates[0]!.attributes.asPath).to.deep.equal(base.asPath);
      expect(announced(updates)).to.deep.equal(prefixes.map(formatKey));
    });

    it('pack as many prefixes as fit into 4096-byte messages', () => {
      const b = new UpdateBuilder(ctx);
      const prefixes = v4s(5000);
      const { updates, sizes } = decodeAll(b.build({ kind: 'announce', attrs: set(base), prefixes }));
      expect(announced(updates)).to.deep.equal(prefixes.map(formatKey));
      for (const s of sizes.slice(0, -1)) expect(s).to.be.within(4096 - 3, 4096);
      // /24s take 4 bytes each: a full message has fewer than 4 bytes left.
      expect(updates.length).to.be.greaterThan(1);
    });

    it('replace a next hop of the other family with the session’s own', () => {
      const b = new UpdateBuilder(ctx);
      const { updates } = decodeAll(b.build({ kind: 'announce', attrs: set({ ...base, nextHop: '2001:db8::9' }), prefixes: v4s(1) }));
      expect(updates[0]!.attributes.nextHop).to.equal('192.0.2.1');
    });

    it('withdraw in the classic field, split across messages', () => {
      const b = new UpdateBuilder(ctx);
      const prefixes = v4s(3000, 32);
      const { updates, sizes } = decodeAll(b.build({ kind: 'withdraw', prefixes }));
      expect(updates.flatMap((u) => u.withdrawn.map(prefixToString))).to.deep.equal(prefixes.map(formatKey));
      expect(updates.length).to.equal(Math.ceil((3000 * 5) / (4096 - 23)));
      for (const s of sizes) expect(s).to.be.at.most(4096);
    });
  });

  describe('IPv6', () => {
    it('announces in MP_REACH_NLRI with the route’s next hop, and withdraws in MP_UNREACH_NLRI', () => {
      const b = new UpdateBuilder(ctx);
      const keys = ['2001:db8:1::/48', '2001:db8:2::/64', 'fd00::/8', '::/0'].map(parsePrefix);
      const a = set({ origin: 0, asPath: [{ type: 2, asns: [65001] }], mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::9' } });
      const { updates } = decodeAll(b.build({ kind: 'announce', attrs: a, prefixes: keys }));
      expect(updates).to.have.length(1);
      expect(updates[0]!.nlri).to.deep.equal([]);
      expect(updates[0]!.attributes.nextHop).to.equal(undefined);
      expect(updates[0]!.attributes.mpReach).to.deep.equal({ afi: 2, safi: 1, nextHop: '2001:db8::9' });
      expect(announced(updates)).to.deep.equal(keys.map(formatKey));
      const w = decodeAll(b.build({ kind: 'withdraw', prefixes: keys })).updates;
      expect(w[0]!.mpUnreach!.withdrawn.map(prefixToString)).to.deep.equal(keys.map(formatKey));
    });

    it('uses the session’s IPv6 next hop when the set only has an IPv4 one (next hop self over an IPv4 session)', () => {
      const b = new UpdateBuilder({ ...ctx, nextHopV6: '::ffff:192.0.2.1' });
      const { updates } = decodeAll(b.build({ kind: 'announce', attrs: set(base), prefixes: [parsePrefix('fd00:1::/64')] }));
      expect(updates[0]!.attributes.mpReach!.nextHop).to.equal('::ffff:c000:201');
    });

    it('splits a large bucket into messages of at most 4096 bytes', () => {
      const b = new UpdateBuilder(ctx);
      const keys = Array.from({ length: 900 }, (_, i) => parsePrefix(`2001:db8:${i.toString(16)}::/48`));
      const a = set({ origin: 0, asPath: [], mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::9' } });
      const { updates, sizes } = decodeAll(b.build({ kind: 'announce', attrs: a, prefixes: keys }));
      expect(announced(updates)).to.deep.equal(keys.map(formatKey));
      expect(updates.length).to.be.greaterThan(1);
      for (const s of sizes) expect(s).to.be.at.most(4096);
    });
  });

  describe('families and End-of-RIB', () => {
    it('drops prefixes of a family the session did not negotiate', () => {
      const b = new UpdateBuilder({ ...ctx, ipv6: false });
      const u: OutUpdate = { kind: 'announce', attrs: set(base), prefixes: [parsePrefix('fd00::/8'), parsePrefix('10.0.0.0/8')] };
      const { updates } = decodeAll(b.build(u));
      expect(announced(updates)).to.deep.equal(['10.0.0.0/8']);
    });

    for (const afi of [1, 2] as const) {
      it(`builds the End-of-RIB marker for AFI ${afi}`, () => {
        const m = decodeMessage(new UpdateBuilder(ctx).endOfRib(afi), { fourOctetAs: true }).message as UpdateMessage;
        expect(m.nlri).to.deep.equal([]);
        expect(m.withdrawn).to.deep.equal([]);
        if (afi === 2) expect(m.mpUnreach).to.deep.equal({ afi: 2, safi: 1, withdrawn: [] });
        else expect(m.attributes).to.deep.equal({});
      });
    }
  });
});
