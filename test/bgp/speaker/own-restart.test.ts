import { expect } from 'chai';
import net from 'node:net';
import winston from 'winston';
import type { RouteOp, RouteWriter } from '../../../bgp/fib/route-writer.ts';
import { AF, RTN, RT_SCOPE, type KernelRoute } from '../../../bgp/fib/rtnetlink.ts';
import { Speaker } from '../../../bgp/speaker.ts';
import type { Capability } from '../../../bgp/wire/capabilities.ts';
import { encodeMessage, Framer, KEEPALIVE, MESSAGE_TYPE } from '../../../bgp/wire/index.ts';
import { decodeOpen, type OpenMessage } from '../../../bgp/wire/open.ts';

/**
 * RFC 4724 for reef's own restart: a speaker that finds kernel routes of its
 * own protocol at start knows it restarted. It sets the Restart State bit in
 * its OPENs and advertises nothing to a peer before that peer's End-of-RIB.
 * The kernel is an in-memory RouteWriter; the peer is a few lines of BGP on a
 * loopback socket, so the test decides when End-of-RIB comes.
 */
const quiet = winston.createLogger({ silent: true });

/** A kernel holding `routes`; writes succeed and are recorded. */
class MemoryKernel implements RouteWriter {
  readonly ops: RouteOp[] = [];
  readonly routes: KernelRoute[];
  constructor(routes: KernelRoute[]) {
    this.routes = routes;
  }
  async apply(ops: readonly RouteOp[]): Promise<Int32Array> {
    this.ops.push(...ops.map((o) => ({ kind: o.kind, route: { ...o.route, dst: Buffer.from(o.route.dst) } })));
    return new Int32Array(ops.length);
  }
  async dump(filter: { readonly protocol: number }): Promise<KernelRoute[]> {
    return this.routes.filter((r) => r.protocol === filter.protocol);
  }
  close(): void {}
}

const ourRoute = (dst: number[], protocol = 85): KernelRoute => ({
  family: AF.INET,
  dst: Buffer.from(dst),
  dstLen: 24,
  table: 254,
  protocol,
  type: RTN.UNICAST,
  scope: RT_SCOPE.UNIVERSE,
  priority: 20,
  nextHops: [{ gateway: Buffer.from([127, 0, 0, 3]) }],
});

/** The peer: OPEN with graceful restart, then KEEPALIVEs; records what the speaker sends. */
class Peer {
  open: OpenMessage | undefined;
  readonly updates: number[] = [];
  keepalives = 0;
  readonly #framer = new Framer();
  readonly socket: net.Socket;
  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (c: Buffer) => {
      this.#framer.push(c);
      for (let f = this.#framer.next(); f !== null; f = this.#framer.next()) {
        if (f.type === MESSAGE_TYPE.OPEN) this.open = decodeOpen(f.buf, f.start, f.end);
        else if (f.type === MESSAGE_TYPE.KEEPALIVE) this.keepalives++;
        else if (f.type === MESSAGE_TYPE.UPDATE) this.updates.push(f.end - f.start);
      }
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number): Promise<Peer> {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.3' });
    await new Promise<void>((r, j) => s.once('connect', r).once('error', j));
    const p = new Peer(s);
    const caps: Capability[] = [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'four-octet-as', asn: 65002 },
      { kind: 'graceful-restart', restarting: false, notification: false, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: false }] },
    ];
    s.write(encodeMessage({ type: 'OPEN', version: 4, myAs: 65002, holdTime: 0, bgpId: '10.0.0.3', capabilities: caps }));
    await p.until(() => p.open !== undefined);
    s.write(encodeMessage(KEEPALIVE));
    await p.until(() => p.keepalives > 0);
    return p;
  }

  /** UPDATEs carrying routes (an End-of-RIB body is 4 bytes). */
  get routeUpdates(): number {
    return this.updates.filter((n) => n > 4).length;
  }

  endOfRib(): void {
    this.socket.write(encodeMessage({ type: 'UPDATE', withdrawn: [], attributes: {}, nlri: [] } as never));
  }

  async until(cond: () => boolean, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

const restartCap = (o: OpenMessage | undefined) => o?.capabilities.find((c) => c.kind === 'graceful-restart') as Extract<Capability, { kind: 'graceful-restart' }> | undefined;

describe('reef’s own graceful restart (RFC 4724)', function () {
  this.timeout(15_000);
  let s: Speaker | undefined;
  let peer: Peer | undefined;
  afterEach(async () => {
    peer?.socket.destroy();
    await s?.stop();
    s = peer = undefined;
  });

  async function start(kernelRoutes: KernelRoute[]): Promise<{ speaker: Speaker; kernel: MemoryKernel }> {
    const kernel = new MemoryKernel(kernelRoutes);
    const speaker = new Speaker({
      asNumber: 65001,
      routerId: '10.0.0.1',
      listen: { address: '127.0.0.1', port: 0 },
      kernel: { enabled: true },
      gracefulRestart: { enabled: true, restartTime: 120 },
      routeWriter: kernel,
      log: quiet,
    });
    speaker.setPeers([{ address: '127.0.0.3', asNumber: 65002, passive: true, families: ['ipv4'], holdTime: 0 }]);
    speaker.setOriginated([{ prefix: '10.1.0.0/24' }]);
    await speaker.start();
    s = speaker;
    return { speaker, kernel };
  }

  it('after a restart: Restart State set, nothing advertised before the peer’s End-of-RIB, then the table and the sweep', async () => {
    const { speaker, kernel } = await start([ourRoute([10, 9, 0, 0])]);
    expect(speaker.ownRestart!.restarting()).to.equal(true);
    peer = await Peer.connect(speaker.port);
    expect(restartCap(peer.open)).to.include({ restarting: true, restartTime: 120 });
    await new Promise((r) => setTimeout(r, 300));
    expect(peer.updates, 'held back until End-of-RIB').to.deep.equal([]);
    expect(kernel.ops.filter((o) => o.kind === 'delete'), 'adopted route kept').to.deep.equal([]);

    peer.endOfRib();
    await peer.until(() => peer!.routeUpdates > 0 && peer!.updates.some((n) => n === 4));
    expect(speaker.ownRestart!.restarting()).to.equal(false);
    // Converged: the adopted route nobody announced again goes.
    await peer.until(() => kernel.ops.some((o) => o.kind === 'delete'));
    expect(kernel.ops.filter((o) => o.kind === 'delete').map((o) => [...o.route.dst].join('.'))).to.deep.equal(['10.9.0.0']);
  });

  it('a fresh start (no kernel routes of ours): Restart State clear, advertises at once', async () => {
    const { speaker } = await start([ourRoute([10, 9, 0, 0], 12)]);
    expect(speaker.ownRestart!.restarting()).to.equal(false);
    peer = await Peer.connect(speaker.port);
    expect(restartCap(peer.open)).to.include({ restarting: false });
    await peer.until(() => peer!.routeUpdates > 0);
  });
});
