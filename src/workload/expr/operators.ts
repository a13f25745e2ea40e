// How a \set expression's operands are coerced and its operators compiled, with pgbench's
// typing rules: an operation with a double operand is double, integer division truncates towards
// zero, `%` and the bitwise operators work on integers.

import type { BigFn, BoolFn, CompiledExpr, CompileEnv, NumFn } from './types.js';
import { ScriptRuntimeError, bigToInt, checkBig, checkInt, doubleToInt } from './values.js';

/** A number operand as a double. */
export function asDouble(env: CompileEnv, e: CompiledExpr, pos: number): NumFn {
  switch (e.t) {
    case 'int':
    case 'double':
      return e.f;
    case 'big': {
      const f = e.f;
      return (c) => Number(f(c));
    }
    default:
      return env.fail(pos, 'cannot use a boolean as a number');
  }
}

/** Integer argument as a JS number: doubles are rint()-ed, BigInts must fit in 2^53. */
export function asInt(env: CompileEnv, e: CompiledExpr, pos: number): NumFn {
  const where = env.where(pos);
  switch (e.t) {
    case 'int':
      return e.f;
    case 'double': {
      const f = e.f;
      return (c) => doubleToInt(f(c), where);
    }
    case 'big': {
      const f = e.f;
      return (c) => bigToInt(f(c), where);
    }
    default:
      return env.fail(pos, 'cannot use a boolean as an integer');
  }
}

/** An integer operand as an int64 BigInt: doubles are rint()-ed. */
export function asBig(env: CompileEnv, e: CompiledExpr, pos: number): BigFn {
  const where = env.where(pos);
  switch (e.t) {
    case 'big':
      return e.f;
    case 'int': {
      const f = e.f;
      return (c) => BigInt(f(c));
    }
    case 'double': {
      const f = e.f;
      return (c) => BigInt(doubleToInt(f(c), where));
    }
    default:
      return env.fail(pos, 'cannot use a boolean as an integer');
  }
}

/** A truth value: numbers are true when not zero. */
export function asBool(e: CompiledExpr): BoolFn {
  switch (e.t) {
    case 'bool':
      return e.f;
    case 'big': {
      const f = e.f;
      return (c) => f(c) !== 0n;
    }
    default: {
      const f = e.f;
      return (c) => f(c) !== 0;
    }
  }
}

export function arith(env: CompileEnv, op: string, l: CompiledExpr, r: CompiledExpr, pos: number): CompiledExpr {
  const where = env.where(pos);
  if (l.t === 'bool' || r.t === 'bool') return env.fail(pos, `cannot apply "${op}" to a boolean`);
  if (op === '%') {
    // pgbench's % is integer-only; doubles are coerced with rint().
    if (l.t === 'big' || r.t === 'big') {
      const a = asBig(env, l, pos),
        b = asBig(env, r, pos);
      return {
        t: 'big',
        f: (c) => {
          const x = a(c),
            y = b(c);
          if (y === 0n) throw new ScriptRuntimeError(`${where}: division by zero`);
          return y === -1n ? 0n : x % y;
        },
      };
    }
    const a = asInt(env, l, pos),
      b = asInt(env, r, pos);
    return {
      t: 'int',
      f: (c) => {
        const x = a(c),
          y = b(c);
        if (y === 0) throw new ScriptRuntimeError(`${where}: division by zero`);
        return y === -1 ? 0 : (x % y) + 0; // + 0 turns -0 into 0
      },
    };
  }
  if (l.t === 'double' || r.t === 'double') {
    const a = asDouble(env, l, pos),
      b = asDouble(env, r, pos);
    switch (op) {
      case '+':
        return { t: 'double', f: (c) => a(c) + b(c) };
      case '-':
        return { t: 'double', f: (c) => a(c) - b(c) };
      case '*':
        return { t: 'double', f: (c) => a(c) * b(c) };
      default:
        return { t: 'double', f: (c) => a(c) / b(c) };
    }
  }
  if (l.t === 'big' || r.t === 'big') {
    const a = asBig(env, l, pos),
      b = asBig(env, r, pos);
    switch (op) {
      case '+':
        return { t: 'big', f: (c) => checkBig(a(c) + b(c), where) };
      case '-':
        return { t: 'big', f: (c) => checkBig(a(c) - b(c), where) };
      case '*':
        return { t: 'big', f: (c) => checkBig(a(c) * b(c), where) };
      default:
        return {
          t: 'big',
          f: (c) => {
            const x = a(c),
              y = b(c);
            if (y === 0n) throw new ScriptRuntimeError(`${where}: division by zero`);
            return checkBig(x / y, where);
          },
        };
    }
  }
  const a = l.f,
    b = r.f;
  switch (op) {
    case '+':
      return { t: 'int', f: (c) => checkInt(a(c) + b(c), where) };
    case '-':
      return { t: 'int', f: (c) => checkInt(a(c) - b(c), where) };
    case '*':
      return { t: 'int', f: (c) => checkInt(a(c) * b(c), where) };
    default:
      return {
        t: 'int',
        f: (c) => {
          const x = a(c),
            y = b(c);
          if (y === 0) throw new ScriptRuntimeError(`${where}: division by zero`);
          let q = Math.trunc(x / y);
          // Guard the rare case where the double quotient rounded across an integer.
          const rem = x - q * y;
          if (rem !== 0 && rem < 0 !== x < 0) q += x < 0 === y < 0 ? -1 : 1;
          return q + 0;
        },
      };
  }
}

export function bitwise(env: CompileEnv, op: string, l: CompiledExpr, r: CompiledExpr, pos: number): CompiledExpr {
  const where = env.where(pos);
  const a = asBig(env, l, pos),
    b = asBig(env, r, pos);
  let f: BigFn;
  switch (op) {
    case '&':
      f = (c) => a(c) & b(c);
      break;
    case '|':
      f = (c) => a(c) | b(c);
      break;
    case '#':
      f = (c) => a(c) ^ b(c);
      break;
    case '<<':
      f = (c) => BigInt.asIntN(64, a(c) << (b(c) & 63n));
      break;
    default:
      f = (c) => a(c) >> (b(c) & 63n);
      break;
  }
  if (l.t === 'big' || r.t === 'big') return { t: 'big', f };
  // Bitwise results of 2^53-bounded operands stay bounded, except for shifts.
  return { t: 'int', f: (c) => bigToInt(f(c), where) };
}

export function compare(env: CompileEnv, op: string, l: CompiledExpr, r: CompiledExpr, pos: number): CompiledExpr {
  if (l.t === 'bool' || r.t === 'bool') return env.fail(pos, `cannot compare booleans with "${op}"`);
  let a: NumFn | BigFn, b: NumFn | BigFn;
  if (l.t === 'double' || r.t === 'double') {
    a = asDouble(env, l, pos);
    b = asDouble(env, r, pos);
  } else if (l.t === 'big' || r.t === 'big') {
    a = asBig(env, l, pos);
    b = asBig(env, r, pos);
  } else {
    a = l.f;
    b = r.f;
  }
  const x = a as NumFn,
    y = b as NumFn; // same representation on both sides
  switch (op) {
    case '<':
      return { t: 'bool', f: (c) => x(c) < y(c) };
    case '<=':
      return { t: 'bool', f: (c) => x(c) <= y(c) };
    case '>':
      return { t: 'bool', f: (c) => x(c) > y(c) };
    case '>=':
      return { t: 'bool', f: (c) => x(c) >= y(c) };
    case '=':
      return { t: 'bool', f: (c) => x(c) === y(c) };
    default:
      return { t: 'bool', f: (c) => x(c) !== y(c) };
  }
}
