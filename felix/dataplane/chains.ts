/**
 * Chains as the iptables writer sees them: a name and rules that are argument
 * lists already carrying their `reef:<hash>` comment. The renderer's chains
 * convert with fromRendered(); the few chains the dataplane owns itself (the
 * INPUT/OUTPUT hooks, NAT, the base-chain jumps) are built with HashedChain,
 * hashed the same way so read-back compares hashes only.
 */
import { quoteArg, ruleHash } from '../calc/render/args.ts';
import type { Chain } from '../calc/render/index.ts';

export interface RuleSpec {
  readonly hash: string;
  /** Everything after `-A CHAIN `, the comment included, quoted for iptables-restore. */
  readonly text: string;
}

export interface ChainSpec {
  readonly name: string;
  readonly rules: readonly RuleSpec[];
}

/**
 * A chain rendered only when the table's writer reaches it, so that the
 * rendering of one chain overlaps `iptables-restore` parsing the chains
 * written before it. `usesSets`: its rules may reference ipsets, so they are
 * written only once the sets exist.
 */
export interface LazyChain {
  readonly name: string;
  readonly usesSets: boolean;
  build(): ChainSpec;
}

export type DesiredChain = ChainSpec | LazyChain;

/** A LazyChain that renders once, however many tables (families) it is set in. */
export function lazyChain(name: string, usesSets: boolean, render: () => ChainSpec): LazyChain {
  let built: ChainSpec | undefined;
  return { name, usesSets, build: () => (built ??= render()) };
}

export function isLazy(c: DesiredChain): c is LazyChain {
  return 'build' in c;
}

export function chainUsesSets(c: DesiredChain): boolean {
  return isLazy(c) ? c.usesSets : c.rules.some((r) => r.text.includes('--match-set'));
}

export const REEF_CHAIN_PREFIX = 'reef-';

export function isReefChain(name: string): boolean {
  return name.startsWith(REEF_CHAIN_PREFIX);
}

/** A rendered rule carries its hash and text already: the chain is used as it is. */
export function fromRendered(c: Chain): ChainSpec {
  return c;
}

export class HashedChain {
  readonly name: string;
  private readonly rules: RuleSpec[] = [];

  constructor(name: string) {
    this.name = name;
  }

  /** `args` without the comment; the hash comment goes in front of the target, as the renderer puts it. */
  add(matches: readonly string[], target: readonly string[]): this {
    let body = '';
    for (const m of matches) body += `${quoteArg(m)} `;
    const targetText = target.map(quoteArg).join(' ');
    // Hashed like the renderer's rules: over the text that is installed.
    const hash = ruleHash(this.name, body, targetText);
    this.rules.push({ hash, text: `${body}-m comment --comment reef:${hash} ${targetText}` });
    return this;
  }

  build(): ChainSpec {
    return { name: this.name, rules: this.rules };
  }
}

/** `text` is a RuleSpec's (already quoted) text. */
export function ruleLine(op: '-A' | '-I', chain: string, text: string, position?: number): string {
  return position === undefined ? `${op} ${quoteArg(chain)} ${text}` : `${op} ${quoteArg(chain)} ${position} ${text}`;
}

export function sameHashes(a: readonly string[] | undefined, b: readonly RuleSpec[]): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]!.hash) return false;
  return true;
}
