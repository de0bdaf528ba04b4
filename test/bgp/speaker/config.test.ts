import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, benchConfig, loadConfigFile, parseConfig } from '../../../bgp/config.ts';

const minimal = { asNumber: 65001, routerId: '10.0.0.1' };
const peer = { address: '10.0.0.2', asNumber: 65000 };

describe('reef-bgp config', () => {
  describe('a valid file', () => {
    it('gets the documented defaults', () => {
      const c = parseConfig({ ...minimal, peers: [peer] });
      expect(c.listen).to.deep.equal({ port: 179 });
      expect(c.kernel).to.deep.equal({ enabled: false, protocol: 85, table: 254, blackholeOriginated: false });
      expect(c.gracefulRestart).to.deep.equal({ enabled: false, restartTime: 120 });
      expect(c.status.socket).to.equal('/run/reef/bgp.sock');
      expect(c.peers[0]).to.include({ port: 179, passive: false, holdTime: 90, gracefulRestart: true, routeReflectorClient: false });
    });

    it('accepts the full example of docs/reef-bgp.md', () => {
      const c = parseConfig({
        ...minimal,
        listen: { address: '10.0.0.1', port: 179 },
        clusterId: '10.0.0.1',
        multipath: { maxPaths: 8 },
        kernel: { enabled: true, protocol: 85, table: 254, blackholeOriginated: false },
        gracefulRestart: { enabled: true, restartTime: 120 },
        originate: [{ prefix: '10.244.1.0/26', communities: ['65001:100'] }, { prefix: 'fd00:244:1::/122' }],
        peers: [
          {
            name: 'tor1', address: '10.0.0.2', asNumber: 65000, port: 179, passive: false, holdTime: 90, families: ['ipv4', 'ipv6'],
            routeReflectorClient: false, nextHopSelf: false, keepOriginalNextHop: false, enforceFirstAs: true, gracefulRestart: true, maxPrefixes: 100000,
            import: [{ prefix: '10.0.0.0/8', le: 32, action: 'accept' }, { prefix: '0.0.0.0/0', le: 32, action: 'reject' }],
            export: [],
          },
        ],
        status: { socket: '/run/reef/bgp.sock', listen: '127.0.0.1:9180' },
      });
      expect(c.peers[0]!.families).to.deep.equal(['ipv4', 'ipv6']);
    });
  });

  describe('an invalid file is refused with one line naming the field', () => {
    const cases: { name: string; doc: unknown; message: string }[] = [
      { name: 'AS number out of range', doc: { ...minimal, peers: [peer, { ...peer, address: '10.0.0.3', asNumber: 0 }] }, message: 'peers[1].asNumber: 0 is out of range 1-4294967295' },
      { name: 'missing asNumber', doc: { routerId: '10.0.0.1' }, message: 'asNumber: is required' },
      { name: 'router ID not a dotted quad', doc: { ...minimal, routerId: '10.0.0' }, message: 'routerId: 10.0.0 is not a dotted quad' },
      { name: 'unknown field', doc: { ...minimal, peers: [{ ...peer, holdtime: 30 }] }, message: 'peers[0]: unknown field holdtime' },
      { name: 'hold time of 2 s', doc: { ...minimal, peers: [{ ...peer, holdTime: 2 }] }, message: 'peers[0].holdTime: hold time 2 s must be 0 or at least 3 s' },
      { name: 'bad family', doc: { ...minimal, peers: [{ ...peer, families: ['ipv5'] }] }, message: 'peers[0].families[0]: "ipv5" is not a family (ipv4 or ipv6)' },
      { name: 'prefix with host bits', doc: { ...minimal, originate: [{ prefix: '10.0.0.1/24' }] }, message: 'originate[0].prefix: 10.0.0.1/24 is not a prefix (address/length, host bits zero)' },
      { name: 'bad community', doc: { ...minimal, originate: [{ prefix: '10.0.0.0/24', communities: ['65001:70000'] }] }, message: 'originate[0].communities[0]: 65001:70000 is not a community (asn:value, each 0-65535)' },
      { name: 'duplicate peer address', doc: { ...minimal, peers: [peer, peer] }, message: 'peers[1].address: 10.0.0.2 is already the address of peers[0]' },
      { name: 'eBGP route-reflector client', doc: { ...minimal, peers: [{ ...peer, routeReflectorClient: true }] }, message: 'peers[0].routeReflectorClient: only iBGP peers (asNumber 65001) can be route-reflector clients, not AS 65000' },
      { name: 'restart time over 12 bits', doc: { ...minimal, gracefulRestart: { enabled: true, restartTime: 5000 } }, message: 'gracefulRestart.restartTime: 5000 is out of range 1-4095' },
      { name: 'filter ge below the prefix length', doc: { ...minimal, peers: [{ ...peer, import: [{ prefix: '10.0.0.0/8', ge: 4, action: 'accept' }] }] }, message: 'peers[0].import[0]: ge 4 le 32 must satisfy 8 <= ge <= le <= 32' },
      { name: 'status listen without port', doc: { ...minimal, status: { listen: 'localhost' } }, message: 'status.listen: localhost is not host:port' },
    ];
    for (const c of cases) {
      it(c.name, () => {
        let err: unknown;
        try {
          parseConfig(c.doc);
        } catch (e) {
          err = e;
        }
        expect(err).to.be.instanceOf(ConfigError);
        expect((err as ConfigError).message).to.equal(c.message);
        expect((err as ConfigError).message).not.to.include('\n');
        expect((err as ConfigError).code).to.equal('BGP_CONFIG_INVALID');
      });
    }
  });

  describe('files', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'reef-bgp-config-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('reads YAML and names the line of a syntax error', async () => {
      const f = join(dir, 'bgp.yaml');
      writeFileSync(f, 'asNumber: 65001\nrouterId: 10.0.0.1\npeers:\n  - address: 10.0.0.2\n    asNumber: 65000\n');
      expect((await loadConfigFile(f)).peers).to.have.length(1);
      writeFileSync(f, 'asNumber: 65001\n  routerId: [\n');
      const err = await loadConfigFile(f).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as Error).message).to.match(/line \d/);
    });

    it('turns the bench kit’s peers.json into passive eBGP peers exporting nothing, socket in the work dir', () => {
      const f = join(dir, 'peers.json');
      writeFileSync(f, JSON.stringify({ local_as: 65000, router_id: '10.77.0.1', listen: '10.77.0.1', port: 179, peers: [{ ip: '10.77.1.1', as: 65001 }, { ip: '10.77.1.2', as: 65002 }], kernel: 1, export: 0, expected_prefixes: 2000 }));
      const c = benchConfig(f, dir);
      expect(c).to.deep.include({ asNumber: 65000, routerId: '10.77.0.1', expectedPrefixes: 2000 });
      expect(c.listen).to.deep.equal({ address: '10.77.0.1', port: 179 });
      expect(c.kernel.enabled).to.equal(true);
      expect(c.status.socket).to.equal(join(dir, 'reef-bgp.sock'));
      expect(c.peers.map((p) => [p.address, p.asNumber, p.passive, p.export])).to.deep.equal([
        ['10.77.1.1', 65001, true, 'none'],
        ['10.77.1.2', 65002, true, 'none'],
      ]);
    });

    it('builds the bench config without the schema, equal to what parseConfig makes of the same settings', () => {
      const f = join(dir, 'peers.json');
      for (const [kernel, exp, listen] of [[1, 0, '10.77.0.1'], [0, 1, undefined]] as const) {
        writeFileSync(f, JSON.stringify({ local_as: 65000, router_id: '10.77.0.1', ...(listen ? { listen } : {}), port: 179, peers: [{ ip: '10.77.1.1', as: 65001 }], kernel, export: exp, expected_prefixes: 2000 }));
        const viaSchema = parseConfig({
          asNumber: 65000,
          routerId: '10.77.0.1',
          listen: { ...(listen ? { address: listen } : {}), port: 179 },
          kernel: { enabled: kernel === 1 },
          peers: [{ address: '10.77.1.1', asNumber: 65001, passive: true, holdTime: 240, ...(exp ? {} : { export: 'none' }) }],
          status: { socket: join(dir, 'reef-bgp.sock') },
          expectedPrefixes: 2000,
        });
        expect(benchConfig(f, dir)).to.deep.equal(viaSchema);
      }
      writeFileSync(f, JSON.stringify({ local_as: 0, router_id: '10.77.0.1', peers: [] }));
      expect(() => benchConfig(f, dir)).to.throw(ConfigError, /local_as: 0 is out of range/);
      writeFileSync(f, JSON.stringify({ local_as: 65000, router_id: '10.77.0.1', peers: [{ ip: '10.77.1.1', as: 65001 }, { ip: '10.77.1.1', as: 65002 }] }));
      expect(() => benchConfig(f, dir)).to.throw(ConfigError, /peers\[1\]\.ip/);
    });
  });
});
