// The compiler of a \set expression: it type-checks the AST once and turns it into closures,
// so the hot path only calls them. Types are static, as a \set script is straight-line code.

import { compileCall } from './functions.js';
import { arith, asBool, bitwise, compare } from './operators.js';
import type { Ast } from './parser.js';
import type { CompiledExpr, CompileEnv } from './types.js';
import { checkBig } from './values.js';

/** Compiles an AST to a typed closure; type errors are reported at compile time. */
export function compileExpression(ast: Ast, env: CompileEnv): CompiledExpr {
  const { fail } = env;

  function compile(node: Ast): CompiledExpr {
    switch (node.k) {
      case 'int': {
        const v = node.v;
        if (v <= 9007199254740991n && v >= -9007199254740991n) {
          const n = Number(v);
          return { t: 'int', f: () => n };
        }
        return { t: 'big', f: () => v };
      }
      case 'double': {
        const v = node.v;
        return { t: 'double', f: () => v };
      }
      case 'bool': {
        const v = node.v;
        return { t: 'bool', f: () => v };
      }
      case 'var': {
        const { slot, type } = env.resolveVar(node.name, node.pos);
        switch (type) {
          case 'int':
          case 'double':
            return { t: type, f: (c) => c.vars[slot] as number };
          case 'big':
            return { t: 'big', f: (c) => c.vars[slot] as bigint };
          default:
            return { t: 'bool', f: (c) => c.vars[slot] as boolean };
        }
      }
      case 'unary': {
        const a = compile(node.arg);
        const where = env.where(node.pos);
        if (node.op === 'not') {
          const f = asBool(a);
          return { t: 'bool', f: (c) => !f(c) };
        }
        if (node.op === '~') return bitwise(env, '#', a, { t: 'int', f: () => -1 }, node.pos);
        if (a.t === 'int') {
          const f = a.f;
          return { t: 'int', f: (c) => 0 - f(c) };
        }
        if (a.t === 'double') {
          const f = a.f;
          return { t: 'double', f: (c) => -f(c) };
        }
        if (a.t === 'big') {
          const f = a.f;
          return { t: 'big', f: (c) => checkBig(-f(c), where) };
        }
        return fail(node.pos, 'cannot negate a boolean');
      }
      case 'binary': {
        const { op, pos } = node;
        if (op === 'and' || op === 'or') {
          const a = asBool(compile(node.l)),
            b = asBool(compile(node.r));
          return op === 'and' ? { t: 'bool', f: (c) => a(c) && b(c) } : { t: 'bool', f: (c) => a(c) || b(c) };
        }
        const l = compile(node.l),
          r = compile(node.r);
        if (op === '+' || op === '-' || op === '*' || op === '/' || op === '%') return arith(env, op, l, r, pos);
        if (op === '&' || op === '|' || op === '#' || op === '<<' || op === '>>') return bitwise(env, op, l, r, pos);
        return compare(env, op, l, r, pos);
      }
      case 'call':
        return compileCall(env, node, compile);
      default:
        return fail(0, 'internal error: unknown expression node');
    }
  }

  return compile(ast);
}
