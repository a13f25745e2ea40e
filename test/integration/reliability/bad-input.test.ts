// The bad-input corpus, table-driven through the built CLI and the built action: every broken
// input gives exactly one line naming the field or file:line:column, a non-zero exit, and no
// stack trace. Inputs that carry a password must not show it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanEnv,
  createDatabase,
  nonEmptyLines,
  ROOT,
  runAction,
  runCli,
  scratchDir,
  stackLines,
  type CliResult,
} from '../../support/reliability-helpers.js';

const scratch = scratchDir();
/** Nothing listens here: a config that wrongly passed validation fails fast with exit 1, not 2. */
const DEAD_URL = 'postgres://postgres@127.0.0.1:1/none';
const SECRET = 'Hunter2-s3cr3t';

afterAll(() => scratch.remove());

function expectOneLine(result: CliResult, code: number, pattern: RegExp): void {
  const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  expect(result.code, context).toBe(code);
  expect(stackLines(result.stderr), context).toEqual([]);
  expect(stackLines(result.stdout), context).toEqual([]);
  const lines = nonEmptyLines(result.stderr);
  expect(lines, context).toHaveLength(1);
  expect(lines[0], context).toMatch(/^pgscale: /);
  expect(lines[0], context).toMatch(pattern);
  expect(result.stdout + result.stderr, context).not.toContain(SECRET);
}

const PROGRESSIVE =
  'progressive:\n  min_workers: 1\n  max_workers: 2\n  band_duration: 1s\n  warmup_time: 0s\n  cooldown_time: 0s\n';

interface ConfigCase {
  name: string;
  /** config.yaml text; extra files are written next to it. */
  config: string;
  files?: Record<string, string>;
  /** What the single stderr line must contain (the file is config.yaml in the scratch dir). */
  expect: RegExp;
}

