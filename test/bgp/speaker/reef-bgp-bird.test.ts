import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Bird } from '../../harness/daemons/bird.ts';
import { makeWorkdir, waitFor } from '../../harness/daemons/common.ts';
import { useNetns } from '../../harness/netns.ts';

/**
 * bin/reef-bgp as a process in its own namespace, peering over a veth with
 * BIRD 2 in another: the status API answers on the unix socket, BIRD's
 * prefixes reach the namespace's kernel table as protocol 85 routes, ours
 * reach BIRD, and SIGTERM ends the session and (without graceful restart)
 * takes our kernel routes away.
 */
const REEF_BGP = new URL('../../../bin/reef-bgp', import.meta.url).pathname;

function get(socketPath: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${path}: HTTP ${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
  });
}

describe('reef-bgp program against BIRD in namespaces @integration', function () {
  this.timeout(90_000);
  const netns = useNetns();

  it('peers with BIRD, serves /status on its socket, installs learned routes with proto 85, and cleans up on SIGTERM', async () => {
    const scope = netns();
    const work = makeWorkdir('reef-bgp');
    const nsReef = await scope.createNamespace();
    const nsBird = await scope.createNamespace();
    await scope.veth({ ns: nsReef, name: 'r0', address: '10.203.0.1/30' }, { ns: nsBird, name: 'b0', address: '10.203.0.2/30' });
    const bird = new Bird(scope, nsBird);
    const sock = join(work.dir, 'bgp.sock');
    const conf = join(work.dir, 'bgp.yaml');
    writeFileSync(
      conf,
      [
        'asNumber: 65011',
        'routerId: 10.203.0.1',
        'listen: { address: 10.203.0.1, port: 179 }',
        'kernel: { enabled: true }',
        'originate: [{ prefix: 203.0.113.0/24 }]',
        'peers:',
        '  - { name: bird, address: 10.203.0.2, asNumber: 65010, holdTime: 30 }',
        `status: { socket: ${sock} }`,
      ].join('\n'),
    );
    let reef: ChildProcess | undefined;
    let stderr = '';
    try {
      await bird.start({ routerId: '10.203.0.2', asn: 65010, neighbors: [{ ip: '10.203.0.1', asn: 65011 }], originate: ['192.0.2.0/24', '198.51.100.0/25'] });
      reef = scope.spawn(nsReef, [REEF_BGP, '-c', conf], { env: { ...process.env, REEF_LOG_LEVEL: 'info' } });
      reef.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));

      const status = await waitFor(
        'reef-bgp peer Established',
        async () => {
          const s = JSON.parse(await get(sock, '/status')) as { routerId: string; peers: { name: string; state: string; prefixes: { received: number; advertised: number } }[] };
          return s.peers[0]?.state === 'Established' && s.peers[0].prefixes.received === 2 ? s : undefined;
        },
        30_000,
      );
      expect(status.routerId).to.equal('10.203.0.1');
      expect(status.peers[0]).to.deep.include({ name: 'bird' });
      expect(Number(await get(sock, '/rib/count'))).to.equal(3);

      const routes = await waitFor(
        'learned routes in the kernel',
        async () => {
          const r = await scope.exec(nsReef, ['ip', 'route', 'show', 'proto', '85']);
          return r.stdout.includes('192.0.2.0/24') && r.stdout.includes('198.51.100.0/25') ? r.stdout : undefined;
        },
        15_000,
      );
      expect(routes).to.match(/^192\.0\.2\.0\/24 via 10\.203\.0\.2 dev r0/m);
      await waitFor('our prefix at BIRD', async () => ((await bird.bgpPrefixes()).includes('203.0.113.0/24') ? true : undefined), 15_000);
      expect(await get(sock, '/metrics')).to.match(/reef_bgp_peer_established\{peer="bird",address="10.203.0.2"\} 1/);

      const exited = new Promise<number | null>((r) => reef!.once('exit', (code) => r(code)));
      reef.kill('SIGTERM');
      expect(await exited, stderr).to.equal(0);
      expect(stderr).to.match(/peer down.*reason=.*administrative shutdown/i);
      const after = await scope.exec(nsReef, ['ip', 'route', 'show', 'proto', '85']);
      expect(after.stdout.trim()).to.equal('');
      await waitFor('BIRD saw the session end', async () => ((await bird.state(1)) !== 'Established' ? true : undefined), 15_000);
    } finally {
      if (reef !== undefined && reef.exitCode === null) reef.kill('SIGKILL');
      await bird.stop();
      work.remove();
    }
  });
});
