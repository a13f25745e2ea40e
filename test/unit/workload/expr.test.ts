import { describe, expect, it } from 'vitest';
import {
  compileExpression,
  formatDouble,
  hashFnv1a,
  hashMurmur2,
  parseExpression,
  paramFormatter,
  randomExponential,
  randomGaussian,
  randomUniform,
  randomZipfian,
  rint,
  type EvalContext,
  type ValueType,
} from '../../../src/workload/expr/index.js';
import { Prng } from '../../../src/workload/prng.js';

/** Evaluates one \set expression and renders it as the text pgbench would bind. */
function evalText(src: string, vars: Record<string, [ValueType, unknown]> = {}, seed = 1): string {
  const fail = (offset: number, message: string): never => {
    throw new Error(`${offset}: ${message}`);
  };
  const names = Object.keys(vars);
  const ast = parseExpression(src, 0, src.length, fail);
  const e = compileExpression(ast, {
    fail,
    where: () => 'expr',
    resolveVar: (name, pos) => {
      const i = names.indexOf(name);
      if (i < 0) return fail(pos, `undefined ${name}`);
      return { slot: i, type: vars[name]![0] };
    },
  });
  const ctx: EvalContext = { vars: names.map((n) => vars[n]![1]), rng: new Prng(seed) };
  const v = (e.f as (c: EvalContext) => unknown)(ctx);
  const fmt = paramFormatter(e.t);
  return String(fmt ? fmt(v) : v);
}

const seed777: Record<string, [ValueType, unknown]> = { default_seed: ['int', 777] };

describe('pgbench expression semantics (expected values produced by pgbench 15 -M prepared)', () => {
  // Each pair was obtained by running `\set x <expr>` then `INSERT … VALUES (:x)` through
  // pgbench 15.20 with -M prepared -D default_seed=777 and reading back the text it bound.
  const cases: [string, string][] = [
    ['hash(10, 5432)', '-5817877081768721676'],
    ['hash_murmur2(-1, 0)', '4219408603045787357'],
    ['hash_fnv1a(10, 5432)', '-7793829335365542153'],
    ['hash_fnv1a(-123456789, 0)', '-5585977156554308304'],
    ['hash(123456789012)', '8775559787841146951'],
    ['hash_murmur2(0, 1)', '6469830575553437113'],
    ['7 / -2', '-3'],
    ['-7 % 3', '-1'],
    ['7.0 / 2', '3.5'],
    ['0.1 + 0.2', '0.3'],
    ['least(3, 2.5, 7)', '2.5'],
    ['greatest(1, 2, 3)', '3'],
    ['abs(-5)', '5'],
    ['int(-3.9)', '-4'],
    ['1e20', '1e+20'],
    ['pi()', '3.14159265358979'],
    ['5 % -1', '0'],
    ['hash(10) % 1000', '748'],
    ['2 < 3', 'true'],
    ['1 + 2 * 3 - 4 / 3', '6'],
    ['double(7) / 2', '3.5'],
    ['9223372036854775807 / 2', '4611686018427387903'],
    ['1.0 / 3', '0.333333333333333'],
    ['sqrt(2)', '1.4142135623731'],
    ['mod(-7, 3)', '-1'],
    ['-2147483648 * 3', '-6442450944'],
    ['1.5e3', '1500'],
    ['1e300 * 10', '1e+301'],
    ['0.00001234', '1.234e-05'],
    ['2.5', '2.5'],
    ['int(2.5)', '2'],
    ['int(3.5)', '4'],
    ['1.0e15', '1e+15'],
    ['123456789012345678.0', '1.23456789012346e+17'],
    ['5.5 % 2', '0'],
    ['-9223372036854775808', '-9223372036854775808'],
    ['1 = 1.0', 'true'],
  ];
  it.each(cases)('%s = %s', (expr, expected) => {
    expect(evalText(expr, seed777)).toBe(expected);
  });

  it('applies precedence, unary minus, parentheses and bitwise operators', () => {
    expect(evalText('-(2 + 3) * 4')).toBe('-20');
    expect(evalText('2 + 3 * 4 % 5')).toBe('4');
    expect(evalText('1 | 2')).toBe('3');
    expect(evalText('1 # 3')).toBe('2');
    expect(evalText('~ 1')).toBe('-2');
    expect(evalText('1 << 2')).toBe('4');
    expect(evalText('8 >> 2')).toBe('2');
    expect(evalText('not (1 > 2) and 3 >= 3')).toBe('true');
    expect(evalText('least(5, 3, 9) + greatest(-1, -7)')).toBe('2');
    expect(evalText('abs(-2.5)')).toBe('2.5');
    expect(evalText(':x * 2 + :y', { x: ['int', 21], y: ['double', 0.5] })).toBe('42.5');
  });

  it('matches pgbench integer division and modulo signs', () => {
    for (const [a, b] of [
      [7, 2],
      [-7, 2],
      [7, -2],
      [-7, -2],
      [1, 3],
      [-1, 3],
    ] as const) {
      expect(evalText(`${a} / ${b}`.replace('/ -', '/ -'))).toBe(String(Math.trunc(a / b)));
      expect(Number(evalText(`${a} % ${b}`))).toBe(a % b === 0 ? 0 : a % b);
    }
  });

  it('reports runtime errors such as division by zero', () => {
    expect(() => evalText('1 / 0')).toThrow('division by zero');
    expect(() => evalText('1 % 0')).toThrow('division by zero');
    expect(() => evalText('random(5, 1)')).toThrow('empty range given to random');
    expect(() => evalText('random_gaussian(1, 10, 1.5)')).toThrow('gaussian parameter must be at least 2.0');
    expect(() => evalText('random_zipfian(1, 10, 1.0)')).toThrow('zipfian parameter must be in range [1.001, 1000]');
    expect(() => evalText('random_exponential(1, 10, 0)')).toThrow('exponential parameter must be greater than zero');
    expect(() => evalText('9223372036854775807 + 1')).toThrow('bigint out of range');
  });

  it('formats doubles like printf("%.15g")', () => {
    expect(formatDouble(100)).toBe('100');
    expect(formatDouble(-0.0001)).toBe('-0.0001');
    expect(formatDouble(0.00001)).toBe('1e-05');
    expect(formatDouble(123456789012345)).toBe('123456789012345');
    expect(formatDouble(1234567890123456)).toBe('1.23456789012346e+15');
    expect(formatDouble(9.999999999999999e22)).toBe('1e+23');
    expect(formatDouble(Infinity)).toBe('inf');
  });

  it('rounds like C rint (half to even)', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6].map(rint)).toEqual([0, 2, 2, -0, -2, 2, -3]);
  });

  it('hash functions are pure functions of value and seed', () => {
    expect(hashMurmur2(10n, 5432n)).toBe(-5817877081768721676n);
    expect(hashFnv1a(10n, 5432n)).toBe(-7793829335365542153n);
  });
});

