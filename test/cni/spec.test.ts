import { expect } from 'chai';
import { parseCniArgs, parseRequest } from '../../src/cni/config.ts';
import { CniError, decodeResultIps, encodeResult } from '../../src/cni/spec.ts';

describe('CNI wire formats', () => {
  const result = { ips: [{ address: '10.0.0.5/28', gateway: '10.0.0.1' }, { address: 'fd00::5/124', gateway: 'fd00::1' }], routes: [{ dst: '0.0.0.0/0' }], dns: {} };

  it('writes 1.0.0 results without ips[].version and 0.4.0 ones with it', () => {
    expect(encodeResult('1.0.0', result)).to.deep.equal({ cniVersion: '1.0.0', ...result });
    const old = encodeResult('0.4.0', result) as { ips: { version: string }[] };
    expect(old.ips.map((i) => i.version)).to.deep.equal(['4', '6']);
  });

  it('reads back the ips of either shape', () => {
    for (const v of ['1.0.0', '0.3.1'] as const) expect(decodeResultIps(encodeResult(v, result))).to.deep.equal(result.ips);
    expect(decodeResultIps({ ips: 'nope' })).to.equal(undefined);
  });

  it('parses CNI_ARGS and names a malformed entry', () => {
    expect([...parseCniArgs('IgnoreUnknown=1;K8S_POD_NAME=web-0')]).to.deep.equal([['IgnoreUnknown', '1'], ['K8S_POD_NAME', 'web-0']]);
    expect(() => parseCniArgs('K8S_POD_NAME')).to.throw(CniError, /K8S_POD_NAME/);
  });

  describe('configuration', () => {
    const env = { CNI_CONTAINERID: 'abc', CNI_IFNAME: 'eth0', CNI_NETNS: '/run/netns/x', ETCD_ENDPOINTS: '127.0.0.1:1' };
    const conf = (ipam: Record<string, unknown>, top: Record<string, unknown> = {}) => ({ cniVersion: '1.0.0', name: 'k8s-pod-network', ...top, ipam: { type: 'reef-ipam', ...ipam } });

    it("takes Calico's field names from the ipam section or the top level, and builds Calico's handle", () => {
      const r = parseRequest('ADD', conf({ assign_ipv6: 'true', ipv6_pools: ['v6'] }, { nodename: 'n1', etcd_endpoints: 'http://127.0.0.1:2' }), env);
      expect(r).to.include({ node: 'n1', handle: 'k8s-pod-network.abc', assignIpv4: true, assignIpv6: true, subnet: 'block' });
      expect(r.ipv6Pools).to.deep.equal(['v6']);
      expect(r.datastore.etcd.endpoints).to.deep.equal(['http://127.0.0.1:2']);
    });

    it('falls back to NODENAME, and refuses a kubernetes datastore naming the field', () => {
      expect(parseRequest('DEL', conf({}), { ...env, NODENAME: 'from-env' }).node).to.equal('from-env');
      expect(() => parseRequest('ADD', conf({ datastore_type: 'kubernetes' }), env)).to.throw(CniError, /ipam\.datastore_type/);
    });

    it('refuses assigning nothing, and CHECK before 0.4.0', () => {
      expect(() => parseRequest('ADD', conf({ assign_ipv4: false }), env)).to.throw(CniError, /ipam\.assign_ipv4/);
      expect(() => parseRequest('CHECK', { ...conf({}), cniVersion: '0.3.1' }, env)).to.throw(CniError, /0\.4\.0/);
    });
  });
});
