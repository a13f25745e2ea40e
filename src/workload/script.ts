// pgbench script files: a parser (SQL commands ending with `;`, `--` and `/* */` comments,
// meta-commands \set and \sleep) and a compiler that turns a script into a flat array of steps
// with precompiled expressions and parameterised SQL (`:name` becomes $n, never spliced in).

import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import {
  compileExpression,
  paramFormatter,
  parseExpression,
  type Ast,
  type CompiledExpr,
  type EvalContext,
  type ValueType,
} from './expr/index.js';

export type ScriptCommand =
  | { kind: 'sql'; text: string; params: { name: string; pos: number }[]; pos: number }
  | { kind: 'set'; name: string; expr: Ast; pos: number }
  | { kind: 'sleep'; amount: number | { name: string; pos: number }; unitUs: number; pos: number };

export interface ParsedScript {
  file: string;
  source: string;
  commands: ScriptCommand[];
}

const SUPPORTED = '(supported: \\set, \\sleep)';
/** pgbench meta-commands that exist but that pgscale does not run. */
const KNOWN_UNSUPPORTED = new Set([
  'shell',
  'setshell',
  'if',
  'elif',
  'else',
  'endif',
  'gset',
  'aset',
  'startpipeline',
  'endpipeline',
]);

/** 1-based line and column of an offset. */
export function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

export function scriptError(file: string, text: string, offset: number, message: string): UserError {
  const { line, column } = lineCol(text, offset);
  return new UserError(message, { file, line, column });
}

function isNameChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code > 127
  );
}
function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n' || ch === '\f' || ch === '\v';
}

