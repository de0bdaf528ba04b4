/**
 * iptables rules as data. The dataplane writer diffs these (by chain name and
 * rule hash) against what is installed and turns them into
 * `iptables-restore --noflush` input with ruleArgs() (args.ts); tests run them
 * through a small interpreter. Every rule carries `-m comment --comment
 * "reef:<hash>"`, so the writer recognises its own rules in iptables-save
 * output without parsing anyone else's.
 */

export type Match =
  | { readonly kind: 'inIface' | 'outIface'; readonly name: string; readonly negate?: boolean }
  | { readonly kind: 'protocol'; readonly proto: string; readonly negate?: boolean }
  /** `-m set --match-set NAME src` / `dst` / `dst,dst` (named ports). */
  | { readonly kind: 'set'; readonly name: string; readonly dirs: readonly ('src' | 'dst')[]; readonly negate?: boolean }
  /** `-m multiport --dports 80,8000:8010` (at most 15 slots, a range takes two). */
  | { readonly kind: 'multiport'; readonly dir: 'src' | 'dst'; readonly ports: readonly string[]; readonly negate?: boolean }
  | { readonly kind: 'icmp'; readonly family: 4 | 6; readonly type: number; readonly code?: number; readonly negate?: boolean }
  | { readonly kind: 'mark'; readonly value: number; readonly mask: number }
  | { readonly kind: 'conntrack'; readonly states: readonly string[] };

export type Action =
  | { readonly kind: 'ACCEPT' }
  | { readonly kind: 'DROP' }
  | { readonly kind: 'RETURN' }
  | { readonly kind: 'jump'; readonly target: string }
  | { readonly kind: 'goto'; readonly target: string }
  /** `-j MARK --set-xmark value/mask`: clear the mask bits, then xor in value. */
  | { readonly kind: 'setMark'; readonly value: number; readonly mask: number }
  | { readonly kind: 'log'; readonly prefix: string };

export interface IptRule {
  readonly matches: readonly Match[];
  readonly action: Action;
  /** Hash of the chain name and this rule's text (see ruleHash). */
  readonly hash: string;
  /** The rule as iptables-restore takes it after `-A CHAIN `: quoted arguments, hash comment included. */
  readonly text: string;
}

export interface Chain {
  readonly name: string;
  readonly rules: readonly IptRule[];
}

export interface IpSetSpec {
  /** At most 31 characters. */
  readonly name: string;
  /** The calc's set id this kernel set renders. */
  readonly id: string;
  readonly type: 'hash:net' | 'hash:ip,port';
  readonly family: 'inet' | 'inet6';
  readonly members: readonly string[];
}

export interface Rendered {
  readonly family: 4 | 6;
  /** table -> chains; reef only writes the filter table for policy. */
  readonly tables: { readonly filter: readonly Chain[] };
  readonly ipsets: readonly IpSetSpec[];
}
