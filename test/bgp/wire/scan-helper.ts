import { AttributeCache, type InternedAttributes, type UpdateSink, type WireContext, scanUpdate, numberToIpv4, ipv6ToString, type Finding } from '../../../bgp/wire/index.ts';

/** What scanUpdate delivered, as prefix strings, for comparing with the general decoder. */
export interface ScanResult {
  withdrawn: string[];
  announced: string[];
  sets: InternedAttributes[];
  endOfRib: string[];
  findings: Finding[];
}

export function scan(bytes: Buffer, ctx: WireContext, cache = new AttributeCache(ctx)): ScanResult {
  const out: ScanResult = { withdrawn: [], announced: [], sets: [], endOfRib: [], findings: [] };
  const sink: UpdateSink = {
    withdraw4: (a, l) => out.withdrawn.push(`${numberToIpv4(a)}/${l}`),
    withdraw6: (a, l) => out.withdrawn.push(`${ipv6ToString(a)}/${l}`),
    announce4: (a, l) => out.announced.push(`${numberToIpv4(a)}/${l}`),
    announce6: (a, l) => out.announced.push(`${ipv6ToString(a)}/${l}`),
    attributes: (b, k) => {
      const s = cache.intern(b, k);
      out.sets.push(s);
      return s;
    },
    endOfRib: (afi, safi) => out.endOfRib.push(`${afi}/${safi}`),
    finding: (f) => out.findings.push(f),
  };
  scanUpdate(bytes, 19, bytes.length - 19, ctx, sink);
  return out;
}