const configCases: ConfigCase[] = [
  {
    name: 'YAML syntax error',
    config: 'progressive:\n  min_workers: 1\n  max_workers: [4, 8\n',
    expect: /config\.yaml:\d+:\d+: /i,
  },
  {
    name: 'tab indentation',
    config: 'progressive:\n\tmin_workers: 1\n\tmax_workers: 8\n',
    expect: /config\.yaml:2:1: .*tab/i,
  },
  {
    name: 'wrong type',
    config: 'progressive:\n  min_workers: "ten"\n  max_workers: 8\n',
    expect: /config\.yaml:2:\d+: progressive\.min_workers: expected an integer/,
  },
  {
    name: 'unknown key with a suggestion',
    config: 'progressive:\n  min_workers: 1\n  max_worker: 8\n',
    expect: /config\.yaml:3:\d+: .*max_worker.*did you mean [`"]?max_workers/,
  },
  {
    name: 'unknown top-level key',
    config: `${PROGRESSIVE}workloads: select-only\n`,
    expect: /config\.yaml:7:\d+: .*workloads.*did you mean [`"]?workload/,
  },
  {
    name: 'min over max',
    config: 'progressive:\n  min_workers: 50\n  max_workers: 10\n',
    expect: /config\.yaml:\d+:\d+: progressive\.(min|max)_workers/,
  },
  {
    name: 'step of zero',
    config: 'progressive:\n  min_workers: 1\n  max_workers: 8\n  step_workers: 0\n',
    expect: /config\.yaml:4:\d+: progressive\.step_workers: expected an integer between 1/,
  },
  {
    name: 'error rate out of range',
    config: `${PROGRESSIVE}  max_error_rate: 1.5\n`,
    expect: /config\.yaml:7:\d+: progressive\.max_error_rate: expected a number from 0 to 1/,
  },
  {
    name: 'unknown strategy',
    config: 'progressive:\n  min_workers: 1\n  max_workers: 8\n  strategy: quadratic\n',
    expect: /config\.yaml:4:\d+: progressive\.strategy: expected one of linear, exponential, fibonacci/,
  },
  {
    name: 'unknown workload',
    config: `${PROGRESSIVE}workload: tpcc\n`,
    expect: /config\.yaml:7:\d+: workload: expected one of tpcb/,
  },
  {
    name: 'bad duration',
    config: 'progressive:\n  min_workers: 1\n  max_workers: 8\n  band_duration: "30 seconds"\n',
    expect: /config\.yaml:4:\d+: progressive\.band_duration: /,
  },
  {
    name: 'negative duration',
    config: 'progressive:\n  min_workers: 1\n  max_workers: 8\n  warmup_time: -5\n',
    expect: /config\.yaml:4:\d+: progressive\.warmup_time: /,
  },
  {
    name: 'duration with unknown unit',
    config: 'progressive:\n  min_workers: 1\n  max_workers: 8\n  cooldown_time: 5y\n',
    expect: /config\.yaml:4:\d+: progressive\.cooldown_time: /,
  },
  {
    name: 'huge number',
    config: 'progressive:\n  min_workers: 1\n  max_workers: 100000000\n',
    expect: /config\.yaml:3:\d+: progressive\.max_workers: expected an integer between 1 and 100000/,
  },
  {
    name: 'number beyond double precision',
    config: 'progressive:\n  min_workers: 1\n  max_workers: 1e400\n',
    expect: /config\.yaml:3:\d+: progressive\.max_workers: /,
  },
  { name: 'empty file', config: '', expect: /config\.yaml.*progressive/ },
  { name: 'not a mapping', config: '- progressive\n', expect: /config\.yaml:1:1: / },
  {
    name: 'a list as a key',
    config: '? [a, b]\n: 1\n',
    expect: /config\.yaml:1:3: keys must be plain names, got a list/,
  },
  {
    name: 'a !!binary key (no yaml warning on stderr)',
    config: '!!binary aGVsbG8=: 1\n',
    expect: /config\.yaml:1:\d+: keys must be plain names, got a tagged value/,
  },
  {
    name: 'a key holding a line break stays one line',
    config: `${PROGRESSIVE}"work\\nload": x\n`,
    expect: /config\.yaml:7:1: work\\u000aload: unknown key/,
  },
  {
    name: 'duplicate key',
    config: 'progressive:\n  min_workers: 1\n  max_workers: 8\n  min_workers: 2\n',
    expect: /config\.yaml:4:\d+: .*min_workers/,
  },
  {
    name: 'password of the wrong type, never echoed',
    config: `${PROGRESSIVE}database:\n  host: db\n  password: ${SECRET.length}${'0'.repeat(3)}\n`,
    expect: /config\.yaml:9:\d+: database\.password: expected a string/,
  },
  {
    name: 'url and host together, the url never echoed',
    config: `${PROGRESSIVE}database:\n  url: postgres://u:${SECRET}@db/app\n  host: db\n`,
    expect: /config\.yaml:\d+:\d+: database/,
  },
  {
    name: 'missing script file',
    config: `${PROGRESSIVE}workload:\n  name: orders\n  scripts:\n    - file: missing.sql\n      weight: 2\n`,
    expect: /missing\.sql/,
  },
  {
    name: 'unsupported pgbench meta-command',
    config: `${PROGRESSIVE}workload:\n  name: orders\n  scripts:\n    - file: orders.sql\n`,
    files: { 'orders.sql': '\\set id random(1, 10)\n\\gset\nSELECT :id;\n' },
    expect: /orders\.sql:2:1: .*\\gset/,
  },
  {
    name: 'bad expression in a script',
    config: `${PROGRESSIVE}workload:\n  name: orders\n  scripts:\n    - file: orders.sql\n`,
    files: { 'orders.sql': '\\set id random(1, \n SELECT :id;\n' },
    expect: /orders\.sql:1:\d+: /,
  },
  {
    name: 'script weight of zero',
    config: `${PROGRESSIVE}workload:\n  name: orders\n  scripts:\n    - file: orders.sql\n      weight: 0\n`,
    files: { 'orders.sql': 'SELECT 1;\n' },
    expect: /config\.yaml:11:\d+: workload\.scripts\[0\]\.weight: expected a number greater than 0/,
  },
];

describe('bad configs through the CLI', () => {
  it.each(configCases)('$name', async ({ name, config, files, expect: pattern }) => {
    const dir = join(scratch.dir, name.replace(/[^a-z0-9]+/gi, '-'));
    const path = join(dir, 'config.yaml');
    scratch.write(join(name.replace(/[^a-z0-9]+/gi, '-'), 'config.yaml'), config);
    for (const [file, text] of Object.entries(files ?? {}))
      scratch.write(join(name.replace(/[^a-z0-9]+/gi, '-'), file), text);
    const result = await runCli(['--config', path, '--database-url', DEAD_URL]);
    expectOneLine(result, 2, pattern);
  });

  it('a config file that does not exist', async () => {
    expectOneLine(await runCli(['--config', join(scratch.dir, 'nope.yaml'), '--dry-run']), 2, /nope\.yaml/);
  });

  it('a directory given as the config', async () => {
    expectOneLine(await runCli(['--config', scratch.dir, '--dry-run']), 2, /pgscale-rel-/);
  });
});

describe('bad CLI flags', () => {
  const good = (): string => scratch.write('good.yaml', `${PROGRESSIVE}workload: select-only\n`);
  const cases: Array<{ name: string; args: () => string[]; expect: RegExp }> = [
    {
      name: 'unknown option with a suggestion',
      args: () => ['--config', good(), '--dryrun'],
      expect: /unknown option '--dryrun'.*--dry-run/,
    },
    { name: 'missing --config', args: () => ['--dry-run'], expect: /--config/ },
    { name: 'option without its value', args: () => ['--config'], expect: /--config/ },
    {
      name: 'export format outside its choices',
      args: () => ['--config', good(), '--export-format', 'xml', '--dry-run'],
      expect: /--export-format.*xml/,
    },
    { name: 'unknown command', args: () => ['benchmark', '--config', good()], expect: /benchmark|unknown|too many/i },
    { name: 'analyze without a file', args: () => ['analyze'], expect: /file/ },
  ];
  it.each(cases)('$name', async ({ args, expect: pattern }) => {
    expectOneLine(await runCli(args()), 2, pattern);
  });
});

describe('bad database URLs', () => {
  const cases: Array<{ name: string; url: string; expect: RegExp }> = [
    {
      name: 'not a postgres URL',
      url: `mysql://root:${SECRET}@db/app`,
      expect: /--database-url: expected postgres:\/\/user:\S+@host:port\/dbname, got "mysql:\/\/\*\*\*@db\/app"/,
    },
    { name: 'port out of range', url: `postgres://u:${SECRET}@db:99999/app`, expect: /--database-url: expected/ },
    {
      name: 'malformed with an unencoded @ in the password',
      url: `postgres://u:${SECRET}@x@[db/app`,
      expect: /--database-url: expected/,
    },
    { name: 'a bare password where the URL belongs', url: `${SECRET}`, expect: /--database-url: expected .*not a URL/ },
  ];
  it.each(cases)('$name', async ({ url, expect: pattern }) => {
    const config = scratch.write('url.yaml', `${PROGRESSIVE}workload: select-only\n`);
    expectOneLine(await runCli(['--config', config, '--database-url', url]), 2, pattern);
  });

  it('a bad DATABASE_URL in the environment', async () => {
    const config = scratch.write('url.yaml', `${PROGRESSIVE}workload: select-only\n`);
    const result = await runCli(['--config', config], {
      env: cleanEnv({ DATABASE_URL: `postgres://u:${SECRET}@db:0/app` }),
    });
    expectOneLine(result, 2, /DATABASE_URL: expected/);
  });

  it('a bad PGPORT', async () => {
    const config = scratch.write('url.yaml', `${PROGRESSIVE}workload: select-only\n`);
    const result = await runCli(['--config', config], {
      env: cleanEnv({ PGPORT: 'fivefourthreetwo', PGPASSWORD: SECRET }),
    });
    expectOneLine(result, 2, /PGPORT: expected a port number/);
  });
});

describe('bad results files for pgscale analyze', () => {
  let valid: Record<string, unknown>;
  let validText: string;

  beforeAll(() => {
    validText = readFileSync(join(ROOT, 'test', 'fixtures', 'reliability', 'results.json'), 'utf8');
    valid = JSON.parse(validText) as Record<string, unknown>;
  });

  function mutated(fn: (doc: Record<string, any>) => void): string {
    const doc = structuredClone(valid) as Record<string, any>;
    fn(doc);
    return JSON.stringify(doc, null, 2);
  }

  const cases: Array<{ name: string; text: () => string; file?: string; expect: RegExp }> = [
    {
      name: 'truncated JSON',
      text: () => validText.slice(0, Math.floor(validText.length / 2)),
      expect: /results\.json:\d+:\d+: invalid JSON.*truncated/,
    },
    { name: 'empty file', text: () => '', expect: /results\.json:1:1: / },
    { name: 'not an object', text: () => '[1, 2, 3]', expect: /results\.json:1:1: expected a results document/ },
    {
      name: 'wrong schema_version',
      text: () => mutated((d) => (d.schema_version = 99)),
      expect: /schema_version 99 is not supported \(expected 1\)/,
    },
    {
      name: 'missing schema_version',
      text: () => mutated((d) => delete d.schema_version),
      expect: /schema_version is missing/,
    },
    {
      name: 'NaN in a band',
      text: () => mutated((d) => (d.bands[0].total_tps = 'NaN')).replace('"NaN"', 'NaN'),
      expect: /results\.json:\d+:\d+: /,
    },
    {
      name: 'negative throughput',
      text: () => mutated((d) => (d.bands[1].total_tps = -5)),
      expect: /results\.json:\d+:\d+: bands\[1\]\.total_tps: /,
    },
    {
      name: 'negative workers',
      text: () => mutated((d) => (d.bands[0].workers = -1)),
      expect: /results\.json:\d+:\d+: bands\[0\]\.workers: /,
    },
    {
      name: 'string where a number belongs',
      text: () => mutated((d) => (d.bands[0].transactions = 'many')),
      expect: /bands\[0\]\.transactions: /,
    },
    {
      name: 'duplicate band ids',
      text: () => mutated((d) => (d.bands[1].band_id = d.bands[0].band_id)),
      expect: /bands\[1\]\.band_id: duplicate band/,
    },
    { name: 'bands missing', text: () => mutated((d) => delete d.bands), expect: /bands/ },
    {
      name: 'CSV without required columns',
      file: 'bands.csv',
      text: () => 'band_id,workers\n1,2\n',
      expect: /bands\.csv:1:\d+: missing required column/,
    },
    {
      name: 'CSV with a NaN cell',
      file: 'bands.csv',
      text: () => 'band_id,workers,connections,total_tps\n1,1,1,NaN\n',
      expect: /bands\.csv:2:\d+: column "total_tps"/,
    },
    {
      name: 'CSV with a negative cell',
      file: 'bands.csv',
      text: () => 'band_id,workers,connections,total_tps\n1,1,1,-3\n',
      expect: /bands\.csv:2:\d+: column "total_tps"/,
    },
    {
      name: 'CSV with an unterminated quote',
      file: 'bands.csv',
      text: () => 'band_id,workers,connections,total_tps\n1,1,1,"3\n',
      expect: /bands\.csv:2:\d+: unterminated quoted field/,
    },
  ];

  it.each(cases)('$name', async ({ text, file, expect: pattern }) => {
    const path = scratch.write(join('analyze', file ?? 'results.json'), text());
    expectOneLine(await runCli(['analyze', path]), 2, pattern);
  });

  it('a results file that does not exist', async () => {
    expectOneLine(
      await runCli(['analyze', join(scratch.dir, 'missing.json')]),
      2,
      /missing\.json: cannot read results file/,
    );
  });

  it('the fixture itself is accepted (the corpus mutates a valid document)', async () => {
    const path = scratch.write(join('analyze', 'valid.json'), validText);
    const result = await runCli(['analyze', path, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).bands).toHaveLength((valid.bands as unknown[]).length);
  });
});

describe('bad action inputs through dist/index.js', () => {
  const config = (): string => scratch.write('action.yaml', `${PROGRESSIVE}workload: select-only\n`);
  const cases: Array<{ name: string; inputs: () => Record<string, string>; expect: RegExp }> = [
    {
      name: 'mode sideways',
      inputs: () => ({ config: config(), mode: 'sideways' }),
      expect: /input mode: expected one of run, baseline, compare/,
    },
    {
      name: 'setup maybe',
      inputs: () => ({ config: config(), setup: 'maybe' }),
      expect: /input setup: expected true or false/,
    },
    {
      name: 'max-tps-drop of 5 (ambiguous)',
      inputs: () => ({ config: config(), 'max-tps-drop': '5' }),
      expect: /input max-tps-drop: /,
    },
    {
      name: 'max-p95-increase not a number',
      inputs: () => ({ config: config(), 'max-p95-increase': 'lots' }),
      expect: /input max-p95-increase: /,
    },
    {
      name: 'fail-on unknown',
      inputs: () => ({ config: config(), 'fail-on': 'always' }),
      expect: /input fail-on: expected one of/,
    },
    {
      name: 'comment unknown',
      inputs: () => ({ config: config(), comment: 'sometimes' }),
      expect: /input comment: expected one of/,
    },
    {
      name: 'retention-days negative',
      inputs: () => ({ config: config(), 'retention-days': '-3' }),
      expect: /input retention-days: /,
    },
    {
      name: 'config that does not exist',
      inputs: () => ({ config: join(scratch.dir, 'absent.yml') }),
      expect: /absent\.yml/,
    },
    {
      name: 'database-url malformed, password never shown',
      inputs: () => ({ config: config(), 'database-url': `postgres://u:${SECRET}@db:99999/app` }),
      expect: /database-url|expected postgres:\/\//,
    },
  ];
  it.each(cases)('$name', async ({ inputs, expect: pattern }) => {
    const result = await runAction(inputs(), { cwd: scratch.dir });
    const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    expect(result.code, context).not.toBe(0);
    expect(stackLines(result.stdout + result.stderr), context).toEqual([]);
    const errors = nonEmptyLines(result.stdout + result.stderr).filter((l) => l.startsWith('::error'));
    expect(errors, context).toHaveLength(1);
    expect(errors[0], context).toMatch(pattern);
    // ::add-mask:: lines are consumed by the runner (that is how it learns what to mask).
    const shown = nonEmptyLines(result.stdout + result.stderr).filter((l) => !l.startsWith('::add-mask::'));
    expect(shown.join('\n'), context).not.toContain(SECRET);
  });
});

describe('bad baselines given to the action in compare mode', () => {
  let db: { name: string; url: string; drop(): Promise<void> };
  beforeAll(async () => {
    db = await createDatabase('baseline');
  });
  afterAll(async () => {
    await db?.drop();
  });

  function compareInputs(baseline: string): Record<string, string> {
    scratch.write('compare/q.sql', 'SELECT 1;\n');
    const config = scratch.write(
      'compare/pgscale.yml',
      `${PROGRESSIVE}  export_path: ${join(scratch.dir, 'compare', 'out')}\nworkload:\n  name: orders\n  scripts:\n    - file: q.sql\n`,
    );
    return { config, mode: 'compare', 'baseline-file': baseline, 'fail-on': 'inconclusive', 'database-url': db.url };
  }

  async function runCompare(baseline: string): Promise<{ result: CliResult; errors: string[]; context: string }> {
    const summary = scratch.write('compare/summary.md', '');
    const result = await runAction(compareInputs(baseline), {
      cwd: scratch.dir,
      env: { GITHUB_STEP_SUMMARY: summary },
    });
    const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    expect(stackLines(result.stdout + result.stderr), context).toEqual([]);
    const errors = nonEmptyLines(result.stdout + result.stderr).filter((l) => l.startsWith('::error'));
    return { result, errors, context };
  }

  it('a truncated baseline file: one ::error:: line with file:line:column', async () => {
    const text = readFileSync(join(ROOT, 'test', 'fixtures', 'reliability', 'results.json'), 'utf8');
    const path = scratch.write('compare/truncated.json', text.slice(0, 2000));
    const { result, errors, context } = await runCompare(path);
    expect(result.code, context).not.toBe(0);
    expect(errors, context).toHaveLength(1);
    expect(errors[0], context).toMatch(/truncated\.json:\d+:\d+: invalid JSON/);
  }, 60_000);

  it('a baseline of a different workload: not compared, named, and gated by fail-on: inconclusive', async () => {
    const path = join(ROOT, 'test', 'fixtures', 'reliability', 'results.json');
    const { result, errors, context } = await runCompare(path);
    expect(result.code, context).not.toBe(0);
    expect(errors, context).toHaveLength(1);
    expect(errors[0], context).toMatch(
      /verdict: no-baseline .*the baseline ran workload "select-only", this run "orders"\. Nothing was gated/,
    );
  }, 60_000);
});
