import { expect } from 'chai';
import { originatedPrefixes } from '../../src/node/originated.ts';

describe('node originated prefixes', () => {
  it('advertises the blocks alone when the configuration has no service ranges', () => {
    expect(originatedPrefixes(['10.244.1.0/26', 'fd00:244::/122'], {}).prefixes).to.deep.equal([{ prefix: '10.244.1.0/26' }, { prefix: 'fd00:244::/122' }]);
  });

  it('adds serviceClusterIPs and serviceExternalIPs after the blocks, each once', () => {
    const got = originatedPrefixes(['10.244.1.0/26'], {
      serviceClusterIPs: [{ cidr: '10.96.0.0/12' }],
      serviceExternalIPs: [{ cidr: '192.0.2.0/24' }, { cidr: '10.96.0.0/12' }],
    });
    expect(got.prefixes.map((p) => p.prefix)).to.deep.equal(['10.244.1.0/26', '10.96.0.0/12', '192.0.2.0/24']);
  });

  it('attaches the communities of every prefixAdvertisement that contains a prefix, by name or value', () => {
    const got = originatedPrefixes(['10.244.1.0/26', '10.245.0.0/26'], {
      communities: [{ name: 'pods', value: '65001:100' }],
      prefixAdvertisements: [
        { cidr: '10.244.0.0/16', communities: ['pods', '65001:200'] },
        { cidr: '10.244.1.0/26', communities: ['65001:300'] },
      ],
    });
    expect(got.prefixes).to.deep.equal([{ prefix: '10.244.1.0/26', communities: ['65001:100', '65001:200', '65001:300'] }, { prefix: '10.245.0.0/26' }]);
    expect(got.warnings).to.deep.equal([]);
  });

  it('leaves large communities out with a warning', () => {
    const got = originatedPrefixes(['10.244.1.0/26'], { prefixAdvertisements: [{ cidr: '10.244.0.0/16', communities: ['65001:1:2'] }] });
    expect(got.prefixes).to.deep.equal([{ prefix: '10.244.1.0/26' }]);
    expect(got.warnings[0]).to.match(/large community 65001:1:2/);
  });
});
