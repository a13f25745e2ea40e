// The values of a \set expression at run time: the range checks of pgbench's integer maths,
// its double-to-integer rounding, and how values are written out as text.

import type { ValueType } from './types.js';

/** A runtime failure of a script (division by zero, a bad random range …); `code` is what the runner counts. */
export class ScriptRuntimeError extends Error {
  readonly code = 'SCRIPT';
  constructor(message: string) {
    super(message);
    this.name = 'ScriptRuntimeError';
  }
}

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;
const SAFE = Number.MAX_SAFE_INTEGER;

export function checkInt(v: number, where: string): number {
  if (v > SAFE || v < -SAFE)
    throw new ScriptRuntimeError(`${where}: integer out of range (pgscale evaluates integers exactly up to 2^53)`);
  return v;
}
export function checkBig(v: bigint, where: string): bigint {
  if (v > INT64_MAX || v < INT64_MIN) throw new ScriptRuntimeError(`${where}: bigint out of range`);
  return v;
}
/** C rint(): round half to even, as pgbench coerces doubles to integers. */
export function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
export function doubleToInt(x: number, where: string): number {
  const r = rint(x);
  if (!Number.isFinite(r) || r > SAFE || r < -SAFE)
    throw new ScriptRuntimeError(`${where}: double to int overflow for ${formatDouble(x)}`);
  return r;
}
export function bigToInt(x: bigint, where: string): number {
  if (x > 9007199254740991n || x < -9007199254740991n)
    throw new ScriptRuntimeError(`${where}: integer ${x} is beyond 2^53, which this argument does not accept`);
  return Number(x);
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
