import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderStatus, type NodeStatusDoc } from '../../src/cli/commands/node.ts';
import { reefctl } from '../cli/run.ts';

const doc: NodeStatusDoc = {
  node: 'node-a',
  ready: true,
  bgp: {
    asNumber: 64512,
    routerId: '10.0.0.1',
    originated: ['10.244.1.0/26'],
    peers: [
      { name: 'node-b', address: '10.0.0.2', asNumber: 64512, state: 'Established', uptimeSeconds: 60, lastError: null, type: 'node-to-node mesh' },
      { name: 'tor', address: '192.168.1.1', asNumber: 65000, state: 'Active', uptimeSeconds: 0, lastError: 'connect ECONNREFUSED', type: 'global' },
    ],
  },
  felix: { running: true, synced: true, endpoints: 3, policies: 2, applies: 7, failures: 0 },
  ipam: { blocks: [{ cidr: '10.244.1.0/26', inUse: 4, size: 64 }] },
};

describe('reefctl node status', () => {
  it("prints calicoctl's peer table per family, then felix and IPAM", () => {
    const text = renderStatus(doc, new Date('2026-01-01T12:00:00Z'));
    const lines = text.split('\n');
    expect(lines[0]).to.equal('reef-node is running on node node-a.');
    expect(text).to.include('IPv4 BGP status');
    expect(text).to.match(/\| PEER ADDRESS \| PEER TYPE +\| STATE \| SINCE +\| INFO +\|/);
    expect(text).to.match(/\| 10\.0\.0\.2 +\| node-to-node mesh \| up +\| 11:59:00 \| Established +\|/);
    expect(text).to.match(/\| 192\.168\.1\.1 +\| global +\| start \| - +\| Active connect ECONNREFUSED \|/);
    expect(text).to.include('No IPv6 peers found.');
    expect(text).to.include('Policy (felix): in sync; 3 endpoints, 2 policies');
    expect(text).to.include('IPAM: 1 block: 10.244.1.0/26 (4/64 in use)');
  });

  describe('against a socket', () => {
    let dir: string;
    let server: http.Server | undefined;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'reef-node-status-'))));
    afterEach(async () => {
      if (server) await new Promise((r) => server!.close(r));
      server = undefined;
      rmSync(dir, { recursive: true, force: true });
    });

    it('reads the daemon named by --socket', async () => {
      const sock = join(dir, 'node.sock');
      server = http.createServer((req, res) => res.end(req.url === '/status' ? JSON.stringify(doc) : '{}'));
      await new Promise<void>((r) => server!.listen(sock, r));
      const r = await reefctl(['node', 'status', '--socket', sock]);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.include('10.0.0.2');
      const j = await reefctl(['node', 'status', '-o', 'json'], { env: { REEF_STATUS_SOCKET: sock } });
      expect(JSON.parse(j.stdout).node).to.equal('node-a');
    });

    it('exits non-zero and says so when reef-node is not running', async () => {
      const sock = join(dir, 'absent.sock');
      const r = await reefctl(['node', 'status', '--socket', sock]);
      expect(r.code).to.equal(1);
      expect(r.errors).to.deep.equal([`error: reef-node is not running: cannot connect to ${sock}`]);
    });
  });
});
