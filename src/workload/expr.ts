// pgbench's \set expression language: a lexer, a precedence parser to an AST, and a compiler
// that type-checks the AST once and turns it into closures, so the hot path only calls them.
//
// Types are static, as a \set script is straight-line code: `int` (a JS number holding an exact
// integer, |x| <= 2^53), `big` (a BigInt int64: hash results and huge literals), `double` and
// `bool`. pgbench's rules hold: an operation with a double operand is double, integer division
// truncates towards zero, `%` and int() round doubles with rint() (half to even).

import type { Prng } from './prng.js';

export type ValueType = 'int' | 'big' | 'double' | 'bool';

/** What a compiled expression sees at run time: its script's variables and the worker's PRNG. */
export interface EvalContext {
  vars: unknown[];
  rng: Prng;
}

export type CompiledExpr =
  | { t: 'int'; f: (c: EvalContext) => number }
  | { t: 'double'; f: (c: EvalContext) => number }
  | { t: 'big'; f: (c: EvalContext) => bigint }
  | { t: 'bool'; f: (c: EvalContext) => boolean };

/** A runtime failure of a script (division by zero, a bad random range …); `code` is what the runner counts. */
export class ScriptRuntimeError extends Error {
  readonly code = 'SCRIPT';
  constructor(message: string) {
    super(message);
    this.name = 'ScriptRuntimeError';
  }
}

/** Raised at compile time with the offset in the script text; the script parser adds file:line:col. */
export type Fail = (offset: number, message: string) => never;
export type ResolveVar = (name: string, offset: number) => { slot: number; type: ValueType };

// ---------------------------------------------------------------- lexer

type Tok =
  | { k: 'int'; text: string; pos: number }
  | { k: 'double'; v: number; pos: number }
  | { k: 'ident'; text: string; pos: number }
  | { k: 'var'; text: string; pos: number }
  | { k: 'op'; text: string; pos: number }
  | { k: 'eof'; pos: number };

const OPS3 = ['<<', '>>', '<=', '>=', '<>', '!='];
const OPS1 = '+-*/%(),<>=&|#~';

function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}
function isAlpha(ch: string): boolean {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch === '_' || ch.charCodeAt(0) > 127;
}
function isAlnum(ch: string): boolean {
  return isAlpha(ch) || isDigit(ch);
}

