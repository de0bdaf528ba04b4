import { expect } from 'chai';
import { Backoff, collisionLoser, resolveSessionConfig, SessionConfigError } from '../../../bgp/session/index.ts';
import { describeNotification } from '../../../bgp/wire/index.ts';
import { FakeClock } from '../../../src/lib/fake-clock.ts';
import { A } from './harness.ts';

describe('session parts', () => {
  describe('Backoff', () => {
    it('doubles to the ceiling, jitters down by at most a quarter, and starts over after reset', () => {
      const top = new Backoff(1000, 8000, () => 1);
      expect([1, 2, 3, 4, 5].map(() => top.fail())).to.deep.equal([1000, 2000, 4000, 8000, 8000]);
      top.reset();
      expect(top.fail()).to.equal(1000);
      const low = new Backoff(1000, 8000, () => 0);
      expect([low.fail(), low.fail()]).to.deep.equal([750, 1500]);
    });
  });

  describe('collisionLoser', () => {
    const cases = [
      { local: '10.0.0.1', remote: '10.0.0.2', la: 1, ra: 2, loser: 'outgoing' },
      { local: '10.0.0.3', remote: '10.0.0.2', la: 1, ra: 2, loser: 'incoming' },
      // Compared as unsigned 32-bit numbers, not as strings.
      { local: '9.0.0.0', remote: '10.0.0.0', la: 1, ra: 2, loser: 'outgoing' },
      { local: '200.0.0.1', remote: '10.0.0.1', la: 1, ra: 2, loser: 'incoming' },
      // RFC 6286: equal identifiers, the larger AS keeps its own connection.
      { local: '10.0.0.1', remote: '10.0.0.1', la: 65001, ra: 65002, loser: 'outgoing' },
      { local: '10.0.0.1', remote: '10.0.0.1', la: 65003, ra: 65002, loser: 'incoming' },
    ] as const;
    for (const c of cases) {
      it(`local ${c.local} AS${c.la} vs remote ${c.remote} AS${c.ra}: closes the ${c.loser} connection`, () => {
        expect(collisionLoser({ routerId: c.local, asn: c.la }, { routerId: c.remote, asn: c.ra })).to.equal(c.loser);
      });
    }
  });

  describe('resolveSessionConfig', () => {
    const bad = [
      { field: 'holdTime', patch: { holdTime: 2 }, message: 'holdTime: hold time 2 s must be 0 or between 3 and 65535 s' },
      { field: 'localRouterId', patch: { localRouterId: '0.0.0.0' } },
      { field: 'peerAs', patch: { peerAs: 0 } },
      { field: 'keepaliveTime', patch: { keepaliveTime: 40 } },
      { field: 'maxIdleHoldTime', patch: { idleHoldTime: 10, maxIdleHoldTime: 5 } },
    ];
    for (const c of bad) {
      it(`names ${c.field} when it is wrong`, () => {
        try {
          resolveSessionConfig({ ...A, ...c.patch });
          expect.fail('accepted');
        } catch (e) {
          expect(e).to.be.instanceOf(SessionConfigError);
          expect((e as SessionConfigError).details.field).to.equal(c.field);
          if (c.message) expect((e as Error).message).to.equal(c.message);
        }
      });
    }
  });

  describe('describeNotification', () => {
    const cases: [number, number, string][] = [
      [4, 0, 'hold timer expired (4/0)'],
      [2, 6, 'OPEN message error / unacceptable hold time (2/6)'],
      [3, 11, 'UPDATE message error / malformed AS path (3/11)'],
      [6, 7, 'cease / connection collision resolution (6/7)'],
      [5, 2, 'FSM error / unexpected message in OPENCONFIRM (5/2)'],
      [6, 99, 'cease / subcode 99 (6/99)'],
      [42, 1, 'unknown error code / subcode 1 (42/1)'],
    ];
    for (const [code, sub, text] of cases) it(`${code}/${sub} reads "${text}"`, () => expect(describeNotification(code, sub)).to.equal(text));
  });

  describe('FakeClock', () => {
    it('fires timers in due order and skips cancelled ones', () => {
      const c = new FakeClock();
      const seen: string[] = [];
      c.setTimeout(() => seen.push('b'), 20);
      const x = c.setTimeout(() => seen.push('x'), 10);
      c.setTimeout(() => {
        seen.push('a');
        c.setTimeout(() => seen.push('c'), 5);
      }, 10);
      x.cancel();
      c.advance(25);
      expect(seen).to.deep.equal(['a', 'c', 'b']);
      expect(c.now()).to.equal(25);
    });
  });
});
