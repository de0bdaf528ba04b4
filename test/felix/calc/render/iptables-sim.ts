/**
 * A tiny iptables interpreter over rendered chains: the implementation side
 * of the oracle-vs-implementation check. It knows exactly the matches and
 * targets the renderer emits, and fails loudly on anything else.
 */
import { cidrContains, parseCidr } from '../../../../felix/calc/policy/cidr.ts';
import type { Chain, IpSetSpec, Match } from '../../../../felix/calc/render/types.ts';

export interface SimPacket {
  srcIp: string;
  dstIp: string;
  proto: string; // tcp, udp, icmp, …
  srcPort?: number;
  dstPort?: number;
  icmpType?: number;
  icmpCode?: number;
  inIface: string;
  outIface: string;
  ctstate: 'NEW' | 'ESTABLISHED' | 'INVALID';
}

export interface SimResult {
  verdict: 'ACCEPT' | 'DROP' | 'RETURN';
  trace: string[];
  logged: string[];
}

function ifaceMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

function inPorts(list: readonly string[], port: number): boolean {
  return list.some((p) => {
    const [a, b] = p.split(':').map(Number);
    return port >= a! && port <= (b ?? a!);
  });
}

export class Sim {
  private readonly chains: Map<string, Chain>;
  private readonly sets: Map<string, IpSetSpec>;
  constructor(chains: readonly Chain[], sets: readonly IpSetSpec[]) {
    this.chains = new Map(chains.map((c) => [c.name, c]));
    this.sets = new Map(sets.map((s) => [s.name, s]));
  }

  private setHas(name: string, dirs: readonly ('src' | 'dst')[], p: SimPacket): boolean {
    const s = this.sets.get(name);
    if (!s) throw new Error(`rule references missing ipset ${name}`);
    const ip = dirs[0] === 'src' ? p.srcIp : p.dstIp;
    if (s.type === 'hash:net') {
      const a = parseCidr(ip);
      return s.members.some((m) => cidrContains(parseCidr(m), a));
    }
    const port = dirs[1] === 'src' ? p.srcPort : p.dstPort;
    if (port === undefined || dirs.length !== 2) return false;
    return s.members.includes(`${ip},${p.proto}:${port}`);
  }

  private matches(m: Match, p: SimPacket, mark: number): boolean {
    const neg = (b: boolean, n?: boolean) => (n ? !b : b);
    switch (m.kind) {
      case 'inIface':
        return neg(ifaceMatches(m.name, p.inIface), m.negate);
      case 'outIface':
        return neg(ifaceMatches(m.name, p.outIface), m.negate);
      case 'protocol':
        return neg(p.proto === m.proto, m.negate);
      case 'set':
        return neg(this.setHas(m.name, m.dirs, p), m.negate);
      case 'multiport': {
        if (!['tcp', 'udp', 'sctp', 'udplite'].includes(p.proto)) throw new Error('multiport without a port protocol');
        const port = m.dir === 'src' ? p.srcPort : p.dstPort;
        return neg(port !== undefined && inPorts(m.ports, port), m.negate);
      }
      case 'icmp': {
        const want = m.family === 4 ? 'icmp' : 'ipv6-icmp';
        if (p.proto !== want) throw new Error('icmp match without -p icmp');
        const hit = p.icmpType === m.type && (m.code === undefined || p.icmpCode === m.code);
        return neg(hit, m.negate);
      }
      case 'mark':
        return (mark & m.mask) === m.value;
      case 'conntrack':
        return m.states.includes(p.ctstate);
    }
  }

  /** Runs `chain` as if jumped to from a base chain; RETURN means "fell back to the caller". */
  run(chain: string, p: SimPacket): SimResult {
    const trace: string[] = [];
    const logged: string[] = [];
    let mark = 0;
    const call = (name: string, depth: number): 'ACCEPT' | 'DROP' | 'RETURN' => {
      if (depth > 20) throw new Error('chain loop');
      const c = this.chains.get(name);
      if (!c) throw new Error(`jump to missing chain ${name}`);
      trace.push(name);
      for (const r of c.rules) {
        if (!r.matches.every((m) => this.matches(m, p, mark))) continue;
        const a = r.action;
        switch (a.kind) {
          case 'ACCEPT':
          case 'DROP':
            return a.kind;
          case 'RETURN':
            return 'RETURN';
          case 'jump': {
            const v = call(a.target, depth + 1);
            if (v !== 'RETURN') return v;
            break;
          }
          case 'goto':
            // A goto'd chain returns to our caller, not to us.
            return call(a.target, depth + 1);
          case 'setMark':
            mark = (mark & ~a.mask) ^ a.value;
            break;
          case 'log':
            logged.push(a.prefix);
            break;
        }
      }
      return 'RETURN';
    };
    return { verdict: call(chain, 0), trace, logged };
  }
}
