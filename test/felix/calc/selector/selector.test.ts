import { expect } from 'chai';
import fc from 'fast-check';
import { and, not, or, print } from '../../../../felix/calc/selector/ast.ts';
import { compile, toLabels } from '../../../../felix/calc/selector/compile.ts';
import { parseSelector, SelectorSyntaxError } from '../../../../felix/calc/selector/parser.ts';
import { selector } from '../../../../felix/calc/selector/selector.ts';
import { ReefError } from '../../../../src/lib/errors.ts';
import { labelSet, selectorAst } from './arbitraries.ts';
import { ERROR_CASES, MATCH_CASES, SAME_CANONICAL } from './cases.ts';
import { referenceEval } from './reference.ts';

describe('felix/calc selector', () => {
  describe('evaluates like Calico', () => {
    for (const c of MATCH_CASES) {
      it(`${JSON.stringify(c.sel)} on ${JSON.stringify(c.labels)} is ${c.want}`, () => {
        const s = selector(c.sel);
        expect(s.matches(toLabels(c.labels))).to.equal(c.want);
        expect(referenceEval(s.ast, c.labels)).to.equal(c.want);
        // The canonical text must mean the same thing as the original.
        expect(selector(s.text).matches(toLabels(c.labels))).to.equal(c.want);
      });
    }
  });

  describe('reports syntax errors with the offset of the offending character', () => {
    for (const c of ERROR_CASES) {
      it(`${JSON.stringify(c.sel)} fails at ${c.offset}`, () => {
        let err: unknown;
        try {
          parseSelector(c.sel);
        } catch (e) {
          err = e;
        }
        expect(err).to.be.instanceOf(SelectorSyntaxError);
        expect(err).to.be.instanceOf(ReefError);
        const e = err as SelectorSyntaxError;
        expect(e.code).to.equal('SELECTOR_SYNTAX');
        expect(e.offset).to.equal(c.offset);
        expect(e.expected).to.match(c.expected);
        const [line1, line2] = e.caret.split('\n');
        expect(line1).to.equal(c.sel);
        expect(line2!.indexOf('^')).to.equal(c.offset);
      });
    }

    it('draws the caret under the character that broke the parse', () => {
      try {
        parseSelector('has(app && x');
        expect.fail('should throw');
      } catch (e) {
        expect((e as SelectorSyntaxError).caret).to.equal("has(app && x\n        ^ expected ')'");
      }
    });
  });

  describe('gives every spelling of a selector one canonical form and id', () => {
    for (const [a, b] of SAME_CANONICAL) {
      it(`${JSON.stringify(a)} ~ ${JSON.stringify(b)}`, () => {
        expect(selector(a).text).to.equal(selector(b).text);
        expect(selector(a).id).to.equal(selector(b).id);
      });
    }

    it('prints Calico-style text', () => {
      expect(selector("b == 'x' && a in {'q','p'}").text).to.equal('a in {"p", "q"} && b == "x"');
      expect(selector('!(a == "1" || has(b))').text).to.equal('!(a == "1" || has(b))');
      expect(selector('(a == "1" || has(b)) && c != "2"').text).to.equal('(a == "1" || has(b)) && c != "2"');
      expect(selector('x starts with "a" || y ends with "b" || z contains "c"').text).to.equal(
        'x starts with "a" || y ends with "b" || z contains "c"',
      );
      expect(selector("a == 'say \"hi\"'").text).to.equal(`a == 'say "hi"'`);
    });

    it('gives different selectors different ids', () => {
      expect(selector('a == "b"').id).to.not.equal(selector('a != "b"').id);
      expect(selector('a == "b"').id).to.match(/^s:[A-Za-z0-9_-]{20}$/);
    });

    it('lists the label keys a selector depends on', () => {
      expect([...selector('a == "1" && (has(b) || !c in {"x"}) && global()').keys].sort()).to.deep.equal([
        'a',
        'b',
        'c',
        'projectcalico.org/namespace',
      ]);
      expect([...selector('all()').keys]).to.deep.equal([]);
    });
  });

  describe('properties', () => {
    it('parse(print(ast)) equals ast', () => {
      fc.assert(
        fc.property(selectorAst, (ast) => {
          expect(parseSelector(print(ast))).to.deep.equal(ast);
        }),
        { numRuns: 500 },
      );
    });

    it('compiled evaluation agrees with the reference interpreter', () => {
      fc.assert(
        fc.property(selectorAst, labelSet, (ast, labels) => {
          expect(compile(ast)(toLabels(labels))).to.equal(referenceEval(ast, labels));
        }),
        { numRuns: 1000 },
      );
    });

    it("obeys De Morgan's laws", () => {
      fc.assert(
        fc.property(selectorAst, selectorAst, labelSet, (p, q, labels) => {
          const l = toLabels(labels);
          expect(compile(not(and(p, q)))(l)).to.equal(compile(or(not(p), not(q)))(l));
          expect(compile(not(or(p, q)))(l)).to.equal(compile(and(not(p), not(q)))(l));
        }),
        { numRuns: 500 },
      );
    });

    it('canonicalisation never changes meaning', () => {
      fc.assert(
        fc.property(selectorAst, selectorAst, labelSet, (p, q, labels) => {
          const text = `(${print(p)}) && (${print(q)})`;
          const parsed = parseSelector(text);
          expect(compile(parsed)(toLabels(labels))).to.equal(referenceEval(p, labels) && referenceEval(q, labels));
        }),
        { numRuns: 500 },
      );
    });
  });
});
