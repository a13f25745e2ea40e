// pgbench's \set expression language: a lexer, a precedence parser to an AST, and a compiler
// that type-checks the AST once and turns it into closures, so the hot path only calls them.
//
// Types are static, as a \set script is straight-line code: `int` (a JS number holding an exact
// integer, |x| <= 2^53), `big` (a BigInt int64: hash results and huge literals), `double` and
// `bool`. pgbench's rules hold: an operation with a double operand is double, integer division
// truncates towards zero, `%` and int() round doubles with rint() (half to even).
//
// lexer.ts → parser.ts (the AST) → compile.ts, with operators.ts (coercions and operators),
// functions.ts (pgbench's built-in functions) and values.ts (range checks, rounding, text).

export type { CompiledExpr, CompileEnv, EvalContext, Fail, ResolveVar, ValueType } from './types.js';
export { parseExpression, type Ast } from './parser.js';
export { compileExpression } from './compile.js';
export {
  hashFnv1a,
  hashMurmur2,
  randomExponential,
  randomGaussian,
  randomUniform,
  randomZipfian,
} from './functions.js';
export { ScriptRuntimeError, formatDouble, paramFormatter, rint } from './values.js';
