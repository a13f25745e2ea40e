// pgbench's built-in functions for \set: the hashes and random draws, computed as pgbench
// computes them, and how a call to each is type-checked and compiled.

import type { Prng } from '../prng.js';
import { arith, asBig, asDouble, asInt } from './operators.js';
import type { Ast } from './parser.js';
import type { CompiledExpr, CompileEnv, NumFn } from './types.js';
import { ScriptRuntimeError, checkBig, formatDouble } from './values.js';

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

export function randomUniform(rng: Prng, lb: number, ub: number, where: string): number {
  if (ub < lb) throw new ScriptRuntimeError(`${where}: empty range given to random`);
  const n = ub - lb + 1;
  if (n > 9007199254740992) throw new ScriptRuntimeError(`${where}: random range is too large`);
  return lb + rng.below(n);
}

/** pgbench's getExponentialRand. */
export function randomExponential(rng: Prng, lb: number, ub: number, param: number, where: string): number {
  if (ub < lb) throw new ScriptRuntimeError(`${where}: empty range given to random_exponential`);
  if (!(param > 0))
    throw new ScriptRuntimeError(
      `${where}: exponential parameter must be greater than zero (not ${formatDouble(param)})`,
    );
  const cut = Math.exp(-param);
  const uniform = 1.0 - rng.nextDouble();
  const r = -Math.log(cut + (1.0 - cut) * uniform) / param;
  return lb + Math.trunc((ub - lb + 1) * r);
}

/** pgbench's getGaussianRand: Box-Muller, redrawn outside [-param, param). */
export function randomGaussian(rng: Prng, lb: number, ub: number, param: number, where: string): number {
  if (ub < lb) throw new ScriptRuntimeError(`${where}: empty range given to random_gaussian`);
  if (!(param >= 2.0))
    throw new ScriptRuntimeError(`${where}: gaussian parameter must be at least 2.0 (not ${formatDouble(param)})`);
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
  if (!(s >= 1.001 && s <= 1000))
    throw new ScriptRuntimeError(`${where}: zipfian parameter must be in range [1.001, 1000] (not ${formatDouble(s)})`);
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

function arity(env: CompileEnv, name: string, args: Ast[], pos: number, min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    env.fail(pos, `function ${name}() takes ${want} argument${min === 1 && max === 1 ? '' : 's'}, got ${args.length}`);
  }
}