/** Parses a pgbench script; every problem is a UserError with file:line:column. */
export function parseScript(source: string, file: string): ParsedScript {
  const fail = (offset: number, message: string): never => {
    throw scriptError(file, source, offset, message);
  };
  const n = source.length;
  const commands: ScriptCommand[] = [];

  /** Skips a `/* … *\/` comment (nested, as in PostgreSQL) starting at i; returns the offset after it. */
  const skipBlockComment = (i: number): number => {
    let depth = 0;
    let j = i;
    while (j < n) {
      if (source[j] === '/' && source[j + 1] === '*') {
        depth++;
        j += 2;
      } else if (source[j] === '*' && source[j + 1] === '/') {
        depth--;
        j += 2;
        if (depth === 0) return j;
      } else j++;
    }
    return fail(i, 'unterminated /* comment');
  };
  const skipLine = (i: number): number => {
    const nl = source.indexOf('\n', i);
    return nl < 0 ? n : nl + 1;
  };

  const parseSql = (start: number): number => {
    let i = start;
    let depth = 0;
    const vars: { name: string; from: number; to: number }[] = [];
    let end = n;
    let next = n;
    scan: while (i < n) {
      const ch = source[i]!;
      switch (ch) {
        case "'": {
          const escapes = (source[i - 1] === 'E' || source[i - 1] === 'e') && !isNameChar(source.charCodeAt(i - 2));
          const open = i;
          i++;
          for (;;) {
            if (i >= n) fail(open, 'unterminated quoted string');
            const c = source[i]!;
            if (escapes && c === '\\') i += 2;
            else if (c === "'") {
              if (source[i + 1] === "'") i += 2;
              else {
                i++;
                break;
              }
            } else i++;
          }
          break;
        }
        case '"': {
          const open = i;
          i++;
          for (;;) {
            if (i >= n) fail(open, 'unterminated quoted identifier');
            if (source[i] === '"') {
              if (source[i + 1] === '"') i += 2;
              else {
                i++;
                break;
              }
            } else i++;
          }
          break;
        }
        case '$': {
          const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(source.slice(i, i + 64));
          if (m && !isNameChar(source.charCodeAt(i - 1))) {
            const tag = m[0];
            const close = source.indexOf(tag, i + tag.length);
            if (close < 0) fail(i, `unterminated dollar-quoted string ${tag}`);
            i = close + tag.length;
          } else i++;
          break;
        }
        case '-':
          if (source[i + 1] === '-') i = skipLine(i);
          else i++;
          break;
        case '/':
          if (source[i + 1] === '*') i = skipBlockComment(i);
          else i++;
          break;
        case '(':
          depth++;
          i++;
          break;
        case ')':
          if (depth > 0) depth--;
          i++;
          break;
        case ';':
          if (depth === 0) {
            end = i;
            next = i + 1;
            break scan;
          }
          i++;
          break;
        case '\\':
          // A meta-command ends the SQL text before it, as in pgbench.
          end = i;
          next = i;
          break scan;
        case ':': {
          if (source[i + 1] === ':') {
            while (source[i] === ':') i++; // a :: cast
            break;
          }
          let j = i + 1;
          while (j < n && isNameChar(source.charCodeAt(j))) j++;
          const first = source.charCodeAt(i + 1);
          // `[1:2]` array slices: names starting with a digit are left alone.
          if (j > i + 1 && !(first >= 48 && first <= 57)) vars.push({ name: source.slice(i + 1, j), from: i, to: j });
          i = j > i + 1 ? j : i + 1;
          break;
        }
        default:
          i++;
      }
    }
    let text = '';
    let last = start;
    const params: { name: string; pos: number }[] = [];
    for (const v of vars) {
      params.push({ name: v.name, pos: v.from });
      text += `${source.slice(last, v.from)}$${params.length}`;
      last = v.to;
    }
    text = (text + source.slice(last, end)).trimEnd();
    if (text.length > 0) commands.push({ kind: 'sql', text, params, pos: start });
    return next;
  };

  const parseMeta = (start: number): number => {
    let j = start + 1;
    while (j < n && isNameChar(source.charCodeAt(j))) j++;
    const name = source.slice(start + 1, j);
    // The command runs to the end of the line; a backslash before the newline continues it.
    let lineEnd = j;
    for (;;) {
      const nl = source.indexOf('\n', lineEnd);
      if (nl < 0) {
        lineEnd = n;
        break;
      }
      const before = source[nl - 1] === '\r' ? nl - 2 : nl - 1;
      if (before >= j && source[before] === '\\') lineEnd = nl + 1;
      else {
        lineEnd = nl;
        break;
      }
    }
    // Mask continuations with spaces so offsets still point into the file.
    const args = source.slice(j, lineEnd).replace(/\\(\r?\n)/g, (m) => ' '.repeat(m.length));
    const argFail = (offset: number, message: string): never => fail(j + offset, message);
    const lower = name.toLowerCase();
    if (name === '') fail(start, `invalid meta-command "\\" ${SUPPORTED}`);
    if (lower === 'set') {
      let k = 0;
      while (k < args.length && isSpace(args[k])) k++;
      const nameStart = k;
      while (k < args.length && isNameChar(args.charCodeAt(k))) k++;
      const varName = args.slice(nameStart, k);
      if (varName === '') argFail(nameStart, 'missing variable name in \\set');
      if (k < args.length && !isSpace(args[k]))
        argFail(k, `invalid variable name in \\set: "${args.slice(nameStart).trim().split(/\s/)[0]}"`);
      const expr = parseExpression(args, k, args.length, argFail);
      commands.push({ kind: 'set', name: varName, expr: shiftPositions(expr, j), pos: start });
    } else if (lower === 'sleep') {
      const words: { w: string; at: number }[] = [];
      const re = /\S+/g;
      for (let m = re.exec(args); m; m = re.exec(args)) words.push({ w: m[0], at: m.index });
      if (words.length === 0) fail(start, 'missing argument in \\sleep');
      if (words.length > 2) argFail(words[2]!.at, 'too many arguments in \\sleep');
      const first = words[0]!;
      let amount: number | { name: string; pos: number };
      if (
        first.w.startsWith(':') &&
        first.w.length > 1 &&
        [...first.w.slice(1)].every((c) => isNameChar(c.charCodeAt(0)))
      ) {
        amount = { name: first.w.slice(1), pos: j + first.at };
      } else if (/^[0-9]+$/.test(first.w)) {
        amount = Number(first.w);
        if (!Number.isSafeInteger(amount)) argFail(first.at, `sleep time is too large: ${first.w}`);
      } else {
        return argFail(first.at, `invalid sleep time "${first.w}", must be an integer or a :variable`);
      }
      let unitUs = 1_000_000;
      const unit = words[1];
      if (unit) {
        const u = unit.w.toLowerCase();
        if (u === 'us') unitUs = 1;
        else if (u === 'ms') unitUs = 1000;
        else if (u === 's') unitUs = 1_000_000;
        else argFail(unit.at, `unrecognized time unit "${unit.w}", must be us, ms or s`);
      }
      commands.push({ kind: 'sleep', amount, unitUs, pos: start });
    } else if (KNOWN_UNSUPPORTED.has(lower)) {
      fail(start, `unsupported pgbench meta-command \\${name} ${SUPPORTED}`);
    } else {
      fail(start, `unknown pgbench meta-command \\${name} ${SUPPORTED}`);
    }
    return lineEnd;
  };

  let i = 0;
  for (;;) {
    while (i < n && isSpace(source[i])) i++;
    if (i >= n) break;
    if (source[i] === '-' && source[i + 1] === '-') i = skipLine(i);
    else if (source[i] === '/' && source[i + 1] === '*') i = skipBlockComment(i);
    else if (source[i] === '\\') i = parseMeta(i);
    else if (source[i] === ';')
      i++; // an empty statement
    else i = parseSql(i);
  }
  if (commands.length === 0) fail(0, 'script contains no commands');
  return { file, source, commands };
}

/** Expression positions are relative to the meta-command's arguments; make them file offsets. */
function shiftPositions(ast: Ast, by: number): Ast {
  switch (ast.k) {
    case 'unary':
      return { ...ast, pos: ast.pos + by, arg: shiftPositions(ast.arg, by) };
    case 'binary':
      return { ...ast, pos: ast.pos + by, l: shiftPositions(ast.l, by), r: shiftPositions(ast.r, by) };
    case 'call':
      return { ...ast, pos: ast.pos + by, args: ast.args.map((a) => shiftPositions(a, by)) };
    default:
      return { ...ast, pos: ast.pos + by };
  }
}

