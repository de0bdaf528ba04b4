/**
 * One policy direction -> one chain (reef-pi-… / reef-po-…). Each rule's
 * matches are ANDed in one iptables rule; where the policy language ORs
 * (a ports list mixing ranges and named ports, more than 15 multiport slots)
 * the rule expands into fragments that share the action:
 *
 *   Allow  fragments set the accept mark; then one `mark accept -> RETURN`
 *   Deny   fragments DROP
 *   Pass   fragments set the pass mark; then one `mark pass -> RETURN`
 *   Log    one fragment: LOG; several: they set the scratch mark, then one
 *          `mark scratch -> LOG` and a clear, so a packet logs once
 */
import type { ActivePolicy, CalcRule, CalcSide, PortRange } from '../graph/events.ts';
import { iptablesProtocolName, PROTO } from '../policy/protocols.ts';
import { ChainBuilder } from './args.ts';
import type { Marks } from './marks.ts';
import { ipsetName, policyChain } from './names.ts';
import type { Match } from './types.ts';

export interface PolicyRenderOptions {
  readonly family: 4 | 6;
  readonly marks: Marks;
}

const MULTIPORT_SLOTS = 15;

function portText(r: PortRange): string {
  return r.first === r.last ? `${r.first}` : `${r.first}:${r.last}`;
}

/** Splits a ports list into multiport-sized chunks (a range takes two of the 15 slots). */
export function portChunks(ranges: readonly PortRange[]): string[][] {
  const chunks: string[][] = [];
  let cur: string[] = [];
  let used = 0;
  for (const r of ranges) {
    const w = r.first === r.last ? 1 : 2;
    if (used + w > MULTIPORT_SLOTS) {
      chunks.push(cur);
      cur = [];
      used = 0;
    }
    cur.push(portText(r));
    used += w;
  }
  if (cur.length) chunks.push(cur);
  return chunks;
}

function sideMatches(s: CalcSide, dir: 'src' | 'dst', family: 4 | 6): Match[] {
  const m: Match[] = [];
  const set = (id: string | undefined, negate: boolean) => {
    if (id) m.push({ kind: 'set', name: ipsetName(id, family), dirs: [dir], ...(negate ? { negate } : {}) });
  };
  set(s.setId, false);
  set(s.notSetId, true);
  set(s.netSetId, false);
  set(s.notNetSetId, true);
  for (const chunk of portChunks(s.notPorts ?? [])) m.push({ kind: 'multiport', dir, ports: chunk, negate: true });
  for (const id of s.notNamedPortSetIds ?? []) m.push({ kind: 'set', name: ipsetName(id, family), dirs: [dir, dir], negate: true });
  return m;
}

/** The ORed alternatives a side's ports list stands for; [[]] when it has none. */
function portAlternatives(s: CalcSide, dir: 'src' | 'dst', family: 4 | 6): Match[][] {
  if (!s.ports && !s.namedPortSetIds) return [[]];
  const alts: Match[][] = portChunks(s.ports ?? []).map((ports) => [{ kind: 'multiport', dir, ports }]);
  for (const id of s.namedPortSetIds ?? []) alts.push([{ kind: 'set', name: ipsetName(id, family), dirs: [dir, dir] }]);
  return alts;
}

/** The fragments (each a full match list) a rule renders to; [] when it cannot match in this family. */
export function ruleFragments(r: CalcRule, family: 4 | 6): Match[][] {
  for (const side of [r.src, r.dst]) {
    if (side.netFamilies && !side.netFamilies.includes(family)) return [];
    if (side.notNetFamilies && !side.notNetFamilies.includes(family)) return [];
  }
  const common: Match[] = [];
  if (r.protocol !== undefined) {
    if ((r.protocol === PROTO.ICMP && family === 6) || (r.protocol === PROTO.ICMPv6 && family === 4)) return [];
    if (r.notProtocol === r.protocol) return [];
    common.push({ kind: 'protocol', proto: iptablesProtocolName(r.protocol) });
  } else if (r.notProtocol !== undefined) {
    common.push({ kind: 'protocol', proto: iptablesProtocolName(r.notProtocol), negate: true });
  }
  if (r.icmp?.type !== undefined) common.push({ kind: 'icmp', family, type: r.icmp.type, ...(r.icmp.code !== undefined ? { code: r.icmp.code } : {}) });
  if (r.notICMP?.type !== undefined)
    common.push({ kind: 'icmp', family, type: r.notICMP.type, ...(r.notICMP.code !== undefined ? { code: r.notICMP.code } : {}), negate: true });
  common.push(...sideMatches(r.src, 'src', family), ...sideMatches(r.dst, 'dst', family));
  const out: Match[][] = [];
  for (const s of portAlternatives(r.src, 'src', family)) for (const d of portAlternatives(r.dst, 'dst', family)) out.push([...common, ...s, ...d]);
  return out;
}

export function renderPolicyChain(p: ActivePolicy, dir: 'ingress' | 'egress', opts: PolicyRenderOptions): ChainBuilder {
  const b = new ChainBuilder(policyChain(p.key, dir));
  const { accept, pass, scratch } = opts.marks;
  (p[dir] ?? []).forEach((r, i) => {
    const frags = ruleFragments(r, opts.family);
    if (frags.length === 0) return;
    switch (r.action) {
      case 'Deny':
        for (const f of frags) b.add(f, { kind: 'DROP' });
        break;
      case 'Allow':
      case 'Pass': {
        const bit = r.action === 'Allow' ? accept : pass;
        for (const f of frags) b.add(f, { kind: 'setMark', value: bit, mask: bit });
        b.add([{ kind: 'mark', value: bit, mask: bit }], { kind: 'RETURN' });
        break;
      }
      case 'Log': {
        // --log-prefix takes 29 characters: the policy chain's short name and the rule index.
        const prefix = `${b.name.slice(0, 16)} r${i} `;
        if (frags.length === 1) {
          b.add(frags[0]!, { kind: 'log', prefix });
          break;
        }
        for (const f of frags) b.add(f, { kind: 'setMark', value: scratch, mask: scratch });
        b.add([{ kind: 'mark', value: scratch, mask: scratch }], { kind: 'log', prefix });
        b.add([], { kind: 'setMark', value: 0, mask: scratch });
        break;
      }
    }
  });
  return b;
}
