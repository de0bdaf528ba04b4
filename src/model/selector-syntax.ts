/**
 * A light syntax check for Calico selectors (`app == 'web' && has(tier)`).
 * The real parser lives in felix/calc, which the model may not import; this
 * only catches what a person mistypes (an unclosed quote or parenthesis, a
 * single '&', a stray character) and says at which offset, so bad selectors
 * are refused at the edge instead of failing later on every node.
 */

export interface SelectorProblem {
  offset: number;
  reason: string;
}

const WORD = /[A-Za-z0-9_./-]/;
const CLOSER: Record<string, string> = { '(': ')', '{': '}' };

export function checkSelector(sel: string): SelectorProblem | undefined {
  const open: { ch: string; offset: number }[] = [];
  let i = 0;
  while (i < sel.length) {
    const ch = sel[i]!;
    if (/\s/.test(ch) || WORD.test(ch) || ch === ',') {
      i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const end = sel.indexOf(ch, i + 1);
      if (end < 0) return { offset: i, reason: `the string opened with ${ch} is never closed` };
      i = end + 1;
      continue;
    }
    if (ch === '(' || ch === '{') {
      open.push({ ch, offset: i });
      i++;
      continue;
    }
    if (ch === ')' || ch === '}') {
      const top = open.pop();
      if (!top) return { offset: i, reason: `'${ch}' has no matching opening bracket` };
      if (CLOSER[top.ch] !== ch) {
        return { offset: i, reason: `'${ch}' closes the '${top.ch}' opened at offset ${top.offset}` };
      }
      i++;
      continue;
    }
    const two = sel.slice(i, i + 2);
    if (two === '&&' || two === '||' || two === '==' || two === '!=') {
      i += 2;
      continue;
    }
    if (ch === '!') {
      i++;
      continue;
    }
    if (ch === '&' || ch === '|') return { offset: i, reason: `a single '${ch}'; use '${ch}${ch}'` };
    if (ch === '=') return { offset: i, reason: "a single '='; use '==' to compare" };
    return { offset: i, reason: `unexpected character ${JSON.stringify(ch)}` };
  }
  const unclosed = open.pop();
  if (unclosed) return { offset: unclosed.offset, reason: `'${unclosed.ch}' is never closed` };
  return undefined;
}
