/**
 * Resolves a policy's rules into ipset references. Every selector, named
 * port and nets list a rule uses becomes a set whose id depends only on its
 * content, so equal matches in different policies share one kernel set:
 *
 *   s:<hash>  hash:net     addresses of endpoints matching a selector (the selector's own id)
 *   n:<hash>  hash:ip,port (address, port) of a named port on endpoints matching a selector
 *   c:<hash>  hash:net     a literal nets/notNets list
 */
import { familyOf } from '../policy/cidr.ts';
import { iptablesProtocolName } from '../policy/protocols.ts';
import type { Policy, PortSpec, Rule, Side } from '../policy/types.ts';
import { ALL } from '../selector/ast.ts';
import { fromAst, shortHash, type Selector } from '../selector/selector.ts';
import type { ActivePolicy, CalcRule, CalcSide, IpSetType, PortRange } from './events.ts';

export type IpSetDef =
  | { readonly kind: 'selector'; readonly id: string; readonly type: IpSetType; readonly selector: Selector }
  | {
      readonly kind: 'namedPort';
      readonly id: string;
      readonly type: IpSetType;
      readonly selector: Selector;
      readonly protocol: string;
      readonly port: string;
    }
  | { readonly kind: 'nets'; readonly id: string; readonly type: IpSetType; readonly nets: readonly string[] };

const ALL_SELECTOR = fromAst(ALL);

function familiesOf(nets: readonly string[]): (4 | 6)[] {
  const f = new Set(nets.map(familyOf));
  return ([4, 6] as const).filter((x) => f.has(x));
}

/** Set ids by their hashed text: the same nets list or named port recurs across policies and resolves. */
const ids = new Map<string, string>();

function setId(prefix: 'c' | 'n', text: string): string {
  const key = `${prefix}${text}`;
  let id = ids.get(key);
  if (id === undefined) {
    id = `${prefix}:${shortHash(text)}`;
    // A crude bound, as for the selector caches.
    if (ids.size >= 50_000) ids.clear();
    ids.set(key, id);
  }
  return id;
}

class Resolver {
  readonly sets = new Map<string, IpSetDef>();

  selectorSet(s: Selector): string {
    this.sets.set(s.id, { kind: 'selector', id: s.id, type: 'hash:net', selector: s });
    return s.id;
  }

  netSet(nets: readonly string[]): string {
    const id = setId('c', nets.join(','));
    this.sets.set(id, { kind: 'nets', id, type: 'hash:net', nets });
    return id;
  }

  namedPortSet(s: Selector, protocol: number, port: string): string {
    const proto = iptablesProtocolName(protocol);
    const id = setId('n', `${s.text}|${proto}|${port}`);
    this.sets.set(id, { kind: 'namedPort', id, type: 'hash:ip,port', selector: s, protocol: proto, port });
    return id;
  }

  ports(specs: readonly PortSpec[], sel: Selector, protocol: number | undefined): [PortRange[], string[]] {
    const ranges: PortRange[] = [];
    const named: string[] = [];
    for (const p of specs) {
      if ('name' in p) {
        // Conversion guarantees a port protocol whenever ports are present.
        named.push(this.namedPortSet(sel, protocol!, p.name));
      } else {
        ranges.push({ first: p.first, last: p.last });
      }
    }
    return [ranges, named];
  }

  side(s: Side, protocol: number | undefined): CalcSide {
    const out: { -readonly [K in keyof CalcSide]: CalcSide[K] } = {};
    if (s.selector) out.setId = this.selectorSet(s.selector);
    if (s.notSelector) out.notSetId = this.selectorSet(s.notSelector);
    if (s.nets) {
      out.netSetId = this.netSet(s.nets);
      out.netFamilies = familiesOf(s.nets);
    }
    if (s.notNets) {
      out.notNetSetId = this.netSet(s.notNets);
      out.notNetFamilies = familiesOf(s.notNets);
    }
    // A named port is looked up on the endpoints this side's selector picks (all of them if none).
    const sel = s.selector ?? ALL_SELECTOR;
    if (s.ports) {
      const [ranges, named] = this.ports(s.ports, sel, protocol);
      if (ranges.length) out.ports = ranges;
      if (named.length) out.namedPortSetIds = named;
    }
    if (s.notPorts) {
      const [ranges, named] = this.ports(s.notPorts, sel, protocol);
      if (ranges.length) out.notPorts = ranges;
      if (named.length) out.notNamedPortSetIds = named;
    }
    return out;
  }

  rule(r: Rule): CalcRule {
    const out: { -readonly [K in keyof CalcRule]: CalcRule[K] } = {
      action: r.action,
      src: this.side(r.src, r.protocol),
      dst: this.side(r.dst, r.protocol),
    };
    if (r.protocol !== undefined) out.protocol = r.protocol;
    if (r.notProtocol !== undefined) out.notProtocol = r.notProtocol;
    if (r.icmp) out.icmp = r.icmp;
    if (r.notICMP) out.notICMP = r.notICMP;
    return out;
  }
}

export function resolvePolicy(p: Policy): { policy: ActivePolicy; sets: IpSetDef[] } {
  const r = new Resolver();
  const policy: { -readonly [K in keyof ActivePolicy]: ActivePolicy[K] } = { key: p.key, order: p.order };
  if (p.ingress) policy.ingress = p.ingress.map((x) => r.rule(x));
  if (p.egress) policy.egress = p.egress.map((x) => r.rule(x));
  return { policy, sets: [...r.sets.values()] };
}
