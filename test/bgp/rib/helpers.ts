import type { PathAttributes } from '../../../bgp/wire/types.ts';
import { AS_PATH_SEGMENT, ORIGIN } from '../../../bgp/wire/types.ts';
import type { RibPeer, RibPeerConfig } from '../../../bgp/rib/peer.ts';
import type { PrefixKey } from '../../../bgp/rib/prefix-key.ts';
import { parsePrefix } from '../../../bgp/rib/prefix-key.ts';
import type { RibConfig } from '../../../bgp/rib/rib.ts';
import { Rib } from '../../../bgp/rib/rib.ts';

export const LOCAL_AS = 64512;

export function makeRib(extra: Partial<RibConfig> = {}): Rib {
  return new Rib({ localAsn: LOCAL_AS, routerId: '10.0.0.1', ...extra });
}

export function peer(rib: Rib, address: string, asn: number, routerId: string, extra: Partial<RibPeerConfig> = {}): RibPeer {
  const p = rib.addPeer({ address, asn, ...extra });
  rib.peerUp(p, routerId);
  return p;
}

export function seq(...asns: number[]): PathAttributes['asPath'] {
  return [{ type: AS_PATH_SEGMENT.AS_SEQUENCE, asns }];
}

export function attrs(a: Partial<PathAttributes> = {}): PathAttributes {
  return { origin: ORIGIN.IGP, asPath: seq(), nextHop: '192.0.2.1', ...a };
}

export const P = (text: string): PrefixKey => parsePrefix(text);

/** Announces through the interning path the codec uses. */
export function announce(rib: Rib, from: RibPeer, a: PathAttributes, ...prefixes: string[]): ReturnType<Rib['announce']> {
  return rib.announce(from, rib.attrs.internAttrs(a), prefixes.map(P));
}
