// The types shared by the stages of pgbench's \set expression language (see index.ts).
//
// Types are static, as a \set script is straight-line code: `int` (a JS number holding an exact
// integer, |x| <= 2^53), `big` (a BigInt int64: hash results and huge literals), `double` and
// `bool`. pgbench's rules hold: an operation with a double operand is double, integer division
// truncates towards zero, `%` and int() round doubles with rint() (half to even).

import type { Prng } from '../prng.js';

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

/** Raised at compile time with the offset in the script text; the script parser adds file:line:col. */
export type Fail = (offset: number, message: string) => never;
export type ResolveVar = (name: string, offset: number) => { slot: number; type: ValueType };

export interface CompileEnv {
  resolveVar: ResolveVar;
  fail: Fail;
  /** "file:line", prefixed to runtime error messages. */
  where: (offset: number) => string;
}

export type NumFn = (c: EvalContext) => number;
export type BigFn = (c: EvalContext) => bigint;
export type BoolFn = (c: EvalContext) => boolean;
