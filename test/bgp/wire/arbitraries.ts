import fc from 'fast-check';
import type { Message } from '../../../bgp/wire/index.ts';
import type { AsPathSegment, Ipv4Prefix, Ipv6Prefix, PathAttributes, Prefix } from '../../../bgp/wire/types.ts';
import { ipv6ToString, mask4 } from '../../../bgp/wire/ip.ts';

/** fast-check generators of canonical messages: the ones encode/decode must round-trip exactly. */
const u32 = fc.nat({ max: 0xffffffff });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => ipv6ToString(b));

export const prefix4: fc.Arbitrary<Ipv4Prefix> = fc.record({ addr: u32, len: fc.nat(32) }).map(({ addr, len }) => ({ afi: 1, addr: mask4(addr, len), len }));
export const prefix6: fc.Arbitrary<Ipv6Prefix> = fc.record({ bytes: fc.uint8Array({ minLength: 16, maxLength: 16 }), len: fc.nat(128) }).map(({ bytes, len }) => {
  const b = Buffer.from(bytes);
  for (let i = 0; i < 16; i++) b[i] = b[i]! & ((0xff00 >> Math.min(Math.max(len - 8 * i, 0), 8)) & 0xff);
  return { afi: 2, addr: b, len };
});

const segment = (types: readonly (1 | 2 | 3 | 4)[], asn = u32): fc.Arbitrary<AsPathSegment> =>
  fc.record({ type: fc.constantFrom(...types), asns: fc.array(asn, { minLength: 1, maxLength: 12 }) });

export function attributes(fourOctetAs: boolean): fc.Arbitrary<PathAttributes> {
  // Confederation segments go only at the front, where RFC 6793's merge keeps
  // them, and a 2-octet speaker's confederation has 2-octet member ASes (AS4_PATH never carries them).
  const asPath = fourOctetAs
    ? fc.array(segment([1, 2, 3, 4]), { maxLength: 4 })
    : fc.tuple(fc.array(segment([3, 4], fc.nat(0xffff)), { maxLength: 1 }), fc.array(segment([1, 2]), { maxLength: 3 })).map(([a, b]) => [...a, ...b]);
  const mpReach = fc.oneof(
    fc.record({ afi: fc.constant(1 as const), safi: fc.constant(1 as const), nextHop: ipv4 }),
    fc.record({ afi: fc.constant(2 as const), safi: fc.constant(1 as const), nextHop: ipv6 }),
    fc.record({ afi: fc.constant(2 as const), safi: fc.constant(1 as const), nextHop: ipv6, linkLocalNextHop: ipv6 }),
  );
  const unknown = fc
    .uniqueArray(fc.integer({ min: 100, max: 254 }), { maxLength: 3 })
    .chain((types) => fc.tuple(...types.sort((a, b) => a - b).map((type) => fc.uint8Array({ maxLength: 40 }).map((v) => ({ flags: 0xe0, type, value: Buffer.from(v) })))))
    .filter((xs) => xs.length > 0);
  return fc.record(
    {
      origin: fc.constantFrom(0 as const, 1 as const, 2 as const),
      asPath,
      nextHop: ipv4,
      med: u32,
      localPref: u32,
      atomicAggregate: fc.constant(true),
      aggregator: fc.record({ asn: u32, address: ipv4 }),
      communities: fc.array(u32, { minLength: 1, maxLength: 80 }),
      largeCommunities: fc.array(fc.tuple(u32, u32, u32), { minLength: 1, maxLength: 5 }),
      originatorId: ipv4,
      clusterList: fc.array(ipv4, { minLength: 1, maxLength: 4 }),
      mpReach,
      unknown,
    },
    { requiredKeys: [] },
  );
}

function family(p: Prefix[], afi: 1 | 2): Prefix[] {
  return p.filter((x) => x.afi === afi);
}

export function update(fourOctetAs: boolean): fc.Arbitrary<Message> {
  return fc
    .record({
      withdrawn: fc.array(prefix4, { maxLength: 20 }),
      attributes: attributes(fourOctetAs),
      nlri: fc.array(prefix4, { maxLength: 20 }),
      mp4: fc.array(prefix4, { maxLength: 10 }),
      mp6: fc.array(prefix6, { maxLength: 10 }),
      unreach: fc.option(fc.oneof(fc.record({ afi: fc.constant(1 as const), withdrawn: fc.array(prefix4, { maxLength: 10 }) }), fc.record({ afi: fc.constant(2 as const), withdrawn: fc.array(prefix6, { maxLength: 10 }) })), { nil: undefined }),
    })
    .map(({ withdrawn, attributes, nlri, mp4, mp6, unreach }): Message => {
      const mpNlri = attributes.mpReach === undefined ? undefined : attributes.mpReach.afi === 1 ? family(mp4, 1) : family(mp6, 2);
      return {
        type: 'UPDATE',
        withdrawn,
        attributes,
        nlri,
        ...(mpNlri !== undefined ? { mpNlri } : {}),
        ...(unreach !== undefined ? { mpUnreach: { afi: unreach.afi, safi: 1, withdrawn: unreach.withdrawn } } : {}),
      };
    });
}

export const open: fc.Arbitrary<Message> = fc.record({
  type: fc.constant('OPEN' as const),
  version: fc.constant(4),
  myAs: fc.nat(0xffff),
  holdTime: fc.nat(0xffff),
  bgpId: ipv4,
  capabilities: fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('multiprotocol' as const), afi: fc.nat(0xffff), safi: fc.nat(255) }),
      fc.constant({ kind: 'route-refresh' as const }),
      fc.record({ kind: fc.constant('four-octet-as' as const), asn: u32 }),
      fc.record({
        kind: fc.constant('graceful-restart' as const),
        restarting: fc.boolean(),
        notification: fc.boolean(),
        restartTime: fc.nat(4095),
        families: fc.array(fc.record({ afi: fc.nat(0xffff), safi: fc.nat(255), forwardingPreserved: fc.boolean() }), { maxLength: 4 }),
      }),
      fc.record({ kind: fc.constant('unknown' as const), code: fc.constantFrom(0, 3, 5, 6, 69, 70, 71, 73, 128, 255), value: fc.uint8Array({ maxLength: 10 }).map((v) => Buffer.from(v)) }),
    ),
    { maxLength: 8 },
  ),
});

export const other: fc.Arbitrary<Message> = fc.oneof(
  fc.constant({ type: 'KEEPALIVE' as const }),
  fc.record({ type: fc.constant('NOTIFICATION' as const), code: fc.nat(255), subcode: fc.nat(255), data: fc.uint8Array({ maxLength: 50 }).map((v) => Buffer.from(v)) }),
  fc.record({ type: fc.constant('ROUTE-REFRESH' as const), afi: fc.nat(0xffff), safi: fc.nat(255), subtype: fc.nat(255) }),
);
