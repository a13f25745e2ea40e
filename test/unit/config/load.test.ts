import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfigText } from '../../../src/config/index.js';
import { UserError } from '../../../src/errors.js';

const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const spec = (name: string) => join(fixtures, 'spec', name);
const bad = (name: string) => join(fixtures, 'bad-config', name);

function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError, nothing was thrown');
}

const base = 'progressive:\n  min_workers: 1\n  max_workers: 8\n';

describe('the spec sample configs load as written', () => {
  it('quick start block', () => {
    const c = loadConfigFile(spec('quick-start.yaml'));
    expect(c.progressive).toEqual({
      enabled: true,
      min_workers: 10,
      max_workers: 100,
      step_workers: 10,
      min_connections: 10,
      max_connections: 100,
      step_connections: 10,
      band_duration_s: 30,
      warmup_time_s: 10,
      cooldown_time_s: 5,
      strategy: 'linear',
      export_format: 'both',
      export_path: './results',
      collect_pg_stats: false,
      pg_stat_statements: false,
      rate: null,
      time_budget_s: null,
      max_error_rate: 0.05,
      pipeline: false,
      client_threads: 'auto',
    });
    expect(c.workload).toEqual({ kind: 'builtin', name: 'tpcb' });
    expect(c.scale).toBe(1);
    expect(c.database).toBeNull();
    expect(c.slo).toEqual({ p95_latency_ms: null, error_rate: null });
    expect(c.analysis).toEqual({
      linear_min_efficiency: 0.75,
      saturation_tolerance: 0.05,
      confidence: 0.95,
      batches: 10,
      bootstrap_resamples: 500,
      seed: 42,
    });
    expect(c.source).toEqual({ file: spec('quick-start.yaml'), dir: join(fixtures, 'spec') });
  });

  it('high-frequency trading: warm-up 15s, band 45s, csv, default cool-down', () => {
    const p = loadConfigFile(spec('high-frequency-trading.yaml')).progressive;
    expect([
      p.band_duration_s,
      p.warmup_time_s,
      p.cooldown_time_s,
      p.export_format,
      p.step_workers,
      p.step_connections,
    ]).toEqual([45, 15, 5, 'csv', 5, 10]);
  });

  it('capacity planning: band 1m, exponential, json', () => {
    const p = loadConfigFile(spec('capacity-planning.yaml')).progressive;
    expect([p.band_duration_s, p.strategy, p.export_format, p.min_connections, p.max_connections]).toEqual([
      60,
      'exponential',
      'json',
      5,
      200,
    ]);
  });

  it('research: band 2m, warm-up 30s, cool-down 15s', () => {
    const p = loadConfigFile(spec('research-analysis.yaml')).progressive;
    expect([p.band_duration_s, p.warmup_time_s, p.cooldown_time_s, p.strategy]).toEqual([120, 30, 15, 'fibonacci']);
  });

  it('strategy snippets without connection keys mirror the workers', () => {
    const p = loadConfigFile(spec('exponential-strategy.yaml')).progressive;
    expect([p.min_connections, p.max_connections, p.step_connections]).toEqual([5, 80, 1]);
  });
});

