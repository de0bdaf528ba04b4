/**
 * Whether an IPPool's nodeSelector picks a node, by the node's labels, with
 * the policy agent's selector language (one implementation for pools and
 * policies). A selector that does not parse picks no node: the pool is
 * skipped, never used by mistake; the model has already checked its syntax.
 */
import { selector } from '../../felix/calc/selector/index.ts';

export function selectorMatches(sel: string | undefined, labels: Readonly<Record<string, string>>): boolean {
  try {
    return selector(sel === undefined || sel.trim() === '' ? 'all()' : sel).matchesRecord(labels);
  } catch {
    return false;
  }
}
