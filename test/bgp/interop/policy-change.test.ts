import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { useNetns } from '../../harness/netns.ts';
import { Bird } from '../../harness/daemons/bird.ts';
import { waitFor } from '../../harness/daemons/common.ts';
import { ReefBgp, RTPROT_REEF, reefBgpConfig, type ReefSpec } from '../../harness/daemons/reef-bgp.ts';
import type { PrefixRule } from '../../../bgp/speaker/types.ts';
import { p2p, router, waitKernelRoute, waitNoKernelRoute } from './topology.ts';

/**
 * Import and export rules changed on a live eBGP session with BIRD 2 (SIGHUP
 * with a new config file): reef's kernel and BIRD's table follow, and the
 * session stays the same one on both sides.
 *
 *   reef (AS 65001) originates A and B ==eBGP== BIRD (AS 65002) originates C and D
 */
const REEF = '10.212.0.1';
const BIRD = '10.212.0.2';
const [A, B] = ['10.213.1.0/24', '10.213.4.0/24'];
const [C, D] = ['10.213.2.0/24', '10.213.3.0/24'];

const reject = (prefix: string): PrefixRule => ({ prefix, action: 'reject' });

describe('reef-bgp applies peer policy changes to a live session with BIRD @integration', function () {
  this.timeout(60_000);
  const netns = useNetns({ perTest: true });

  it('import and export rules change without a session reset', async () => {
    const scope = netns();
    const [rns, pns] = [await router(scope), await router(scope)];
    await p2p(scope, { ns: rns, name: 'to-peer', v4: `${REEF}/24` }, { ns: pns, name: 'to-reef', v4: `${BIRD}/24` });
    const reefSpec: ReefSpec = {
      routerId: REEF, asn: 65001, kernel: true, originate: [A, B],
      neighbors: [{ ip: BIRD, asn: 65002, holdTime: 9, gracefulRestart: false }],
    };
    const reef = new ReefBgp(scope, rns);
    const bird = new Bird(scope, pns);
    /** reef's config with rules for its one peer, applied by SIGHUP as an operator would. */
    const setRules = (rules: { import?: PrefixRule[]; export?: PrefixRule[] }): void => {
      const cfg = reefBgpConfig(reefSpec, reef.socket);
      cfg.peers = (cfg.peers as Record<string, unknown>[]).map((p) => ({ ...p, ...rules }));
      writeFileSync(reef.configFile, stringify(cfg));
      process.kill(reef.pid!, 'SIGHUP');
    };
    const birdHas = (prefix: string, want: boolean) => async () => ((await bird.bgpPrefixes()).includes(prefix) === want ? true : undefined);
    /** The "since" column of BIRD's protocol line: when the session last changed state. */
    const birdSince = async (): Promise<string> => {
      const line = (await bird.cli('show protocols n1')).split('\n').find((l) => l.startsWith('n1'));
      return line?.trim().split(/\s+/).slice(4, -1).join(' ') ?? '';
    };
    const reefUps = (): number => reef.logTail(100_000).split('\n').filter((l) => / info peer up( |$)/.test(l)).length;
    try {
      await bird.start({ routerId: BIRD, asn: 65002, kernel: true, originate: [C, D], neighbors: [{ ip: REEF, asn: 65001, holdTime: 9 }] });
      await reef.start(reefSpec);
      await reef.waitEstablished(BIRD);
      await bird.waitEstablished(1);
      await waitKernelRoute(scope, rns, C, { proto: RTPROT_REEF });
      await waitKernelRoute(scope, rns, D, { proto: RTPROT_REEF });
      await waitFor(`BIRD learns ${A} and ${B}`, async () => ((await bird.bgpPrefixes()).filter((p) => p === A || p === B).length === 2 ? true : undefined));
      const since = await birdSince();
      expect(since, 'BIRD reports when the session came up').to.match(/\d/);
      expect(reefUps(), 'reef logged its session coming up once').to.equal(1);

      // Reject C on import and A on export.
      setRules({ import: [reject(C)], export: [reject(A)] });
      await waitNoKernelRoute(scope, rns, C, { proto: RTPROT_REEF });
      await waitFor(`BIRD loses ${A}`, birdHas(A, false));
      expect(await reef.route(C), 'C left reef’s Loc-RIB').to.equal(undefined);
      await waitKernelRoute(scope, rns, D, { proto: RTPROT_REEF });
      expect(await bird.bgpPrefixes()).to.include(B);
      expect((await reef.peer(BIRD))?.prefixes).to.deep.include({ received: 2, accepted: 1, advertised: 1 });

      // The other way round: C (rejected until now) comes in from what reef kept, D goes; A goes out again, B is withdrawn.
      setRules({ import: [reject(D)], export: [reject(B)] });
      await waitKernelRoute(scope, rns, C, { proto: RTPROT_REEF, ok: (r) => r.via[0] === BIRD });
      await waitNoKernelRoute(scope, rns, D, { proto: RTPROT_REEF });
      await waitFor(`BIRD relearns ${A}`, birdHas(A, true));
      await waitFor(`BIRD loses ${B}`, birdHas(B, false));
      expect((await reef.peer(BIRD))?.prefixes).to.deep.include({ received: 2, accepted: 1, advertised: 1 });

      // The same session throughout, on both sides.
      expect(await bird.state(1)).to.equal('Established');
      expect(await birdSince(), 'BIRD’s session never changed state').to.equal(since);
      expect(await reef.state(BIRD)).to.match(/established/i);
      expect(reefUps(), 'no second Established on reef’s side').to.equal(1);
      expect(reef.logTail(100_000)).to.match(/ info peer policy applied without a session reset .*fields=import,export/);
    } catch (e) {
      (e as Error).message += `\nreef-bgp log tail:\n${reef.logTail()}\n(BIRD log ${bird.logFile})`;
      throw e;
    } finally {
      await Promise.all([reef.stop(), bird.stop()]);
    }
  });
});