function lex(src: string, start: number, end: number, fail: Fail): Tok[] {
  const toks: Tok[] = [];
  let i = start;
  while (i < end) {
    const ch = src[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n' || ch === '\f' || ch === '\v') {
      i++;
      continue;
    }
    const pos = i;
    if (isDigit(ch) || (ch === '.' && i + 1 < end && isDigit(src[i + 1]!))) {
      let j = i;
      while (j < end && isDigit(src[j]!)) j++;
      let isDouble = false;
      if (j < end && src[j] === '.') {
        isDouble = true;
        j++;
        while (j < end && isDigit(src[j]!)) j++;
      }
      if (j < end && (src[j] === 'e' || src[j] === 'E')) {
        let k = j + 1;
        if (k < end && (src[k] === '+' || src[k] === '-')) k++;
        if (k < end && isDigit(src[k]!)) {
          isDouble = true;
          while (k < end && isDigit(src[k]!)) k++;
          j = k;
        }
      }
      if (j < end && isAlpha(src[j]!)) fail(j, `syntax error in expression: unexpected "${src[j]}" after a number`);
      const text = src.slice(i, j);
      toks.push(isDouble ? { k: 'double', v: Number(text), pos } : { k: 'int', text, pos });
      i = j;
      continue;
    }
    if (isAlpha(ch)) {
      let j = i + 1;
      while (j < end && isAlnum(src[j]!)) j++;
      toks.push({ k: 'ident', text: src.slice(i, j).toLowerCase(), pos });
      i = j;
      continue;
    }
    if (ch === ':') {
      let j = i + 1;
      while (j < end && isAlnum(src[j]!)) j++;
      if (j === i + 1) fail(pos, 'syntax error in expression: ":" must be followed by a variable name');
      toks.push({ k: 'var', text: src.slice(i + 1, j), pos });
      i = j;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (i + 1 < end && OPS3.includes(two)) {
      toks.push({ k: 'op', text: two === '!=' ? '<>' : two, pos });
      i += 2;
      continue;
    }
    if (OPS1.includes(ch)) {
      toks.push({ k: 'op', text: ch, pos });
      i++;
      continue;
    }
    fail(pos, `syntax error in expression: unexpected character "${ch}"`);
  }
  toks.push({ k: 'eof', pos: end });
  return toks;
}

// ---------------------------------------------------------------- parser

export type Ast =
  | { k: 'int'; v: bigint; pos: number }
  | { k: 'double'; v: number; pos: number }
  | { k: 'bool'; v: boolean; pos: number }
  | { k: 'var'; name: string; pos: number }
  | { k: 'unary'; op: string; arg: Ast; pos: number }
  | { k: 'binary'; op: string; l: Ast; r: Ast; pos: number }
  | { k: 'call'; name: string; args: Ast[]; pos: number };

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
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
    t.k === 'eof' ? 'end of expression' : t.k === 'var' ? `":${t.text}"` : t.k === 'double' ? `"${src.slice(t.pos, t.pos + 12).split(/\s/)[0]}"` : `"${t.text}"`;
  const unexpected = (t: Tok): never => fail(t.pos, `syntax error in expression at ${describe(t)}`);
  const enter = (pos: number): void => {
    if (++depth > MAX_DEPTH) fail(pos, `expression nested more than ${MAX_DEPTH} levels deep`);
  };

  const binLevel = (ops: string[], next: () => Ast): (() => Ast) => () => {
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
        if (!isOp(peek(), '(')) fail(t.pos, `syntax error in expression at "${t.text}": a function name must be followed by "("`);
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

// ---------------------------------------------------------------- runtime helpers

const SAFE = Number.MAX_SAFE_INTEGER;

function checkInt(v: number, where: string): number {
  if (v > SAFE || v < -SAFE) throw new ScriptRuntimeError(`${where}: integer out of range (pgscale evaluates integers exactly up to 2^53)`);
  return v;
}
function checkBig(v: bigint, where: string): bigint {
  if (v > INT64_MAX || v < INT64_MIN) throw new ScriptRuntimeError(`${where}: bigint out of range`);
  return v;
}
/** C rint(): round half to even, as pgbench coerces doubles to integers. */
export function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
function doubleToInt(x: number, where: string): number {
  const r = rint(x);
  if (!Number.isFinite(r) || r > SAFE || r < -SAFE) throw new ScriptRuntimeError(`${where}: double to int overflow for ${formatDouble(x)}`);
  return r;
}
function bigToInt(x: bigint, where: string): number {
  if (x > 9007199254740991n || x < -9007199254740991n) throw new ScriptRuntimeError(`${where}: integer ${x} is beyond 2^53, which this argument does not accept`);
  return Number(x);
}

const U64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const FNV_PRIME = 0x100000001b3n;
const FNV_OFFSET_BASIS = 0xcbf29ce484222325n;
const MM2_MUL = 0xc6a4a7935bd1e995n;
const MM2_MUL_TIMES_8 = 0x35253c9ade8f4ca8n;

/** pgbench's getHashFnv1a: FNV-1a over the 8 little-endian bytes of val, seeded. */
export function hashFnv1a(val: bigint, seed: bigint): bigint {
  let result = U64(FNV_OFFSET_BASIS ^ U64(seed));
  let v = BigInt.asIntN(64, val);
  for (let i = 0; i < 8; i++) {
    const octet = v & 0xffn;
    v >>= 8n;
    result = U64((result ^ octet) * FNV_PRIME);
  }
  return BigInt.asIntN(64, result);
}

/** pgbench's getHashMurmur2: MurmurHash64A of one 8-byte value, seeded. */
export function hashMurmur2(val: bigint, seed: bigint): bigint {
  let result = U64(U64(seed) ^ MM2_MUL_TIMES_8);
  let k = U64(val);
  k = U64(k * MM2_MUL);
  k ^= k >> 47n;
  k = U64(k * MM2_MUL);
  result ^= k;
  result = U64(result * MM2_MUL);
  result ^= result >> 47n;
  result = U64(result * MM2_MUL);
  result ^= result >> 47n;
  return BigInt.asIntN(64, result);
}

/** C's printf("%.15g"): how pgbench turns a double variable into text. */
export function formatDouble(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const e = x.toExponential(14);
  const cut = e.indexOf('e');
  const exp = Number(e.slice(cut + 1));
  const strip = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= 15) {
    const a = Math.abs(exp);
    return `${strip(e.slice(0, cut))}e${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
  }
  return strip(x.toFixed(14 - exp));
}

export function randomUniform(rng: Prng, lb: number, ub: number, where: string): number {
  if (ub < lb) throw new ScriptRuntimeError(`${where}: empty range given to random`);
  const n = ub - lb + 1;
  if (n > 9007199254740992) throw new ScriptRuntimeError(`${where}: random range is too large`);
  return lb + rng.below(n);
}

/** pgbench's getExponentialRand. */
export function randomExponential(rng: Prng, lb: number, ub: number, param: number, where: string): number {
  if (ub < lb) throw new ScriptRuntimeError(`${where}: empty range given to random_exponential`);
  if (!(param > 0)) throw new ScriptRuntimeError(`${where}: exponential parameter must be greater than zero (not ${formatDouble(param)})`);
  const cut = Math.exp(-param);
  const uniform = 1.0 - rng.nextDouble();
  const r = -Math.log(cut + (1.0 - cut) * uniform) / param;
  return lb + Math.trunc((ub - lb + 1) * r);
}

/** pgbench's getGaussianRand: Box-Muller, redrawn outside [-param, param). */
export function randomGaussian(rng: Prng, lb: number, ub: number, param: number, where: string): number {
  if (ub < lb) throw new ScriptRuntimeError(`${where}: empty range given to random_gaussian`);
  if (!(param >= 2.0)) throw new ScriptRuntimeError(`${where}: gaussian parameter must be at least 2.0 (not ${formatDouble(param)})`);
  let stdev: number;
  do {
    const rand1 = 1.0 - rng.nextDouble();
    const rand2 = 1.0 - rng.nextDouble();
    stdev = Math.sqrt(-2.0 * Math.log(rand1)) * Math.sin(2.0 * Math.PI * rand2);
  } while (stdev < -param || stdev >= param);
  const r = (stdev + param) / (param * 2.0);
  return lb + Math.trunc((ub - lb + 1) * r);
}

/** pgbench's computeIterativeZipfian (Devroye's rejection method), shifted to [lb, ub]. */
export function randomZipfian(rng: Prng, lb: number, ub: number, s: number, where: string): number {
  if (ub < lb) throw new ScriptRuntimeError(`${where}: empty range given to random_zipfian`);
  if (!(s >= 1.001 && s <= 1000)) throw new ScriptRuntimeError(`${where}: zipfian parameter must be in range [1.001, 1000] (not ${formatDouble(s)})`);
  const n = ub - lb + 1;
  if (n <= 1) return lb;
  const b = Math.pow(2.0, s - 1.0);
  let x: number;
  for (;;) {
    const u = rng.nextDouble();
    const v = rng.nextDouble();
    x = Math.floor(Math.pow(u, -1.0 / (s - 1.0)));
    const t = Math.pow(1.0 + 1.0 / x, s - 1.0);
    if ((v * x * (t - 1.0)) / (b - 1.0) <= t / b && x <= n) break;
  }
  return lb + x - 1;
}

// ---------------------------------------------------------------- compiler

type NumFn = (c: EvalContext) => number;
type BigFn = (c: EvalContext) => bigint;
type BoolFn = (c: EvalContext) => boolean;

export interface CompileEnv {
  resolveVar: ResolveVar;
  fail: Fail;
  /** "file:line", prefixed to runtime error messages. */
  where: (offset: number) => string;
}

/** Compiles an AST to a typed closure; type errors are reported at compile time. */
export function compileExpression(ast: Ast, env: CompileEnv): CompiledExpr {
  const { fail } = env;

  const asDouble = (e: CompiledExpr, pos: number): NumFn => {
    switch (e.t) {
      case 'int':
      case 'double':
        return e.f;
      case 'big': {
        const f = e.f;
        return (c) => Number(f(c));
      }
      default:
        return fail(pos, 'cannot use a boolean as a number');
    }
  };
  /** Integer argument as a JS number: doubles are rint()-ed, BigInts must fit in 2^53. */
  const asInt = (e: CompiledExpr, pos: number): NumFn => {
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
        return fail(pos, 'cannot use a boolean as an integer');
    }
  };
  const asBig = (e: CompiledExpr, pos: number): BigFn => {
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
        return fail(pos, 'cannot use a boolean as an integer');
    }
  };
  const asBool = (e: CompiledExpr): BoolFn => {
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
  };

  const arith = (op: string, l: CompiledExpr, r: CompiledExpr, pos: number): CompiledExpr => {
    const where = env.where(pos);
    if (l.t === 'bool' || r.t === 'bool') return fail(pos, `cannot apply "${op}" to a boolean`);
    if (op === '%') {
      // pgbench's % is integer-only; doubles are coerced with rint().
      if (l.t === 'big' || r.t === 'big') {
        const a = asBig(l, pos), b = asBig(r, pos);
        return { t: 'big', f: (c) => {
          const x = a(c), y = b(c);
          if (y === 0n) throw new ScriptRuntimeError(`${where}: division by zero`);
          return y === -1n ? 0n : x % y;
        } };
      }
      const a = asInt(l, pos), b = asInt(r, pos);
      return { t: 'int', f: (c) => {
        const x = a(c), y = b(c);
        if (y === 0) throw new ScriptRuntimeError(`${where}: division by zero`);
        return y === -1 ? 0 : (x % y) + 0; // + 0 turns -0 into 0
      } };
    }
    if (l.t === 'double' || r.t === 'double') {
      const a = asDouble(l, pos), b = asDouble(r, pos);
      switch (op) {
        case '+': return { t: 'double', f: (c) => a(c) + b(c) };
        case '-': return { t: 'double', f: (c) => a(c) - b(c) };
        case '*': return { t: 'double', f: (c) => a(c) * b(c) };
        default: return { t: 'double', f: (c) => a(c) / b(c) };
      }
    }
    if (l.t === 'big' || r.t === 'big') {
      const a = asBig(l, pos), b = asBig(r, pos);
      switch (op) {
        case '+': return { t: 'big', f: (c) => checkBig(a(c) + b(c), where) };
        case '-': return { t: 'big', f: (c) => checkBig(a(c) - b(c), where) };
        case '*': return { t: 'big', f: (c) => checkBig(a(c) * b(c), where) };
        default: return { t: 'big', f: (c) => {
          const x = a(c), y = b(c);
          if (y === 0n) throw new ScriptRuntimeError(`${where}: division by zero`);
          return checkBig(x / y, where);
        } };
      }
    }
    const a = l.f, b = r.f;
    switch (op) {
      case '+': return { t: 'int', f: (c) => checkInt(a(c) + b(c), where) };
      case '-': return { t: 'int', f: (c) => checkInt(a(c) - b(c), where) };
      case '*': return { t: 'int', f: (c) => checkInt(a(c) * b(c), where) };
      default: return { t: 'int', f: (c) => {
        const x = a(c), y = b(c);
        if (y === 0) throw new ScriptRuntimeError(`${where}: division by zero`);
        let q = Math.trunc(x / y);
        // Guard the rare case where the double quotient rounded across an integer.
        const rem = x - q * y;
        if (rem !== 0 && (rem < 0) !== (x < 0)) q += (x < 0) === (y < 0) ? -1 : 1;
        return q + 0;
      } };
    }
  };

  const bitwise = (op: string, l: CompiledExpr, r: CompiledExpr, pos: number): CompiledExpr => {
    const where = env.where(pos);
    const a = asBig(l, pos), b = asBig(r, pos);
    let f: BigFn;
    switch (op) {
      case '&': f = (c) => a(c) & b(c); break;
      case '|': f = (c) => a(c) | b(c); break;
      case '#': f = (c) => a(c) ^ b(c); break;
      case '<<': f = (c) => BigInt.asIntN(64, a(c) << (b(c) & 63n)); break;
      default: f = (c) => a(c) >> (b(c) & 63n); break;
    }
    if (l.t === 'big' || r.t === 'big') return { t: 'big', f };
    // Bitwise results of 2^53-bounded operands stay bounded, except for shifts.
    return { t: 'int', f: (c) => bigToInt(f(c), where) };
  };

  const compare = (op: string, l: CompiledExpr, r: CompiledExpr, pos: number): CompiledExpr => {
    if (l.t === 'bool' || r.t === 'bool') return fail(pos, `cannot compare booleans with "${op}"`);
    let a: NumFn | BigFn, b: NumFn | BigFn;
    if (l.t === 'double' || r.t === 'double') {
      a = asDouble(l, pos);
      b = asDouble(r, pos);
    } else if (l.t === 'big' || r.t === 'big') {
      a = asBig(l, pos);
      b = asBig(r, pos);
    } else {
      a = l.f;
      b = r.f;
    }
    const x = a as NumFn, y = b as NumFn; // same representation on both sides
    switch (op) {
      case '<': return { t: 'bool', f: (c) => x(c) < y(c) };
      case '<=': return { t: 'bool', f: (c) => x(c) <= y(c) };
      case '>': return { t: 'bool', f: (c) => x(c) > y(c) };
      case '>=': return { t: 'bool', f: (c) => x(c) >= y(c) };
      case '=': return { t: 'bool', f: (c) => x(c) === y(c) };
      default: return { t: 'bool', f: (c) => x(c) !== y(c) };
    }
  };

  const arity = (name: string, args: Ast[], pos: number, min: number, max: number): void => {
    if (args.length < min || args.length > max) {
      const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      fail(pos, `function ${name}() takes ${want} argument${min === 1 && max === 1 ? '' : 's'}, got ${args.length}`);
    }
  };

  const call = (node: Extract<Ast, { k: 'call' }>): CompiledExpr => {
    const { name, pos } = node;
    const where = env.where(pos);
    const args = node.args.map(compile);
    const argPos = (i: number): number => node.args[i]!.pos;
    switch (name) {
      case 'abs': {
        arity(name, node.args, pos, 1, 1);
        const a = args[0]!;
        if (a.t === 'int') { const f = a.f; return { t: 'int', f: (c) => Math.abs(f(c)) }; }
        if (a.t === 'double') { const f = a.f; return { t: 'double', f: (c) => Math.abs(f(c)) }; }
        if (a.t === 'big') { const f = a.f; return { t: 'big', f: (c) => { const v = f(c); return checkBig(v < 0n ? -v : v, where); } }; }
        return fail(argPos(0), 'abs() needs a number, not a boolean');
      }
      case 'int': {
        arity(name, node.args, pos, 1, 1);
        const a = args[0]!;
        if (a.t === 'big') return a;
        return { t: 'int', f: asInt(a, argPos(0)) };
      }
      case 'double': {
        arity(name, node.args, pos, 1, 1);
        return { t: 'double', f: asDouble(args[0]!, argPos(0)) };
      }
      case 'sqrt':
      case 'exp':
      case 'ln': {
        arity(name, node.args, pos, 1, 1);
        const f = asDouble(args[0]!, argPos(0));
        const m = name === 'sqrt' ? Math.sqrt : name === 'exp' ? Math.exp : Math.log;
        return { t: 'double', f: (c) => m(f(c)) };
      }
      case 'pow':
      case 'power': {
        arity(name, node.args, pos, 2, 2);
        const a = asDouble(args[0]!, argPos(0)), b = asDouble(args[1]!, argPos(1));
        return { t: 'double', f: (c) => Math.pow(a(c), b(c)) };
      }
      case 'pi':
        arity(name, node.args, pos, 0, 0);
        return { t: 'double', f: () => Math.PI };
      case 'mod':
        arity(name, node.args, pos, 2, 2);
        return arith('%', args[0]!, args[1]!, pos);
      case 'least':
      case 'greatest': {
        arity(name, node.args, pos, 1, Infinity);
        const isLeast = name === 'least';
        if (args.some((a) => a.t === 'bool')) return fail(pos, `${name}() needs numbers, not booleans`);
        if (args.some((a) => a.t === 'double')) {
          const fs = args.map((a, i) => asDouble(a, argPos(i)));
          return { t: 'double', f: (c) => {
            let best = fs[0]!(c);
            for (let i = 1; i < fs.length; i++) { const v = fs[i]!(c); if (isLeast ? v < best : v > best) best = v; }
            return best;
          } };
        }
        if (args.some((a) => a.t === 'big')) {
          const fs = args.map((a, i) => asBig(a, argPos(i)));
          return { t: 'big', f: (c) => {
            let best = fs[0]!(c);
            for (let i = 1; i < fs.length; i++) { const v = fs[i]!(c); if (isLeast ? v < best : v > best) best = v; }
            return best;
          } };
        }
        const fs = args.map((a) => (a as { f: NumFn }).f);
        return { t: 'int', f: (c) => {
          let best = fs[0]!(c);
          for (let i = 1; i < fs.length; i++) { const v = fs[i]!(c); if (isLeast ? v < best : v > best) best = v; }
          return best;
        } };
      }
      case 'random': {
        arity(name, node.args, pos, 2, 2);
        const lb = asInt(args[0]!, argPos(0)), ub = asInt(args[1]!, argPos(1));
        return { t: 'int', f: (c) => randomUniform(c.rng, lb(c), ub(c), where) };
      }
      case 'random_exponential':
      case 'random_gaussian':
      case 'random_zipfian': {
        arity(name, node.args, pos, 3, 3);
        const lb = asInt(args[0]!, argPos(0)), ub = asInt(args[1]!, argPos(1)), prm = asDouble(args[2]!, argPos(2));
        const draw = name === 'random_exponential' ? randomExponential : name === 'random_gaussian' ? randomGaussian : randomZipfian;
        return { t: 'int', f: (c) => draw(c.rng, lb(c), ub(c), prm(c), where) };
      }
      case 'hash':
      case 'hash_murmur2':
      case 'hash_fnv1a': {
        arity(name, node.args, pos, 1, 2);
        const v = asBig(args[0]!, argPos(0));
        // As in pgbench, the seed defaults to the :default_seed variable.
        const seedExpr = args[1] ?? compile({ k: 'var', name: 'default_seed', pos });
        const s = asBig(seedExpr, args[1] ? argPos(1) : pos);
        const h = name === 'hash_fnv1a' ? hashFnv1a : hashMurmur2;
        return { t: 'big', f: (c) => h(v(c), s(c)) };
      }
      default:
        return fail(pos, `unknown function ${name}() (supported: abs, double, exp, greatest, hash, hash_fnv1a, hash_murmur2, int, least, ln, mod, pi, pow, power, random, random_exponential, random_gaussian, random_zipfian, sqrt)`);
    }
  };

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
        if (node.op === '~') return bitwise('#', a, { t: 'int', f: () => -1 }, node.pos);
        if (a.t === 'int') { const f = a.f; return { t: 'int', f: (c) => 0 - f(c) }; }
        if (a.t === 'double') { const f = a.f; return { t: 'double', f: (c) => -f(c) }; }
        if (a.t === 'big') { const f = a.f; return { t: 'big', f: (c) => checkBig(-f(c), where) }; }
        return fail(node.pos, 'cannot negate a boolean');
      }
      case 'binary': {
        const { op, pos } = node;
        if (op === 'and' || op === 'or') {
          const a = asBool(compile(node.l)), b = asBool(compile(node.r));
          return op === 'and' ? { t: 'bool', f: (c) => a(c) && b(c) } : { t: 'bool', f: (c) => a(c) || b(c) };
        }
        const l = compile(node.l), r = compile(node.r);
        if (op === '+' || op === '-' || op === '*' || op === '/' || op === '%') return arith(op, l, r, pos);
        if (op === '&' || op === '|' || op === '#' || op === '<<' || op === '>>') return bitwise(op, l, r, pos);
        return compare(op, l, r, pos);
      }
      case 'call':
        return call(node);
      default:
        return fail(0, 'internal error: unknown expression node');
    }
  }

  return compile(ast);
}

/** How a value of each type is sent as a bind parameter: the text pgbench would send. */
export function paramFormatter(t: ValueType): ((v: unknown) => unknown) | null {
  switch (t) {
    case 'double':
      return (v) => formatDouble(v as number);
    case 'bool':
      return (v) => ((v as boolean) ? 'true' : 'false');
    default:
      return null; // numbers and BigInts: pg's toString() already matches pgbench's %lld
  }
}
