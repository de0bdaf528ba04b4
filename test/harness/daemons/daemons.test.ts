import { expect } from 'chai';
import { useNetns } from '../netns.ts';
import { Bird } from './bird.ts';
import { Frr } from './frr.ts';
import { Gobgp } from './gobgp.ts';
import { waitFor } from './common.ts';

/**
 * The launchers the BGP interop tests stand on, checked against each other:
 * BIRD <-> FRR <-> GoBGP on one link each, a prefix from each end seen by the
 * others. If this fails, an interop failure is the harness's, not reef's.
 */
describe('routing daemon launchers @integration', function () {
  this.timeout(90_000);
  const netns = useNetns();

  it('bring BIRD, FRR and GoBGP to Established with each other and pass routes', async () => {
    const scope = netns();
    const [a, b, c] = [await scope.createNamespace(), await scope.createNamespace(), await scope.createNamespace()];
    await scope.veth({ ns: a, name: 'ab', address: '10.201.0.1/30' }, { ns: b, name: 'ba', address: '10.201.0.2/30' });
    await scope.veth({ ns: b, name: 'bc', address: '10.201.0.5/30' }, { ns: c, name: 'cb', address: '10.201.0.6/30' });

    const bird = new Bird(scope, a);
    const frr = new Frr(scope, b);
    const gobgp = new Gobgp(scope, c);
    try {
      await bird.start({ routerId: '10.201.0.1', asn: 65001, neighbors: [{ ip: '10.201.0.2', asn: 65002 }], originate: ['192.0.2.0/24'], kernel: true });
      await frr.start({
        routerId: '10.201.0.2', asn: 65002, kernel: true,
        neighbors: [{ ip: '10.201.0.1', asn: 65001 }, { ip: '10.201.0.6', asn: 65003 }],
      });
      await gobgp.start({ routerId: '10.201.0.6', asn: 65003, neighbors: [{ ip: '10.201.0.5', asn: 65002 }], originate: ['198.51.100.0/24'] });

      await bird.waitEstablished(1);
      await frr.waitEstablished('10.201.0.1');
      await gobgp.waitEstablished('10.201.0.5');

      await waitFor('GoBGP learns BIRD prefix', async () => ((await gobgp.learnedPrefixes()).includes('192.0.2.0/24') ? true : undefined));
      await waitFor('BIRD learns GoBGP prefix', async () => ((await bird.bgpPrefixes()).includes('198.51.100.0/24') ? true : undefined));
      expect(await frr.learnedPrefixes()).to.include.members(['192.0.2.0/24', '198.51.100.0/24']);
      const kernel = await waitFor('BIRD kernel route', async () => {
        const r = await scope.exec(a, ['ip', 'route', 'show', '198.51.100.0/24']);
        return r.stdout.includes('via 10.201.0.2') ? r.stdout : undefined;
      });
      expect(kernel).to.include('proto bird');
    } finally {
      await Promise.all([bird.stop(), frr.stop(), gobgp.stop()]);
    }
  });
});
