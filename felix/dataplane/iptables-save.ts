/**
 * Reading back what is installed, from `iptables-save -t TABLE`. reef never
 * parses a rule: a line counts as reef's only by its `reef:<hash>` comment or
 * because it sits in a `reef-` chain, and the hash is all that is kept. A
 * rule in a reef chain without a hash (someone added it by hand) is kept as
 * the empty hash, so the chain no longer matches and gets rewritten.
 */
import { isReefChain } from './chains.ts';

export interface BaseChainRule {
  /** Position among all rules of the chain, foreign ones included (0 = top). */
  readonly index: number;
  readonly hash: string;
  /** The line verbatim without `-A CHAIN `, for a `-D CHAIN <rest>` that needs no parsing. */
  readonly rest: string;
}

export interface InstalledTable {
  /** reef chains -> their rules' hashes in order. */
  readonly chains: Map<string, string[]>;
  /** Other programs' chains (FORWARD, INPUT…) -> the reef-hashed rules in them. */
  readonly baseRules: Map<string, BaseChainRule[]>;
}

const HASH = /--comment "?reef:([A-Za-z0-9_-]+)"?/;

export function parseIptablesSave(text: string): InstalledTable {
  const chains = new Map<string, string[]>();
  const baseRules = new Map<string, BaseChainRule[]>();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) {
      const name = line.slice(1, line.indexOf(' '));
      if (isReefChain(name)) chains.set(name, []);
      continue;
    }
    if (!line.startsWith('-A ')) continue;
    const sp = line.indexOf(' ', 3);
    const chain = line.slice(3, sp < 0 ? undefined : sp);
    const hash = HASH.exec(line)?.[1];
    if (isReefChain(chain)) {
      let list = chains.get(chain);
      if (!list) chains.set(chain, (list = []));
      list.push(hash ?? '');
      continue;
    }
    const index = counts.get(chain) ?? 0;
    counts.set(chain, index + 1);
    if (hash === undefined) continue;
    let list = baseRules.get(chain);
    if (!list) baseRules.set(chain, (list = []));
    list.push({ index, hash, rest: line.slice(sp + 1) });
  }
  return { chains, baseRules };
}
