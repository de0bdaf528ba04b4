import { expect } from 'chai';
import { keyPath } from '../../src/datastore/keys.ts';
import { aliasesOf, resolveKind, tableColumns, validateResource, ValidationError } from '../../src/model/index.ts';
import { CALICO, REEF, validDoc } from './fixtures.ts';

const doc = (reservedCIDRs: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: CALICO,
  kind: 'IPReservation',
  metadata: { name: 'ops' },
  spec: { reservedCIDRs, ...extra },
});

function findings(d: unknown): readonly { path: string; reason: string }[] {
  try {
    validateResource(d);
  } catch (e) {
    expect(e).to.be.instanceOf(ValidationError);
    return (e as ValidationError).findings;
  }
  expect.fail('document was accepted');
}

describe('IPReservation', () => {
  describe('accepts', () => {
    const valid: [string, unknown, string[]][] = [
      ['IPv4 and IPv6 networks, canonicalised', ['10.1.0.0/28', 'FD00:0:0::40/122'], ['10.1.0.0/28', 'fd00::40/122']],
      ['a bare address as its /32 or /128', ['10.1.0.9', 'fd00::9'], ['10.1.0.9/32', 'fd00::9/128']],
      ['overlapping ranges (harmless)', ['10.1.0.0/24', '10.1.0.16/28'], ['10.1.0.0/24', '10.1.0.16/28']],
    ];
    for (const [name, input, want] of valid) {
      it(name, () => {
        const r = validateResource(doc(input));
        expect(r.apiVersion).to.equal(REEF);
        expect(r.spec).to.deep.equal({ reservedCIDRs: want });
        expect(r.metadata).to.not.have.property('namespace');
      });
    }

    it('in both apiVersions to the same canonical form', () => {
      expect(validateResource(validDoc('IPReservation', REEF))).to.deep.equal(validateResource(validDoc('IPReservation', CALICO)));
    });
  });

  describe('refuses, naming the field', () => {
    const invalid: { name: string; d: unknown; path: string; mentions: string[] }[] = [
      { name: 'host bits', d: doc(['10.1.0.0/28', '10.1.0.5/28']), path: 'spec.reservedCIDRs[1]', mentions: ['10.1.0.5/28 has host bits set', '10.1.0.0/28'] },
      { name: 'IPv6 host bits', d: doc(['fd00::1/120']), path: 'spec.reservedCIDRs[0]', mentions: ['fd00::1/120', 'fd00::/120'] },
      { name: 'not an address', d: doc(['10.1.0.0/28', '10.1.300.0/24']), path: 'spec.reservedCIDRs[1]', mentions: ['"10.1.300.0/24"'] },
      { name: 'prefix too long', d: doc(['10.1.0.0/33']), path: 'spec.reservedCIDRs[0]', mentions: ['"33"', '0-32'] },
      { name: 'not a string', d: doc([24]), path: 'spec.reservedCIDRs[0]', mentions: ['24'] },
      { name: 'not a list', d: doc('10.1.0.0/28'), path: 'spec.reservedCIDRs', mentions: [] },
      { name: 'missing', d: { ...doc([]), spec: {} }, path: 'spec.reservedCIDRs', mentions: ['required'] },
      { name: 'empty', d: doc([]), path: 'spec.reservedCIDRs', mentions: ['at least one'] },
      { name: 'listed twice (after canonicalising)', d: doc(['10.1.0.0/28', '10.1.0.0/28', 'fd00::0/120', 'FD00::/120']), path: 'spec.reservedCIDRs[3]', mentions: ['fd00::/120', 'spec.reservedCIDRs[2]'] },
      { name: 'an unknown field', d: doc(['10.1.0.0/28'], { reservedCIDR: ['x'] }), path: 'spec.reservedCIDR', mentions: ['"reservedCIDR"', 'reservedCIDRs'] },
      { name: 'a namespace', d: { ...doc(['10.1.0.0/28']), metadata: { name: 'ops', namespace: 'default' } }, path: 'metadata.namespace', mentions: ['cluster-wide'] },
    ];
    for (const c of invalid) {
      it(`${c.name} -> ${c.path}`, () => {
        const at = findings(c.d).filter((f) => f.path === c.path);
        expect(at, `no finding at ${c.path}`).to.have.length.greaterThan(0);
        for (const m of c.mentions) expect(at.map((f) => f.reason).join(' | ')).to.contain(m);
      });
    }

    it('names the document and the path in the error message', () => {
      expect(() => validateResource(doc(['10.1.0.0/28', '10.1.0.5/28']))).to.throw(ValidationError, 'IPReservation "ops": spec.reservedCIDRs[1]: 10.1.0.5/28 has host bits set');
    });
  });

  it('is stored cluster-wide under /reef/v1/ipreservations/', () => {
    expect(keyPath({ kind: 'IPReservation', name: 'ops' })).to.equal('/reef/v1/ipreservations/ops');
  });

  describe('on the command line', () => {
    for (const a of ['ipreservation', 'ipreservations', 'ipr', 'iprs', 'IPReservation', 'IPR']) {
      it(`resolves ${a}`, () => expect(resolveKind(a)).to.equal('IPReservation'));
    }
    it('has exactly calicoctl-like aliases', () => {
      expect(aliasesOf('IPReservation')).to.deep.equal(['ipreservation', 'ipreservations', 'ipr', 'iprs']);
    });
    for (const wide of [false, true]) {
      it(`shows NAME and CIDRS${wide ? ' (wide)' : ''}`, () => {
        const r = validateResource(validDoc('IPReservation'));
        const cols = tableColumns('IPReservation', wide);
        expect(cols.map((c) => c.header)).to.deep.equal(['NAME', 'CIDRS']);
        expect(cols.map((c) => c.value(r))).to.deep.equal(['ops-reserved', '10.244.0.0/28,fd00:10:244::10/128,10.244.5.7/32']);
      });
    }
  });
});