describe('random functions (100k seeded draws)', () => {
  const N = 100_000;
  const draw = (f: (rng: Prng) => number, seed = 42): number[] => {
    const rng = new Prng(seed, 1);
    return Array.from({ length: N }, () => f(rng));
  };
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

  it('random(lb, ub) is uniform within bounds', () => {
    const xs = draw((r) => randomUniform(r, 1, 100, 'x'));
    expect(Math.min(...xs)).toBe(1);
    expect(Math.max(...xs)).toBe(100);
    // Mean 50.5, sd of the mean = sqrt((100^2-1)/12 / N) ≈ 0.091: allow 5 sd.
    expect(Math.abs(mean(xs) - 50.5)).toBeLessThan(0.46);
    const counts = new Array(100).fill(0);
    for (const x of xs) counts[x - 1]++;
    // Chi-square with 99 df: the 99.9% quantile is about 148.
    const chi = counts.reduce((s, c) => s + (c - N / 100) ** 2 / (N / 100), 0);
    expect(chi).toBeLessThan(148);
  });

  it('random over a range wider than 2^32 stays within bounds', () => {
    const xs = draw((r) => randomUniform(r, -(2 ** 40), 2 ** 40, 'x'), 7).slice(0, 10_000);
    expect(xs.every((x) => Number.isInteger(x) && x >= -(2 ** 40) && x <= 2 ** 40)).toBe(true);
    expect(Math.abs(mean(xs)) / 2 ** 40).toBeLessThan(0.05);
  });

  it('random_exponential matches the truncated exponential mean', () => {
    const [lb, ub, p] = [1, 100, 5];
    const xs = draw((r) => randomExponential(r, lb, ub, p, 'x'));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(lb);
    expect(Math.max(...xs)).toBeLessThanOrEqual(ub);
    const n = ub - lb + 1;
    let expected = 0;
    for (let k = 0; k < n; k++)
      expected += (lb + k) * ((Math.exp((-p * k) / n) - Math.exp((-p * (k + 1)) / n)) / (1 - Math.exp(-p)));
    expect(Math.abs(mean(xs) - expected) / expected).toBeLessThan(0.01);
  });

  it('random_gaussian is centred with the truncated normal spread', () => {
    const [lb, ub, p] = [1, 1000, 2.5];
    const xs = draw((r) => randomGaussian(r, lb, ub, p, 'x'));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(lb);
    expect(Math.max(...xs)).toBeLessThanOrEqual(ub);
    expect(Math.abs(mean(xs) - 500)).toBeLessThan(2);
    // 68% of a normal lies within 1 sd = 1000 / (2 * 2.5) = 200 of the centre (truncation at 2.5 sd raises it to ~69.7%).
    const within = xs.filter((x) => Math.abs(x - 500.5) <= 200).length / N;
    expect(within).toBeGreaterThan(0.68);
    expect(within).toBeLessThan(0.715);
  });

  it('random_zipfian matches the Zipf mean', () => {
    const [lb, ub, s] = [1, 100, 1.5];
    const xs = draw((r) => randomZipfian(r, lb, ub, s, 'x'));
    expect(Math.min(...xs)).toBe(1);
    expect(Math.max(...xs)).toBeLessThanOrEqual(ub);
    let h = 0;
    let m = 0;
    for (let k = 1; k <= ub; k++) {
      h += k ** -s;
      m += k * k ** -s;
    }
    expect(Math.abs(mean(xs) - m / h) / (m / h)).toBeLessThan(0.03);
    expect(xs.filter((x) => x === 1).length / N).toBeCloseTo(1 / h, 2);
  });

  it('is deterministic per seed and differs between streams', () => {
    const a = draw((r) => r.nextU32()).slice(0, 5);
    const b = draw((r) => r.nextU32()).slice(0, 5);
    expect(a).toEqual(b);
    const other = new Prng(42, 2);
    expect(Array.from({ length: 5 }, () => other.nextU32())).not.toEqual(a);
  });
});
