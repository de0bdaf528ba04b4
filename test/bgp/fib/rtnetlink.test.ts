import { expect } from 'chai';
import fc from 'fast-check';
import type { KernelRoute } from '../../../bgp/fib/rtnetlink.ts';
import { AF, NLM_F, RTM, RTN, decodeMessages, encodeDumpRequest, encodeRouteMessage } from '../../../bgp/fib/rtnetlink.ts';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((a) => Buffer.from(a));

const route: fc.Arbitrary<KernelRoute> = fc.oneof(fc.constant(AF.INET), fc.constant(AF.INET6)).chain((family) => {
  const alen = family === AF.INET ? 4 : 16;
  const hop = fc.record({ gateway: bytes(alen), ifindex: fc.integer({ min: 1, max: 1000 }), weight: fc.integer({ min: 1, max: 256 }) });
  return fc.record({
    family: fc.constant(family),
    dst: bytes(alen),
    dstLen: fc.integer({ min: 0, max: alen * 8 }),
    table: fc.oneof(fc.constant(254), fc.integer({ min: 1, max: 100000 })),
    protocol: fc.integer({ min: 0, max: 255 }),
    type: fc.constantFrom(RTN.UNICAST, RTN.BLACKHOLE),
    scope: fc.constantFrom(0, 253),
    priority: fc.integer({ min: 0, max: 0xffffffff }),
    nextHops: fc.oneof(
      fc.constant([]),
      hop.map((h) => [{ gateway: h.gateway, ifindex: h.ifindex }]),
      fc.array(hop, { minLength: 2, maxLength: 8 }),
    ),
  });
});

describe('rtnetlink route messages', () => {
  it('decode what they encode, for single-hop, multipath (RTA_MULTIPATH) and next-hop-less routes', () => {
    fc.assert(
      fc.property(route, fc.integer({ min: 0, max: 0xffffffff }), (r, seq) => {
        const msg = encodeRouteMessage(RTM.NEWROUTE, NLM_F.REQUEST | NLM_F.CREATE | NLM_F.REPLACE, seq, r);
        expect(msg.length % 4).to.equal(0);
        const [d, ...rest] = decodeMessages(msg);
        expect(rest).to.have.length(0);
        expect(d?.kind).to.equal('route');
        if (d?.kind !== 'route') return;
        expect(d.header).to.include({ len: msg.length, type: RTM.NEWROUTE, seq, flags: NLM_F.REQUEST | NLM_F.CREATE | NLM_F.REPLACE });
        expect(d.route).to.deep.equal({ ...r, dst: Buffer.from(r.dst), nextHops: r.nextHops.map((h) => ({ ...h, gateway: Buffer.from(h.gateway!) })) });
      }),
      { numRuns: 400 },
    );
  });

  it('encodes a two-way multipath route in the linux/rtnetlink.h layout, byte for byte', () => {
    // ip route add 10.1.0.0/16 proto 85 metric 20 nexthop via 192.0.2.1 nexthop via 192.0.2.2
    const msg = encodeRouteMessage(RTM.NEWROUTE, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, 7, {
      family: AF.INET,
      dst: Buffer.from([10, 1, 0, 0]),
      dstLen: 16,
      table: 254,
      protocol: 85,
      type: RTN.UNICAST,
      scope: 0,
      priority: 20,
      nextHops: [{ gateway: Buffer.from([192, 0, 2, 1]) }, { gateway: Buffer.from([192, 0, 2, 2]) }],
    });
    expect(msg.toString('hex')).to.equal(
      [
        '58000000' + '1800' + '0506' + '07000000' + '00000000', // nlmsghdr: len 88, RTM_NEWROUTE, REQUEST|ACK|EXCL|CREATE
        '02100000' + 'fe550001' + '00000000', // rtmsg: inet /16, main, proto 85, universe, unicast
        '0800' + '0100' + '0a010000', // RTA_DST
        '0800' + '0f00' + 'fe000000', // RTA_TABLE
        '0800' + '0600' + '14000000', // RTA_PRIORITY 20
        '2400' + '0900', // RTA_MULTIPATH, 36 bytes
        '1000' + '00' + '00' + '00000000' + '0800' + '0500' + 'c0000201', // rtnexthop + RTA_GATEWAY
        '1000' + '00' + '00' + '00000000' + '0800' + '0500' + 'c0000202',
      ].join(''),
    );
  });

  it('decodes errors and ACKs with the sequence number of the request', () => {
    const ack = Buffer.alloc(36);
    ack.writeUInt32LE(36, 0);
    ack.writeUInt16LE(2, 4);
    ack.writeUInt32LE(9, 8);
    ack.writeInt32LE(-17, 16); // -EEXIST
    ack.writeUInt32LE(44, 20);
    ack.writeUInt32LE(1234, 28); // echoed request header's seq
    const [d] = decodeMessages(ack);
    expect(d).to.deep.include({ kind: 'error', error: 17, requestSeq: 1234 });
  });

  it('splits a datagram holding several messages and a DONE', () => {
    const a = encodeDumpRequest(5, 0);
    const done = Buffer.alloc(20);
    done.writeUInt32LE(20, 0);
    done.writeUInt16LE(3, 4);
    const kinds = decodeMessages(Buffer.concat([a, done])).map((m) => m.kind);
    expect(kinds).to.deep.equal(['other', 'done']);
  });
});
