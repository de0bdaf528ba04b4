import winston from 'winston';
import { FakeClock } from '../../../src/lib/fake-clock.ts';
import { Session, type SessionConfig } from '../../../bgp/session/index.ts';
import { memoryPair, type MemoryPair, type MemoryTransport } from '../../../bgp/session/memory-transport.ts';
import { decodeBody, Framer, numberToIpv4, type Message, type UpdateSink, AttributeCache } from '../../../bgp/wire/index.ts';

/** Session logs are not part of the test output. */
export const quiet = winston.createLogger({ silent: true });

/** A sink that records what it was given, as strings. */
export function recordingSink(): UpdateSink & { announced: string[]; withdrawn: string[] } {
  const cache = new AttributeCache({ fourOctetAs: true });
  const s = {
    announced: [] as string[],
    withdrawn: [] as string[],
    withdraw4: (a: number, l: number) => s.withdrawn.push(`${numberToIpv4(a)}/${l}`),
    withdraw6: () => {},
    announce4: (a: number, l: number) => s.announced.push(`${numberToIpv4(a)}/${l}`),
    announce6: () => {},
    attributes: (b: Buffer, k: string) => cache.intern(b, k),
  };
  return s;
}

export const A: SessionConfig = { localAs: 65001, peerAs: 65002, localRouterId: '10.0.0.1', peerAddress: '192.0.2.2', holdTime: 90, connectRetryTime: 30, idleHoldTime: 5, maxIdleHoldTime: 60, stableTime: 100 };
export const B: SessionConfig = { localAs: 65002, peerAs: 65001, localRouterId: '10.0.0.2', peerAddress: '192.0.2.1', holdTime: 90, connectRetryTime: 30, idleHoldTime: 5, maxIdleHoldTime: 60, stableTime: 100, passive: true };

/** Two sessions wired through memory pairs; `a` dials, `b` accepts what `a` dials. */
export class Pair {
  readonly clock = new FakeClock();
  readonly pairs: MemoryPair[] = [];
  readonly a: Session;
  readonly b: Session;
  readonly sinkA = recordingSink();
  readonly sinkB = recordingSink();

  constructor(a: Partial<SessionConfig> = {}, b: Partial<SessionConfig> = {}, opts: { bDials?: boolean; highWaterMark?: number } = {}) {
    const random = (): number => 1;
    // Dialling completes on a later tick, as a TCP connect does.
    const dial = (from: 'a' | 'b') => async (): Promise<MemoryTransport> => {
      await new Promise((r) => setImmediate(r));
      return this.link(from);
    };
    this.a = new Session({ config: { ...A, ...a }, clock: this.clock, random, sink: this.sinkA, dialer: dial('a'), log: quiet });
    this.b = new Session({ config: { ...B, ...b }, clock: this.clock, random, sink: this.sinkB, ...(opts.bDials ? { dialer: dial('b') } : {}), log: quiet });
    this.hwm = opts.highWaterMark;
  }

  private readonly hwm: number | undefined;

  /** A new connection dialled by `from`; the other session accepts it. */
  link(from: 'a' | 'b'): MemoryTransport {
    const p = memoryPair(this.hwm !== undefined ? { highWaterMark: this.hwm } : {});
    this.pairs.push(p);
    (from === 'a' ? this.b : this.a).accept(p.b);
    return p.a;
  }

  pump(): void {
    for (let i = 0; i < 5; i++) for (const p of this.pairs) p.pump();
  }

  /** Lets dial promises settle, then moves bytes until quiet. */
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      this.pump();
    }
  }

  async advance(ms: number, step = 1000): Promise<void> {
    for (let t = 0; t < ms; t += step) {
      this.clock.advance(Math.min(step, ms - t));
      await this.settle();
    }
  }
}

/** The far end of a connection driven by the test: it writes raw bytes and reads messages. */
export class RawPeer {
  readonly t: MemoryTransport;
  private readonly framer = new Framer();
  readonly got: Message[] = [];
  closed: string | undefined;

  constructor(t: MemoryTransport) {
    this.t = t;
    t.on('data', (c) => {
      this.framer.push(c);
      for (let f = this.framer.next(); f !== null; f = this.framer.next()) this.got.push(decodeBody(f.type, f.buf, f.start, f.end, { fourOctetAs: true }).message);
    });
    t.on('close', (r) => {
      this.closed = r;
    });
  }

  last(type: Message['type']): Message | undefined {
    return [...this.got].reverse().find((m) => m.type === type);
  }
}
