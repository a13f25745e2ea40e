// The parser of a \set expression: a precedence parser from tokens to an AST, as pgbench's
// grammar (exprparse.y) ranks the operators.

import { lex, type Tok } from './lexer.js';
import type { Fail } from './types.js';
import { INT64_MAX, INT64_MIN } from './values.js';

export type Ast =
  | { k: 'int'; v: bigint; pos: number }
  | { k: 'double'; v: number; pos: number }
  | { k: 'bool'; v: boolean; pos: number }
  | { k: 'var'; name: string; pos: number }
  | { k: 'unary'; op: string; arg: Ast; pos: number }
  | { k: 'binary'; op: string; l: Ast; r: Ast; pos: number }
  | { k: 'call'; name: string; args: Ast[]; pos: number };

const MAX_DEPTH = 200;

const UNSUPPORTED_KEYWORDS = new Set(['case', 'when', 'then', 'else', 'end', 'null', 'is', 'isnull', 'notnull']);

/** Parses the expression in src[start, end). */
export function parseExpression(src: string, start: number, end: number, fail: Fail): Ast {
  const toks = lex(src, start, end, fail);
  let p = 0;
  let depth = 0;
  const peek = (): Tok => toks[p]!;
  const isOp = (t: Tok, op: string): boolean => t.k === 'op' && t.text === op;
  const isWord = (t: Tok, w: string): boolean => t.k === 'ident' && t.text === w;
  const describe = (t: Tok): string =>
    t.k === 'eof'
      ? 'end of expression'
      : t.k === 'var'
        ? `":${t.text}"`
        : t.k === 'double'
          ? `"${src.slice(t.pos, t.pos + 12).split(/\s/)[0]}"`
          : `"${t.text}"`;
  const unexpected = (t: Tok): never => fail(t.pos, `syntax error in expression at ${describe(t)}`);
  const enter = (pos: number): void => {
    if (++depth > MAX_DEPTH) fail(pos, `expression nested more than ${MAX_DEPTH} levels deep`);
  };

  const binLevel =
    (ops: string[], next: () => Ast): (() => Ast) =>
    () => {
      let l = next();
      for (;;) {
        const t = peek();
        if (t.k === 'op' && ops.includes(t.text)) {
          p++;
          const r = next();
          l = { k: 'binary', op: t.text, l, r, pos: t.pos };
        } else return l;
      }
    };

  const primary = (): Ast => {
    const t = peek();
    switch (t.k) {
      case 'int': {
        p++;
        const v = BigInt(t.text);
        if (v > INT64_MAX) fail(t.pos, `bigint constant overflow: ${t.text}`);
        return { k: 'int', v, pos: t.pos };
      }
      case 'double':
        p++;
        return { k: 'double', v: t.v, pos: t.pos };
      case 'var':
        p++;
        return { k: 'var', name: t.text, pos: t.pos };
      case 'ident': {
        p++;
        if (t.text === 'true' || t.text === 'false') return { k: 'bool', v: t.text === 'true', pos: t.pos };
        if (UNSUPPORTED_KEYWORDS.has(t.text)) fail(t.pos, `unsupported expression keyword "${t.text.toUpperCase()}"`);
        if (!isOp(peek(), '('))
          fail(t.pos, `syntax error in expression at "${t.text}": a function name must be followed by "("`);
        p++;
        const args: Ast[] = [];
        if (isOp(peek(), ')')) p++;
        else {
          for (;;) {
            args.push(expr());
            const s = peek();
            if (isOp(s, ',')) p++;
            else if (isOp(s, ')')) {
              p++;
              break;
            } else unexpected(s);
          }
        }
        return { k: 'call', name: t.text, args, pos: t.pos };
      }
      case 'op':
        if (t.text === '(') {
          p++;
          const e = expr();
          if (!isOp(peek(), ')')) unexpected(peek());
          p++;
          return e;
        }
        return unexpected(t);
      default:
        return unexpected(t);
    }
  };

  const unary = (): Ast => {
    const t = peek();
    if (t.k === 'op' && (t.text === '-' || t.text === '+' || t.text === '~')) {
      p++;
      enter(t.pos);
      const n = peek();
      let arg: Ast;
      // -9223372036854775808 is only writable as a negated literal, as in pgbench.
      if (t.text === '-' && n.k === 'int' && BigInt(n.text) === -INT64_MIN) {
        p++;
        arg = { k: 'int', v: INT64_MIN, pos: t.pos };
        depth--;
        return arg;
      }
      arg = unary();
      depth--;
      if (t.text === '+') return arg;
      return { k: 'unary', op: t.text, arg, pos: t.pos };
    }
    enter(t.pos);
    const e = primary();
    depth--;
    return e;
  };

  const mul = binLevel(['*', '/', '%'], unary);
  const add = binLevel(['+', '-'], mul);
  const bit = binLevel(['|', '#', '&', '<<', '>>'], add);
  const cmp = (): Ast => {
    const l = bit();
    const t = peek();
    if (t.k === 'op' && ['<', '<=', '>', '>=', '=', '<>'].includes(t.text)) {
      p++;
      const r = bit();
      const n = peek();
      if (n.k === 'op' && ['<', '<=', '>', '>=', '=', '<>'].includes(n.text)) unexpected(n);
      return { k: 'binary', op: t.text, l, r, pos: t.pos };
    }
    return l;
  };
  const not = (): Ast => {
    const t = peek();
    if (isWord(t, 'not')) {
      p++;
      enter(t.pos);
      const arg = not();
      depth--;
      return { k: 'unary', op: 'not', arg, pos: t.pos };
    }
    return cmp();
  };
  const and = (): Ast => {
    let l = not();
    while (isWord(peek(), 'and')) {
      const t = peek();
      p++;
      l = { k: 'binary', op: 'and', l, r: not(), pos: t.pos };
    }
    return l;
  };
  function expr(): Ast {
    let l = and();
    while (isWord(peek(), 'or')) {
      const t = peek();
      p++;
      l = { k: 'binary', op: 'or', l, r: and(), pos: t.pos };
    }
    return l;
  }

  if (peek().k === 'eof') fail(start, 'missing expression');
  const e = expr();
  if (peek().k !== 'eof') unexpected(peek());
  return e;
}
