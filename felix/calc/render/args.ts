/** Structured rules to iptables arguments, and the chain builder that hashes each rule. */
import { hash as digest } from 'node:crypto';
import type { Action, Chain, IptRule, Match } from './types.ts';

const hex = (n: number) => `0x${n.toString(16)}`;

export function matchArgs(m: Match): string[] {
  const not = (neg?: boolean) => (neg ? ['!'] : []);
  switch (m.kind) {
    case 'inIface':
      return [...not(m.negate), '-i', m.name];
    case 'outIface':
      return [...not(m.negate), '-o', m.name];
    case 'protocol':
      return [...not(m.negate), '-p', m.proto];
    case 'set':
      return ['-m', 'set', ...not(m.negate), '--match-set', m.name, m.dirs.join(',')];
    case 'multiport':
      return ['-m', 'multiport', ...not(m.negate), m.dir === 'src' ? '--sports' : '--dports', m.ports.join(',')];
    case 'icmp': {
      const tc = m.code === undefined ? `${m.type}` : `${m.type}/${m.code}`;
      return m.family === 4 ? ['-m', 'icmp', ...not(m.negate), '--icmp-type', tc] : ['-m', 'icmp6', ...not(m.negate), '--icmpv6-type', tc];
    }
    case 'mark':
      return ['-m', 'mark', '--mark', `${hex(m.value)}/${hex(m.mask)}`];
    case 'conntrack':
      return ['-m', 'conntrack', '--ctstate', m.states.join(',')];
  }
}

export function actionArgs(a: Action): string[] {
  switch (a.kind) {
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
      return ['-j', a.kind];
    case 'jump':
      return ['-j', a.target];
    case 'goto':
      return ['-g', a.target];
    case 'setMark':
      return ['-j', 'MARK', '--set-xmark', `${hex(a.value)}/${hex(a.mask)}`];
    case 'log':
      return ['-j', 'LOG', '--log-prefix', a.prefix];
  }
}

/** The rule's arguments after `-A CHAIN`, comment included. */
export function ruleArgs(r: IptRule): string[] {
  return [...r.matches.flatMap(matchArgs), '-m', 'comment', '--comment', `reef:${r.hash}`, ...actionArgs(r.action)];
}

export function quoteArg(a: string): string {
  return /^[A-Za-z0-9_.,:/+!=-]+$/.test(a) ? a : `"${a.replace(/(["\\])/g, '\\$1')}"`;
}

/** matchArgs(m) quoted and joined for iptables-restore, without the intermediate array (constant tokens need no quoting). */
export function matchText(m: Match): string {
  const not = 'negate' in m && m.negate ? '! ' : '';
  switch (m.kind) {
    case 'inIface':
      return `${not}-i ${quoteArg(m.name)}`;
    case 'outIface':
      return `${not}-o ${quoteArg(m.name)}`;
    case 'protocol':
      return `${not}-p ${quoteArg(m.proto)}`;
    case 'set':
      return `-m set ${not}--match-set ${quoteArg(m.name)} ${quoteArg(m.dirs.join(','))}`;
    case 'multiport':
      return `-m multiport ${not}${m.dir === 'src' ? '--sports' : '--dports'} ${quoteArg(m.ports.join(','))}`;
    case 'icmp': {
      const tc = m.code === undefined ? `${m.type}` : `${m.type}/${m.code}`;
      return m.family === 4 ? `-m icmp ${not}--icmp-type ${quoteArg(tc)}` : `-m icmp6 ${not}--icmpv6-type ${quoteArg(tc)}`;
    }
    case 'mark':
      return `-m mark --mark ${hex(m.value)}/${hex(m.mask)}`;
    case 'conntrack':
      return `-m conntrack --ctstate ${quoteArg(m.states.join(','))}`;
  }
}

/** actionArgs(a) quoted and joined. */
export function actionText(a: Action): string {
  switch (a.kind) {
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
      return `-j ${a.kind}`;
    case 'jump':
      return `-j ${quoteArg(a.target)}`;
    case 'goto':
      return `-g ${quoteArg(a.target)}`;
    case 'setMark':
      return `-j MARK --set-xmark ${hex(a.value)}/${hex(a.mask)}`;
    case 'log':
      return `-j LOG --log-prefix ${quoteArg(a.prefix)}`;
  }
}

/** `-A CHAIN …` lines for iptables-restore. */
export function chainLines(c: Chain): string[] {
  const head = `-A ${quoteArg(c.name)} `;
  return c.rules.map((r) => head + r.text);
}

export class ChainBuilder {
  private readonly rules: IptRule[] = [];
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }

  /**
   * The hash is over the chain name and the rule's own iptables-restore text
   * (matches, then target): exactly what is installed, computed once with the
   * text itself.
   */
  add(matches: readonly Match[], action: Action): this {
    let body = '';
    for (const m of matches) body += `${matchText(m)} `;
    const target = actionText(action);
    const hash = ruleHash(this.name, body, target);
    // The hash is base64url: never quoted.
    const text = `${body}-m comment --comment reef:${hash} ${target}`;
    this.rules.push({ matches, action, hash, text });
    return this;
  }

  build(): Chain {
    return { name: this.name, rules: this.rules };
  }
}

/**
 * A rule's hash: 16 base64url characters (96 bits) of SHA-256 over the chain
 * name, the matches' text (each followed by a space) and the target's text.
 * Stable across runs and versions as long as the rule text is. Not chained to
 * the rule before it: the writer compares a chain's hashes as an ordered list
 * (so order still counts), and an unchanged rule keeps its hash when rules
 * are inserted before it, so a chain that only grows is written by insertion
 * (iptables-table.ts).
 */
export function ruleHash(chain: string, matchesText: string, targetText: string): string {
  return digest('sha256', `${chain}\0${matchesText}\0${targetText}`, 'base64url').slice(0, 16);
}
