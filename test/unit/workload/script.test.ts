import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { loadWorkload, tablesCreatedBy } from '../../../src/workload/index.js';
import { compileScript, parseScript, STEP_SQL } from '../../../src/workload/script.js';

/** The one-line message of the UserError `fn` throws. */
function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a UserError');
}
const compile = (text: string, file = 's.sql') => compileScript(parseScript(text, file), 0);

describe('pgbench script parser', () => {
  it('splits SQL on top-level semicolons across lines, skipping comments and quotes', () => {
    const p = parseScript(
      [
        '-- leading comment',
        '\\set id random(1, 10)',
        'SELECT 1 /* ; in a comment */,',
        '  \';\' AS semi, $$ ; $$, $tag$ ; :not_a_var $tag$, "a;b" -- ; trailing',
        '  FROM t WHERE x = :id;',
        'SELECT f(a; b) ; ;',
        "SELECT E'\\';' ; SELECT 2",
      ].join('\n'),
      'q.sql',
    );
    expect(p.commands.map((c) => c.kind)).toEqual(['set', 'sql', 'sql', 'sql', 'sql']);
    const sql = p.commands.filter((c) => c.kind === 'sql').map((c) => (c as { text: string }).text);
    expect(sql[0]).toBe(
      'SELECT 1 /* ; in a comment */,\n  \';\' AS semi, $$ ; $$, $tag$ ; :not_a_var $tag$, "a;b" -- ; trailing\n  FROM t WHERE x = $1',
    );
    expect(sql[1]).toBe('SELECT f(a; b)');
    expect(sql[2]).toBe("SELECT E'\\';'");
    expect(sql[3]).toBe('SELECT 2');
  });

  it('turns each :var into its own bind parameter and leaves :: casts and slices alone', () => {
    const s = compile("\\set a 1\n\\set b 2.5\nSELECT :a::int, :b, :a, arr[1:2], 'x:a' FROM t WHERE f(x := 1);");
    const step = s.steps.find((x) => x.k === STEP_SQL)!;
    expect(step.k === STEP_SQL && step.text).toBe("SELECT $1::int, $2, $3, arr[1:2], 'x:a' FROM t WHERE f(x := 1)");
    expect(step.k === STEP_SQL && step.paramSlots).toEqual([s.slots.get('a'), s.slots.get('b'), s.slots.get('a')]);
  });

  it('reads \\sleep amounts, units and variables, and backslash-continued \\set', () => {
    const p = parseScript('\\set n 5 \\\n  + 1\n\\sleep 10 ms\n\\sleep :n us\n\\sleep 2\nSELECT 1', 'z.sql');
    expect(p.commands.map((c) => c.kind)).toEqual(['set', 'sleep', 'sleep', 'sleep', 'sql']);
    expect(p.commands[1]).toMatchObject({ amount: 10, unitUs: 1000 });
    expect(p.commands[2]).toMatchObject({ amount: { name: 'n' }, unitUs: 1 });
    expect(p.commands[3]).toMatchObject({ amount: 2, unitUs: 1_000_000 });
  });

  it('rejects unsupported meta-commands with file:line:col', () => {
    expect(userError(() => parseScript('SELECT 1;\n  \\shell echo hi\n', 'w/x.sql'))).toBe(
      'w/x.sql:2:3: unsupported pgbench meta-command \\shell (supported: \\set, \\sleep)',
    );
    expect(userError(() => parseScript('\\if true\nSELECT 1;\n\\endif', 'x.sql'))).toBe(
      'x.sql:1:1: unsupported pgbench meta-command \\if (supported: \\set, \\sleep)',
    );
    expect(userError(() => parseScript('SELECT 1 \\gset\n', 'x.sql'))).toBe(
      'x.sql:1:10: unsupported pgbench meta-command \\gset (supported: \\set, \\sleep)',
    );
    expect(userError(() => parseScript('\\frobnicate\n', 'x.sql'))).toBe(
      'x.sql:1:1: unknown pgbench meta-command \\frobnicate (supported: \\set, \\sleep)',
    );
  });

  it('reports bad expressions at the offending column', () => {
    expect(userError(() => compile('SELECT 1;\n\\set x 1 + * 2\n', 'e.sql'))).toBe(
      'e.sql:2:12: syntax error in expression at "*"',
    );
    expect(userError(() => compile('\\set x random(1)\nSELECT :x', 'e.sql'))).toBe(
      'e.sql:1:8: function random() takes 2 arguments, got 1',
    );
    expect(userError(() => compile('\\set x nosuch(1)\n', 'e.sql'))).toMatch(
      /^e\.sql:1:8: unknown function nosuch\(\)/,
    );
    expect(userError(() => compile('\\set x (1 + 2\n', 'e.sql'))).toBe(
      'e.sql:1:14: syntax error in expression at end of expression',
    );
    expect(userError(() => compile('\\set x 1 +\n', 'e.sql'))).toBe(
      'e.sql:1:11: syntax error in expression at end of expression',
    );
    expect(userError(() => compile('\\set x 99999999999999999999\n', 'e.sql'))).toBe(
      'e.sql:1:8: bigint constant overflow: 99999999999999999999',
    );
    expect(userError(() => compile('\\set\n', 'e.sql'))).toBe('e.sql:1:5: missing variable name in \\set');
    expect(userError(() => compile('\\set x\n', 'e.sql'))).toBe('e.sql:1:7: missing expression');
    expect(userError(() => compile('\\set x (1 < 2) + 1\n', 'e.sql'))).toBe(
      'e.sql:1:16: cannot apply "+" to a boolean',
    );
    expect(userError(() => compile('\\sleep 1 hour\n', 'e.sql'))).toBe(
      'e.sql:1:10: unrecognized time unit "hour", must be us, ms or s',
    );
    expect(userError(() => compile('\\sleep abc\n', 'e.sql'))).toBe(
      'e.sql:1:8: invalid sleep time "abc", must be an integer or a :variable',
    );
  });

  it('reports undefined variables, unterminated quotes and empty scripts', () => {
    expect(userError(() => compile('\\set a 1\nSELECT * FROM t\n WHERE x = :b;', 'u.sql'))).toBe(
      'u.sql:3:12: undefined variable :b (set it with \\set before using it in this script)',
    );
    expect(userError(() => compile("SELECT 'abc;\n", 'u.sql'))).toBe('u.sql:1:8: unterminated quoted string');
    expect(userError(() => compile('-- only a comment\n', 'u.sql'))).toBe('u.sql:1:1: script contains no commands');
    expect(userError(() => compile('/* open\n', 'u.sql'))).toBe('u.sql:1:1: unterminated /* comment');
  });

  it('knows pgbench predefined variables', () => {
    const s = compile('SELECT :scale, :client_id, :random_seed, :default_seed;');
    expect(s.statements).toBe(1);
    expect(userError(() => compile('SELECT :scale;\n\\set scale 1.5'))).toMatch(
      /^s\.sql:1:8: variable :scale is used before this script sets it/,
    );
  });

  it('never throws anything but a UserError on random input (fuzz)', () => {
    const alphabet = fc.constantFrom(
      ...'\\set \\sleep \\shell \\gset ; : :: :x $$ $a$ \' " -- /* */ ( ) + - * / % , random( hash( least( 1 2.5 1e3 e SELECT x \n \r\n \t ~ << >= <> != and or not true'.split(
        ' ',
      ),
      ' ',
      '\n',
      '\\',
    );
    const scriptArb = fc.oneof(
      fc.array(alphabet, { maxLength: 40 }).map((a) => a.join('')),
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    fc.assert(
      fc.property(scriptArb, (text) => {
        try {
          compile(text, 'fuzz.sql');
        } catch (error) {
          if (!(error instanceof UserError)) throw error;
          expect(error.message.startsWith('fuzz.sql:')).toBe(true);
          expect(error.message).not.toContain('\n');
        }
      }),
      { numRuns: 3000, seed: 20240501 },
    );
  });

  it('survives deeply nested expressions with a UserError', () => {
    expect(userError(() => compile(`\\set x ${'('.repeat(5000)}1${')'.repeat(5000)}\n`))).toMatch(
      /nested more than 200 levels deep/,
    );
  });
});

describe('loadWorkload for script files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pgscale-wl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names a missing script file', async () => {
    await expect(
      loadWorkload(
        { kind: 'scripts', name: 'w', scripts: [{ file: path.join(dir, 'nope.sql'), weight: 1 }], setup: [] },
        dir,
      ),
    ).rejects.toThrow(new UserError('workload.scripts[0].file: cannot read script file nope.sql: file not found'));
  });

  it('reports script errors with the path relative to the config directory, and digests files', async () => {
    writeFileSync(path.join(dir, 'bad.sql'), 'SELECT 1;\n\\setshell x echo 1\n');
    await expect(
      loadWorkload(
        { kind: 'scripts', name: 'w', scripts: [{ file: path.join(dir, 'bad.sql'), weight: 1 }], setup: [] },
        dir,
      ),
    ).rejects.toThrow('bad.sql:2:1: unsupported pgbench meta-command \\setshell (supported: \\set, \\sleep)');

    writeFileSync(path.join(dir, 'ok.sql'), 'SELECT 1;\n');
    writeFileSync(
      path.join(dir, 'schema.sql'),
      'CREATE TABLE IF NOT EXISTS public.orders(id int); create temp table t(x int); CREATE UNLOGGED TABLE "Items"(x int);',
    );
    const w = await loadWorkload(
      {
        kind: 'scripts',
        name: 'orders',
        scripts: [{ file: path.join(dir, 'ok.sql'), weight: 2 }],
        setup: [path.join(dir, 'schema.sql')],
      },
      dir,
    );
    expect(w.name).toBe('orders');
    expect(w.files).toEqual([
      { path: 'ok.sql', role: 'script', sha256: createHash('sha256').update('SELECT 1;\n').digest('hex') },
      {
        path: 'schema.sql',
        role: 'setup',
        sha256: createHash('sha256')
          .update(readFileSync(path.join(dir, 'schema.sql')))
          .digest('hex'),
      },
    ]);
    expect(w.requiredTables).toEqual(['public.orders', '"Items"']);
  });

  it('finds the tables setup SQL creates', () => {
    expect(
      tablesCreatedBy([
        '-- create table nope(x int)\ncreate table a(x int); CREATE TABLE IF NOT EXISTS s . "B c"(y int); select \'create table q\'',
      ]),
    ).toEqual(['a', 's."B c"']);
  });
});
