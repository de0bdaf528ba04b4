import { expect } from 'chai';
import { endpointFromResource, policyFromResource, policyKeyOf } from '../../src/node/policy-source.ts';
import type { Resource } from '../../src/model/resource.ts';

const gnp = (spec: Record<string, unknown>): Resource => ({ apiVersion: 'reef.dev/v1', kind: 'GlobalNetworkPolicy', metadata: { name: 'g' }, spec });

describe('datastore resources to policy agent input', () => {
  it('converts a WorkloadEndpoint, keeping only ports the calc can match', () => {
    const r: Resource = {
      apiVersion: 'reef.dev/v1', kind: 'WorkloadEndpoint', metadata: { name: 'w', namespace: 'ns', labels: { app: 'x' } },
      spec: { node: 'n1', interfaceName: 'reef00000000001', ipNetworks: ['10.0.0.1/32'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }, { name: 'l', protocol: 'UDPLite', port: 9 }] },
    };
    expect(endpointFromResource(r)).to.deep.equal({
      namespace: 'ns', name: 'w', labels: { app: 'x' }, ips: ['10.0.0.1/32'], node: 'n1', interfaceName: 'reef00000000001', ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
    });
  });

  const cases: { name: string; spec: Record<string, unknown>; check: (c: ReturnType<typeof policyFromResource>) => void }[] = [
    {
      name: 'ipVersion becomes an all-addresses source net of that family',
      spec: { selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Allow', ipVersion: 6, source: {}, destination: {} }] },
      check: (c) => expect(c.value!.spec).to.deep.include({ ingress: [{ action: 'Allow', source: { nets: ['::/0'] }, destination: {} }] }),
    },
    {
      name: 'an Allow rule that needs serviceAccounts is left out, with a warning',
      spec: { selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Allow', source: { serviceAccounts: { names: ['sa'] } }, destination: {} }] },
      check: (c) => {
        expect((c.value!.spec as { ingress: unknown[] }).ingress).to.deep.equal([]);
        expect(c.warnings[0]).to.match(/serviceAccounts/);
      },
    },
    {
      name: 'a Deny rule keeps its other matches without serviceAccounts',
      spec: { selector: 'all()', types: ['Egress'], egress: [{ action: 'Deny', protocol: 'TCP', source: {}, destination: { serviceAccounts: { selector: 'x' }, ports: [25] } }] },
      check: (c) => expect((c.value!.spec as { egress: unknown[] }).egress).to.deep.equal([{ action: 'Deny', protocol: 'TCP', source: {}, destination: { ports: [25] } }]),
    },
    {
      name: 'a preDNAT policy (host endpoints only) is skipped',
      spec: { selector: 'all()', preDNAT: true, applyOnForward: true, types: ['Ingress'] },
      check: (c) => expect(c.value).to.equal(undefined),
    },
    {
      name: 'namespaceSelector and order carry over',
      spec: { order: 5, selector: 'all()', namespaceSelector: "env == 'prod'", types: ['Ingress'] },
      check: (c) => expect(c.value!.spec).to.deep.include({ order: 5, namespaceSelector: "env == 'prod'", types: ['Ingress'] }),
    },
  ];
  for (const c of cases) it(c.name, () => c.check(policyFromResource(gnp(c.spec))));

  it('names policies the way the calc keys them', () => {
    expect(policyKeyOf(gnp({}))).to.equal('gnp:g');
    expect(policyKeyOf({ apiVersion: 'reef.dev/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'ns' }, spec: {} })).to.equal('np:ns/p');
  });
});
