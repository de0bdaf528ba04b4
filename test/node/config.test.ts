import { expect } from 'chai';
import { networkInterfaces } from 'node:os';
import { resolveAddress } from '../../src/node/autodetect.ts';
import { nodeConfigFrom, NodeConfigError } from '../../src/node/config.ts';

describe('reef-node configuration from the environment', () => {
  it('has the documented defaults', () => {
    const c = nodeConfigFrom({ NODENAME: 'n1' });
    expect(c).to.deep.include({
      nodeName: 'n1',
      statusSocket: '/run/reef/node.sock',
      httpListen: '127.0.0.1:9099',
      felixEnabled: true,
      bgpEnabled: true,
      kernelRoutes: true,
      gcIntervalMs: 300_000,
      ipv4: { kind: 'autodetect' },
      ipv6: { kind: 'none' },
    });
    expect(c.datastore.etcd.endpoints).to.deep.equal(['127.0.0.1:2379']);
    expect(c.asNumber).to.equal(undefined);
  });

  it('reads every setting', () => {
    const c = nodeConfigFrom({
      NODENAME: 'n2', ETCD_ENDPOINTS: '10.0.0.1:2379,10.0.0.2:2379', IP: '10.0.0.5/24', IP6: 'autodetect', IP6_AUTODETECTION_INTERFACE: 'eth1', AS: '1.10',
      REEF_STATUS_SOCKET: '/tmp/x.sock', REEF_HTTP_LISTEN: 'none', REEF_FELIX_ENABLED: 'false', REEF_BGP_ENABLED: '0', REEF_KERNEL_ROUTES: 'no', REEF_IPAM_GC_INTERVAL: '5m',
    });
    expect(c).to.deep.include({
      ipv4: { kind: 'fixed', address: '10.0.0.5/24' },
      ipv6: { kind: 'autodetect', interface: 'eth1' },
      asNumber: 65546,
      statusSocket: '/tmp/x.sock',
      felixEnabled: false,
      bgpEnabled: false,
      kernelRoutes: false,
      gcIntervalMs: 300_000,
    });
    expect(c.httpListen).to.equal(undefined);
    expect(c.datastore.etcd.endpoints).to.have.length(2);
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['an IPv6 address in IP', { IP: 'fd00::1' }, /^IP: "fd00::1" is not an IPv4 address/],
    ['a word in IP', { IP: 'first-found' }, /^IP: /],
    ['AS 0', { AS: '0' }, /^AS: "0" is not an AS number/],
    ['a non-boolean switch', { REEF_FELIX_ENABLED: 'maybe' }, /^REEF_FELIX_ENABLED: "maybe" is not true or false/],
    ['a bad duration', { REEF_IPAM_GC_INTERVAL: 'soon' }, /^REEF_IPAM_GC_INTERVAL: /],
    ['a bad listen address', { REEF_HTTP_LISTEN: '9099' }, /^REEF_HTTP_LISTEN: /],
  ];
  for (const [name, env, re] of bad) {
    it(`refuses ${name}, naming the variable`, () => {
      expect(() => nodeConfigFrom(env)).to.throw(NodeConfigError).with.property('message').that.matches(re);
    });
  }

  describe('address autodetection', () => {
    const table = {
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '', internal: true, cidr: '127.0.0.1/8' }],
      veth1: [{ address: '10.9.9.9', netmask: '255.255.255.0', family: 'IPv4', mac: '', internal: false, cidr: '10.9.9.9/24' }],
      eth0: [
        { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
        { address: 'fd00::5', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '', internal: false, cidr: 'fd00::5/64', scopeid: 0 },
        { address: '192.168.5.5', netmask: '255.255.255.0', family: 'IPv4', mac: '', internal: false, cidr: '192.168.5.5/24' },
      ],
    } as unknown as ReturnType<typeof networkInterfaces>;
    it('takes the first global address with its prefix, skipping container interfaces', () => {
      expect(resolveAddress({ kind: 'autodetect' }, 4, 'IP', table)).to.equal('192.168.5.5/24');
      expect(resolveAddress({ kind: 'autodetect' }, 6, 'IP6', table)).to.equal('fd00::5/64');
    });
    it('uses the named interface', () => expect(resolveAddress({ kind: 'autodetect', interface: 'veth1' }, 4, 'IP', table)).to.equal('10.9.9.9/24'));
    it('fails naming the interface when it has no such address', () => {
      expect(() => resolveAddress({ kind: 'autodetect', interface: 'lo' }, 4, 'IP', table)).to.throw(/IP: autodetect found no global IPv4 address on interface lo/);
    });
  });
});