// ---------------------------------------------------------------- compiled form

export const STEP_SET = 0;
export const STEP_SQL = 1;
export const STEP_SLEEP = 2;

export type Step =
  | { k: typeof STEP_SET; slot: number; f: CompiledExpr['f']; where: string }
  | {
      k: typeof STEP_SQL;
      /** Prepared-statement name, unique per (script, statement, text). */
      name: string;
      text: string;
      paramSlots: number[];
      /** Per parameter: how to turn the variable into the text pgbench would send (null = as is). */
      paramFormat: (((v: unknown) => unknown) | null)[];
      /** Where the statement starts, as file:line, to name it when it fails. */
      where: string;
    }
  | { k: typeof STEP_SLEEP; us: number; slot: number; toInt: ((c: EvalContext) => number) | null; unitUs: number };

/** Variables pgbench defines for every client. */
export const PREDEFINED: Record<string, ValueType> = {
  scale: 'int',
  client_id: 'int',
  random_seed: 'int',
  default_seed: 'big',
};

export interface CompiledScript {
  file: string;
  steps: Step[];
  /** Slot of each variable in a worker's per-script variable array. */
  slots: Map<string, number>;
  /** Number of SQL statements per execution. */
  statements: number;
}

/** Type-checks and compiles a parsed script; `index` keeps statement names distinct across scripts. */
export function compileScript(parsed: ParsedScript, index: number): CompiledScript {
  const { file, source } = parsed;
  const fail = (offset: number, message: string): never => {
    throw scriptError(file, source, offset, message);
  };
  const where = (offset: number): string => `${file}:${lineCol(source, offset).line}`;
  const slots = new Map<string, number>();
  const slotOf = (name: string): number => {
    let s = slots.get(name);
    if (s === undefined) {
      s = slots.size;
      slots.set(name, s);
    }
    return s;
  };
  for (const name of Object.keys(PREDEFINED)) slotOf(name);

  // Static types follow the straight-line script: a variable has the type of its latest \set.
  const current = new Map<string, ValueType>();
  const earlyPredefinedUses: { name: string; pos: number }[] = [];
  const resolveVar = (name: string, pos: number): { slot: number; type: ValueType } => {
    const t = current.get(name);
    if (t) return { slot: slotOf(name), type: t };
    const pre = PREDEFINED[name];
    if (pre) {
      earlyPredefinedUses.push({ name, pos });
      return { slot: slotOf(name), type: pre };
    }
    return fail(pos, `undefined variable :${name} (set it with \\set before using it in this script)`);
  };

  const steps: Step[] = [];
  let statements = 0;
  const textHash = createHash('sha256').update(source).digest('hex').slice(0, 8);
  for (const cmd of parsed.commands) {
    if (cmd.kind === 'set') {
      const e = compileExpression(cmd.expr, { resolveVar, fail, where });
      const slot = slotOf(cmd.name);
      current.set(cmd.name, e.t);
      steps.push({ k: STEP_SET, slot, f: e.f, where: where(cmd.pos) });
    } else if (cmd.kind === 'sql') {
      const paramSlots: number[] = [];
      const paramFormat: (((v: unknown) => unknown) | null)[] = [];
      for (const p of cmd.params) {
        const { slot, type } = resolveVar(p.name, p.pos);
        paramSlots.push(slot);
        paramFormat.push(paramFormatter(type));
      }
      steps.push({
        k: STEP_SQL,
        name: `pgscale_${textHash}_${index}_${statements}`,
        text: cmd.text,
        paramSlots,
        paramFormat,
        where: where(cmd.pos),
      });
      statements++;
    } else {
      if (typeof cmd.amount === 'number') {
        steps.push({ k: STEP_SLEEP, us: cmd.amount * cmd.unitUs, slot: -1, toInt: null, unitUs: cmd.unitUs });
      } else {
        const ast: Ast = { k: 'var', name: cmd.amount.name, pos: cmd.amount.pos };
        const e = compileExpression(ast, { resolveVar, fail, where });
        if (e.t === 'bool') fail(cmd.amount.pos, `\\sleep needs an integer, but :${cmd.amount.name} is a boolean`);
        const f = compileExpression(
          { k: 'call', name: 'int', args: [ast], pos: cmd.amount.pos },
          { resolveVar, fail, where },
        ).f as (c: EvalContext) => number | bigint;
        steps.push({
          k: STEP_SLEEP,
          us: 0,
          slot: slotOf(cmd.amount.name),
          toInt: (c) => Number(f(c)),
          unitUs: cmd.unitUs,
        });
      }
    }
  }
  // A predefined variable read before the script reassigns it carries the reassigned value into
  // the next execution, so its type must not change.
  for (const use of earlyPredefinedUses) {
    const finalType = current.get(use.name);
    if (finalType && finalType !== PREDEFINED[use.name]) {
      fail(
        use.pos,
        `variable :${use.name} is used before this script sets it to a ${finalType} value; set it before its first use`,
      );
    }
  }
  return { file, steps, slots, statements };
}