// Each broken config gives exactly one line, with file:line:column pointing at the culprit.
describe('broken-config corpus', () => {
  const cases: Array<[string, string]> = [
    [
      'yaml-syntax.yaml',
      '4:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
    ['tab-indent.yaml', '2:1: invalid YAML: tabs are not allowed as indentation, indent with spaces'],
    ['duplicate-key.yaml', '4:3: duplicate key "min_workers"'],
    ['unknown-key.yaml', '3:3: progressive.max_worker: unknown key, did you mean `max_workers`?'],
    ['unknown-top-key.yaml', '4:1: workloads: unknown key, did you mean `workload`?'],
    ['wrong-type.yaml', '2:16: progressive.min_workers: expected an integer between 1 and 100000, got "ten"'],
    ['min-over-max.yaml', '2:16: progressive.min_workers: min_workers (50) must not exceed max_workers (10)'],
    ['step-zero.yaml', '4:17: progressive.step_workers: expected an integer between 1 and 100000, got 0'],
    [
      'unknown-strategy.yaml',
      '4:13: progressive.strategy: expected one of linear, exponential, fibonacci, got "quadratic"',
    ],
    [
      'bad-duration.yaml',
      '4:18: progressive.band_duration: expected a duration such as "30s", "1m30s" or "500ms", or a number of seconds, got "30 seconds"',
    ],
    [
      'negative-duration.yaml',
      '4:16: progressive.warmup_time: expected a duration such as "30s", "1m30s" or "500ms", or a number of seconds, got -5',
    ],
    ['huge-number.yaml', '3:16: progressive.max_workers: expected an integer between 1 and 100000, got 100000000'],
    [
      'url-and-host.yaml',
      '6:3: database.host: give either database.url or host/port/dbname/username/password/sslmode, not both',
    ],
    ['empty.yaml', '1:1: the config is empty, expected a mapping with a progressive: block'],
    ['not-a-mapping.yaml', '1:1: expected a mapping with a progressive: block at the top level, got a list'],
    [
      'unknown-workload.yaml',
      '4:11: workload: expected one of tpcb, tpcb-like, select-only, simple-update, or a mapping with name and scripts, got "tpcc"; did you mean `tpcb`?',
    ],
    ['password-type.yaml', '6:13: database.password: expected a string'],
    [
      'missing-script.yaml',
      `7:13: workload.scripts[0].file: file not found: "missing.sql" (looked for ${bad('missing.sql')})`,
    ],
  ];

  it.each(cases)('%s', (name, expected) => {
    const error = errorOf(() => loadConfigFile(bad(name)));
    expect(error.message).toBe(`${bad(name)}:${expected}`);
    expect(error.message).not.toContain('\n');
    expect(error.exitCode).toBe(2);
    const [line, column] = expected.split(':').map(Number);
    expect(error.location).toEqual({ file: bad(name), line, column });
  });

  it('never echoes a URL that may carry a password', () => {
    const error = errorOf(() => parseConfigText(`${base}database:\n  url: 5432\n`, 'c.yaml'));
    expect(error.message).toBe('c.yaml:5:8: database.url: expected a non-empty string');
    expect(errorOf(() => parseConfigText(`${base}database: postgres://app:hunter2@db/app\n`, 'c.yaml')).message).toBe(
      'c.yaml:4:11: database: expected a mapping with url, or host/port/dbname/username/password/sslmode',
    );
    expect(
      errorOf(() => parseConfigText(`${base}  export_path: [postgres://app:hunter2@db/app]\n`, 'c.yaml')).message,
    ).not.toContain('hunter2');
    expect(errorOf(() => parseConfigText(`${base}workload: postgres://app:hunter2@db/app\n`, 'c.yaml')).message).toBe(
      'c.yaml:4:11: workload: expected one of tpcb, tpcb-like, select-only, simple-update, or a mapping with name and scripts',
    );
    const clash = errorOf(() => loadConfigFile(bad('url-and-host.yaml')));
    expect(clash.message).not.toContain('secret');
  });
});

describe('config rules', () => {
  const parse = (text: string) => parseConfigText(text, 'c.yaml', '/tmp');

  it('accepts both spellings of pg_stat_statements', () => {
    expect(parse(`${base}  pg_stats_statements: true\n`).progressive.pg_stat_statements).toBe(true);
    expect(parse(`${base}  pg_stat_statements: true\n`).progressive.pg_stat_statements).toBe(true);
    expect(
      parse(`${base}  pg_stat_statements: false\n  pg_stats_statements: false\n`).progressive.pg_stat_statements,
    ).toBe(false);
  });

  it('defaults enabled to true when the block is present and keeps an explicit false', () => {
    expect(parse(base).progressive.enabled).toBe(true);
    expect(parse(`${base}  enabled: false\n`).progressive.enabled).toBe(false);
  });

  it('partial connection keys default the missing bound to the workers and the step to 1', () => {
    const p = parse(
      'progressive:\n  min_workers: 2\n  max_workers: 20\n  step_workers: 6\n  max_connections: 40\n',
    ).progressive;
    expect([p.min_connections, p.max_connections, p.step_connections]).toEqual([2, 40, 1]);
    const mirrored = parse('progressive:\n  min_workers: 2\n  max_workers: 20\n  step_workers: 6\n').progressive;
    expect([mirrored.min_connections, mirrored.max_connections, mirrored.step_connections]).toEqual([2, 20, 6]);
  });

  it('names the defaulted field when a defaulted min_connections exceeds max_connections', () => {
    const error = errorOf(() => parse('progressive:\n  min_workers: 10\n  max_workers: 20\n  max_connections: 5\n'));
    expect(error.message).toBe(
      'c.yaml:4:20: progressive.max_connections: min_connections (10, defaulted from min_workers) must not exceed max_connections (5)',
    );
  });

  it('reads durations, rate, time budget and max_error_rate', () => {
    const p = parse(
      `${base}  band_duration: 1m30s\n  warmup_time: 500ms\n  cooldown_time: 0\n  rate: 250.5\n  time_budget: 1h\n  max_error_rate: 0.2\n`,
    ).progressive;
    expect([p.band_duration_s, p.warmup_time_s, p.cooldown_time_s, p.rate, p.time_budget_s, p.max_error_rate]).toEqual([
      90, 0.5, 0, 250.5, 3600, 0.2,
    ]);
    expect(parse(`${base}  band_duration: 12.5\n`).progressive.band_duration_s).toBe(12.5);
  });

  it('rejects a zero band duration and durations over a week', () => {
    expect(errorOf(() => parse(`${base}  band_duration: 0s\n`)).message).toBe(
      'c.yaml:4:18: progressive.band_duration: expected a duration greater than 0, got "0s"',
    );
    expect(errorOf(() => parse(`${base}  warmup_time: 200h\n`)).message).toBe(
      'c.yaml:4:16: progressive.warmup_time: expected a duration of at most 168h (7 days), got "200h"',
    );
  });

  it('rejects non-integers, max_error_rate above 1 and a non-positive rate', () => {
    expect(errorOf(() => parse('progressive:\n  min_workers: 1.5\n  max_workers: 8\n')).message).toBe(
      'c.yaml:2:16: progressive.min_workers: expected an integer between 1 and 100000, got 1.5',
    );
    expect(errorOf(() => parse(`${base}  max_error_rate: 1.5\n`)).message).toBe(
      'c.yaml:4:19: progressive.max_error_rate: expected a number from 0 to 1, got 1.5',
    );
    expect(errorOf(() => parse(`${base}  rate: 0\n`)).message).toBe(
      'c.yaml:4:9: progressive.rate: expected a number greater than 0, got 0',
    );
  });

  it('refuses linear plans with more than 10000 bands', () => {
    const error = errorOf(() => parse('progressive:\n  min_workers: 1\n  max_workers: 1000\n'));
    expect(error.message).toMatch(/^c\.yaml:1:1: progressive: the linear strategy would plan 1000000 bands/);
  });

  it('reports a missing progressive block and a missing required key at their parent', () => {
    expect(errorOf(() => parse('scale: 2\n')).message).toBe(
      'c.yaml:1:1: progressive: missing, expected a mapping with at least min_workers and max_workers',
    );
    expect(errorOf(() => parse('progressive:\n  min_workers: 1\n')).message).toBe(
      'c.yaml:2:3: progressive.max_workers: missing, expected an integer between 1 and 100000',
    );
  });

  it('points at the key of an empty value', () => {
    expect(errorOf(() => parse('progressive:\n  min_workers:\n  max_workers: 8\n')).message).toBe(
      'c.yaml:2:3: progressive.min_workers: expected an integer between 1 and 100000, got null',
    );
  });

  it('suggests strategies and lists keys when nothing is close', () => {
    expect(errorOf(() => parse(`${base}  strategy: exponentail\n`)).message).toBe(
      'c.yaml:4:13: progressive.strategy: expected one of linear, exponential, fibonacci, got "exponentail"; did you mean `exponential`?',
    );
    expect(errorOf(() => parse(`${base}slo:\n  zzzzzzzz: 1\n`)).message).toBe(
      'c.yaml:5:3: slo.zzzzzzzz: unknown key, expected one of p95_latency_ms, error_rate',
    );
    expect(errorOf(() => parse(`${base}database:\n  user: app\n`)).message).toBe(
      'c.yaml:5:3: database.user: unknown key, did you mean `username`?',
    );
  });

  it('reads database fields and treats an empty database block as none', () => {
    const c = parse(
      `${base}database:\n  host: db.internal\n  port: 6432\n  dbname: app\n  username: bench\n  password: pw\n  sslmode: require\n`,
    );
    expect(c.database).toEqual({
      host: 'db.internal',
      port: 6432,
      dbname: 'app',
      username: 'bench',
      password: 'pw',
      sslmode: 'require',
    });
    expect(parse(`${base}database: {}\n`).database).toBeNull();
    expect(parse(`${base}database:\n`).database).toBeNull();
    expect(parse(`${base}database:\n  url: postgres://localhost/app\n`).database).toEqual({
      url: 'postgres://localhost/app',
    });
    expect(errorOf(() => parse(`${base}database:\n  sslmode: required\n`)).message).toBe(
      'c.yaml:5:12: database.sslmode: expected one of disable, allow, prefer, require, verify-ca, verify-full, got "required"; did you mean `require`?',
    );
  });

  it("maps built-in workload names, including pgbench's tpcb-like", () => {
    expect(parse(`${base}workload: tpcb-like\n`).workload).toEqual({ kind: 'builtin', name: 'tpcb' });
    expect(parse(`${base}workload: select-only\n`).workload).toEqual({ kind: 'builtin', name: 'select-only' });
    expect(parse(`${base}workload:\n  name: simple-update\n`).workload).toEqual({
      kind: 'builtin',
      name: 'simple-update',
    });
  });

  it('reads slo, scale and analysis settings', () => {
    const c = parse(`${base}scale: 10\nslo:\n  p95_latency_ms: 25\nanalysis:\n  confidence: 0.9\n  seed: 7\n`);
    expect(c.scale).toBe(10);
    expect(c.slo).toEqual({ p95_latency_ms: 25, error_rate: null });
    expect(c.analysis).toEqual({
      linear_min_efficiency: 0.75,
      saturation_tolerance: 0.05,
      confidence: 0.9,
      batches: 10,
      bootstrap_resamples: 500,
      seed: 7,
    });
    expect(errorOf(() => parse(`${base}analysis:\n  confidence: 1\n`)).message).toBe(
      'c.yaml:5:15: analysis.confidence: expected a number greater than 0 and less than 1, got 1',
    );
  });
});

describe('custom script workloads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgscale-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'lookup.sql'), 'SELECT 1;\n');
  writeFileSync(join(dir, 'update.sql'), 'SELECT 2;\n');
  writeFileSync(join(dir, 'schema.sql'), 'CREATE TABLE t (id int);\n');

  it('resolves script and setup paths against the config file directory', () => {
    const file = join(dir, 'bench.yaml');
    writeFileSync(
      file,
      `${base}workload:\n  name: orders\n  scripts:\n    - file: lookup.sql\n      weight: 3\n    - file: ./update.sql\n  setup: [schema.sql]\n`,
    );
    expect(loadConfigFile(file).workload).toEqual({
      kind: 'scripts',
      name: 'orders',
      scripts: [
        { file: join(dir, 'lookup.sql'), weight: 3 },
        { file: join(dir, 'update.sql'), weight: 1 },
      ],
      setup: [join(dir, 'schema.sql')],
    });
  });

  it('names an unnamed workload after its first script', () => {
    const c = parseConfigText(`${base}workload:\n  scripts:\n    - file: lookup.sql\n`, 'x.yaml', dir);
    expect(c.workload).toMatchObject({ kind: 'scripts', name: 'lookup' });
  });

  it('points at a missing setup file and at a bad weight', () => {
    expect(
      errorOf(() =>
        parseConfigText(
          `${base}workload:\n  scripts:\n    - file: lookup.sql\n  setup:\n    - nope.sql\n`,
          'x.yaml',
          dir,
        ),
      ).message,
    ).toBe(`x.yaml:8:7: workload.setup[0]: file not found: "nope.sql" (looked for ${join(dir, 'nope.sql')})`);
    expect(
      errorOf(() =>
        parseConfigText(`${base}workload:\n  scripts:\n    - file: lookup.sql\n      weight: 0\n`, 'x.yaml', dir),
      ).message,
    ).toBe('x.yaml:7:15: workload.scripts[0].weight: expected a number greater than 0, got 0');
    expect(
      errorOf(() => parseConfigText(`${base}workload:\n  scripts:\n    - fil: lookup.sql\n`, 'x.yaml', dir)).message,
    ).toBe('x.yaml:6:7: workload.scripts[0].fil: unknown key, did you mean `file`?');
  });
});

describe('loadConfigFile', () => {
  it('reports a missing file and a directory as UserErrors', () => {
    expect(errorOf(() => loadConfigFile('/nonexistent/pgscale.yaml')).message).toBe(
      '/nonexistent/pgscale.yaml: config file not found',
    );
    expect(errorOf(() => loadConfigFile(fixtures)).message).toBe(
      `${fixtures}: config is a directory, expected a YAML file`,
    );
  });

  it('wraps yaml exceptions such as unresolved aliases', () => {
    const error = errorOf(() => parseConfigText(`${base}  step_workers: *nope\n`, 'c.yaml'));
    expect(error.message).toBe('c.yaml:4:17: invalid YAML: alias *nope has no anchor &nope before it');
    expect(errorOf(() => parseConfigText('progressive:\n  ? [a]\n  : 1\n', 'c.yaml')).message).toBe(
      'c.yaml:2:5: keys must be plain names, got a list',
    );
  });
});