/** Compiles a call of a built-in function; `compile` compiles its arguments. */
export function compileCall(
  env: CompileEnv,
  node: Extract<Ast, { k: 'call' }>,
  compile: (node: Ast) => CompiledExpr,
): CompiledExpr {
  const { name, pos } = node;
  const where = env.where(pos);
  const args = node.args.map(compile);
  const argPos = (i: number): number => node.args[i]!.pos;
  switch (name) {
    case 'abs': {
      arity(env, name, node.args, pos, 1, 1);
      const a = args[0]!;
      if (a.t === 'int') {
        const f = a.f;
        return { t: 'int', f: (c) => Math.abs(f(c)) };
      }
      if (a.t === 'double') {
        const f = a.f;
        return { t: 'double', f: (c) => Math.abs(f(c)) };
      }
      if (a.t === 'big') {
        const f = a.f;
        return {
          t: 'big',
          f: (c) => {
            const v = f(c);
            return checkBig(v < 0n ? -v : v, where);
          },
        };
      }
      return env.fail(argPos(0), 'abs() needs a number, not a boolean');
    }
    case 'int': {
      arity(env, name, node.args, pos, 1, 1);
      const a = args[0]!;
      if (a.t === 'big') return a;
      return { t: 'int', f: asInt(env, a, argPos(0)) };
    }
    case 'double': {
      arity(env, name, node.args, pos, 1, 1);
      return { t: 'double', f: asDouble(env, args[0]!, argPos(0)) };
    }
    case 'sqrt':
    case 'exp':
    case 'ln': {
      arity(env, name, node.args, pos, 1, 1);
      const f = asDouble(env, args[0]!, argPos(0));
      const m = name === 'sqrt' ? Math.sqrt : name === 'exp' ? Math.exp : Math.log;
      return { t: 'double', f: (c) => m(f(c)) };
    }
    case 'pow':
    case 'power': {
      arity(env, name, node.args, pos, 2, 2);
      const a = asDouble(env, args[0]!, argPos(0)),
        b = asDouble(env, args[1]!, argPos(1));
      return { t: 'double', f: (c) => Math.pow(a(c), b(c)) };
    }
    case 'pi':
      arity(env, name, node.args, pos, 0, 0);
      return { t: 'double', f: () => Math.PI };
    case 'mod':
      arity(env, name, node.args, pos, 2, 2);
      return arith(env, '%', args[0]!, args[1]!, pos);
    case 'least':
    case 'greatest': {
      arity(env, name, node.args, pos, 1, Infinity);
      const isLeast = name === 'least';
      if (args.some((a) => a.t === 'bool')) return env.fail(pos, `${name}() needs numbers, not booleans`);
      if (args.some((a) => a.t === 'double')) {
        const fs = args.map((a, i) => asDouble(env, a, argPos(i)));
        return {
          t: 'double',
          f: (c) => {
            let best = fs[0]!(c);
            for (let i = 1; i < fs.length; i++) {
              const v = fs[i]!(c);
              if (isLeast ? v < best : v > best) best = v;
            }
            return best;
          },
        };
      }
      if (args.some((a) => a.t === 'big')) {
        const fs = args.map((a, i) => asBig(env, a, argPos(i)));
        return {
          t: 'big',
          f: (c) => {
            let best = fs[0]!(c);
            for (let i = 1; i < fs.length; i++) {
              const v = fs[i]!(c);
              if (isLeast ? v < best : v > best) best = v;
            }
            return best;
          },
        };
      }
      const fs = args.map((a) => (a as { f: NumFn }).f);
      return {
        t: 'int',
        f: (c) => {
          let best = fs[0]!(c);
          for (let i = 1; i < fs.length; i++) {
            const v = fs[i]!(c);
            if (isLeast ? v < best : v > best) best = v;
          }
          return best;
        },
      };
    }
    case 'random': {
      arity(env, name, node.args, pos, 2, 2);
      const lb = asInt(env, args[0]!, argPos(0)),
        ub = asInt(env, args[1]!, argPos(1));
      return { t: 'int', f: (c) => randomUniform(c.rng, lb(c), ub(c), where) };
    }
    case 'random_exponential':
    case 'random_gaussian':
    case 'random_zipfian': {
      arity(env, name, node.args, pos, 3, 3);
      const lb = asInt(env, args[0]!, argPos(0)),
        ub = asInt(env, args[1]!, argPos(1)),
        prm = asDouble(env, args[2]!, argPos(2));
      const draw =
        name === 'random_exponential' ? randomExponential : name === 'random_gaussian' ? randomGaussian : randomZipfian;
      return { t: 'int', f: (c) => draw(c.rng, lb(c), ub(c), prm(c), where) };
    }
    case 'hash':
    case 'hash_murmur2':
    case 'hash_fnv1a': {
      arity(env, name, node.args, pos, 1, 2);
      const v = asBig(env, args[0]!, argPos(0));
      // As in pgbench, the seed defaults to the :default_seed variable.
      const seedExpr = args[1] ?? compile({ k: 'var', name: 'default_seed', pos });
      const s = asBig(env, seedExpr, args[1] ? argPos(1) : pos);
      const h = name === 'hash_fnv1a' ? hashFnv1a : hashMurmur2;
      return { t: 'big', f: (c) => h(v(c), s(c)) };
    }
    default:
      return env.fail(
        pos,
        `unknown function ${name}() (supported: abs, double, exp, greatest, ` +
          'hash, hash_fnv1a, hash_murmur2, int, least, ln, mod, pi, pow, power, ' +
          'random, random_exponential, random_gaussian, random_zipfian, sqrt)',
      );
  }
}
