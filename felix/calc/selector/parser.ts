/**
 * A recursive-descent parser for Calico's selector language, working on
 * characters so every error can point at the offending one.
 *
 *   or      := and ('||' and)*
 *   and     := unary ('&&' unary)*
 *   unary   := '!'* primary
 *   primary := '(' or ')' | 'all()' | 'global()' | 'has(' key ')' | key op
 *   op      := ('==' | '!=' | 'contains' | 'starts with' | 'ends with') string
 *            | ('in' | 'not in') '{' [string (',' string)*] '}'
 *   key     := [A-Za-z0-9_./-]+      string := '...' | "..." (no escapes)
 *
 * The empty selector (or only whitespace) means all(), as in Calico.
 * Unlike Calico's prefix-matching tokenizer, keywords after a key need a
 * word boundary, so `app inx {…}` is an error rather than `app in x…`.
 */
import { ReefError } from '../../../src/lib/errors.ts';
import { ALL, has, junction, not, setOp, valueOp, type SelectorNode, type ValueOp } from './ast.ts';

export class SelectorSyntaxError extends ReefError {
  readonly selector: string;
  readonly offset: number;
  readonly expected: string;
  /** The selector, then a caret under the offending character. */
  readonly caret: string;
  constructor(selector: string, offset: number, expected: string) {
    const caret = `${selector}\n${' '.repeat(offset)}^ ${expected}`;
    super('SELECTOR_SYNTAX', `invalid selector at offset ${offset}: ${expected}\n${caret}`, {
      selector,
      offset,
      expected,
    });
    this.selector = selector;
    this.offset = offset;
    this.expected = expected;
    this.caret = caret;
  }
}

const KEY_CHAR = /[A-Za-z0-9_./-]/;

class Parser {
  private pos = 0;
  private readonly src: string;
  constructor(src: string) {
    this.src = src;
  }

  parse(): SelectorNode {
    this.skipWs();
    if (this.pos >= this.src.length) return ALL;
    const n = this.parseOr();
    this.skipWs();
    if (this.pos < this.src.length) this.fail("expected '&&', '||' or end of selector");
    return n;
  }

  private fail(expected: string, at: number = this.pos): never {
    throw new SelectorSyntaxError(this.src, at, expected);
  }

  private skipWs(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  private peek(s: string): boolean {
    this.skipWs();
    return this.src.startsWith(s, this.pos);
  }

  private eat(s: string): boolean {
    if (!this.peek(s)) return false;
    this.pos += s.length;
    return true;
  }

  private expect(s: string, what = `'${s}'`): void {
    if (!this.eat(s)) this.fail(`expected ${what}`);
  }

  /** A keyword must not run on into a label key (`inx` is a key, not `in x`). */
  private eatWord(w: string): boolean {
    if (!this.peek(w)) return false;
    const after = this.src[this.pos + w.length];
    if (after !== undefined && KEY_CHAR.test(after)) return false;
    this.pos += w.length;
    return true;
  }

  private parseOr(): SelectorNode {
    const ops = [this.parseAnd()];
    while (this.eat('||')) ops.push(this.parseAnd());
    return ops.length === 1 ? ops[0]! : junction('or', ops);
  }

  private parseAnd(): SelectorNode {
    const ops = [this.parseUnary()];
    while (this.eat('&&')) ops.push(this.parseUnary());
    return ops.length === 1 ? ops[0]! : junction('and', ops);
  }

  private parseUnary(): SelectorNode {
    let negated = false;
    // `!=` never starts an operand, so a leading '!' here is always negation.
    while (this.eat('!')) negated = !negated;
    const n = this.parsePrimary();
    return negated ? not(n) : n;
  }

  private readKey(what: string): string {
    this.skipWs();
    const start = this.pos;
    while (this.pos < this.src.length && KEY_CHAR.test(this.src[this.pos]!)) this.pos++;
    if (this.pos === start) this.fail(`expected ${what}`);
    return this.src.slice(start, this.pos);
  }

  private readString(): string {
    this.skipWs();
    const q = this.src[this.pos];
    if (q !== '"' && q !== "'") this.fail('expected a quoted string');
    const end = this.src.indexOf(q, this.pos + 1);
    if (end < 0) this.fail('unterminated string');
    const value = this.src.slice(this.pos + 1, end);
    this.pos = end + 1;
    return value;
  }

  private parsePrimary(): SelectorNode {
    this.skipWs();
    if (this.pos >= this.src.length) this.fail('expected an expression');
    if (this.eat('(')) {
      const n = this.parseOr();
      this.expect(')');
      return n;
    }
    const key = this.readKey('a label key, has(), all(), global(), ! or (');
    if ((key === 'all' || key === 'global' || key === 'has') && this.eat('(')) {
      if (key === 'has') {
        const k = this.readKey('a label key');
        this.expect(')');
        return has(k);
      }
      this.expect(')');
      return key === 'all' ? ALL : { op: 'global' };
    }
    return this.parseComparison(key);
  }

  private parseComparison(key: string): SelectorNode {
    const simple: [string, ValueOp][] = [
      ['==', 'eq'],
      ['!=', 'ne'],
    ];
    for (const [text, op] of simple) if (this.eat(text)) return valueOp(op, key, this.readString());
    if (this.eatWord('contains')) return valueOp('contains', key, this.readString());
    if (this.eatWord('starts')) {
      if (!this.eatWord('with')) this.fail("expected 'with' after 'starts'");
      return valueOp('startsWith', key, this.readString());
    }
    if (this.eatWord('ends')) {
      if (!this.eatWord('with')) this.fail("expected 'with' after 'ends'");
      return valueOp('endsWith', key, this.readString());
    }
    if (this.eatWord('in')) return setOp('in', key, this.readSet());
    if (this.eatWord('not')) {
      if (!this.eatWord('in')) this.fail("expected 'in' after 'not'");
      return setOp('notIn', key, this.readSet());
    }
    this.skipWs();
    return this.fail(`expected an operator (==, !=, in, not in, contains, starts with, ends with) after '${key}'`);
  }

  private readSet(): string[] {
    this.expect('{');
    const values: string[] = [];
    if (this.eat('}')) return values;
    for (;;) {
      values.push(this.readString());
      if (this.eat('}')) return values;
      this.expect(',', "',' or '}'");
    }
  }
}

/** Parses selector text into a canonical AST; throws SelectorSyntaxError. */
export function parseSelector(text: string): SelectorNode {
  return new Parser(text).parse();
}
