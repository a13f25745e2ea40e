import { afterEach, describe, expect, it, vi } from 'vitest';
import { isUserError } from '../../../src/errors.js';
import { INPUT_DEFAULTS, parseFraction, readInputs, resolveBaselineBranch } from '../../../src/github/inputs.js';

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

afterEach(() => vi.restoreAllMocks());

describe('action inputs', () => {
  it('applies the defaults of action.yml to empty inputs', () => {
    const i = readInputs(reader({}), {});
    expect(i).toEqual({
      config: 'pgscale.yml',
      database_url: null,
      mode: 'run',
      setup: false,
      baseline_artifact: 'pgscale-baseline',
      baseline_branch: null,
      baseline_file: null,
      github_token: null,
      comment: 'on-regression',
      fail_on: 'regression',
      max_tps_drop: 0.05,
      max_p95_increase: 0.1,
      export_path: null,
      retention_days: 90,
    });
    expect(INPUT_DEFAULTS['baseline-artifact']).toBe('pgscale-baseline');
  });

  it('reads every input', () => {
    const i = readInputs(
      reader({
        config: 'bench/db.yml',
        mode: 'Compare',
        setup: 'true',
        'baseline-branch': 'develop',
        'baseline-file': 'base.json',
        comment: 'always',
        'fail-on': 'inconclusive',
        'max-tps-drop': '0.08',
        'max-p95-increase': '12.5%',
        'export-path': 'out',
        'retention-days': '14',
        'github-token': 'ghs_x',
      }),
      {},
    );
    expect(i).toMatchObject({
      config: 'bench/db.yml',
      mode: 'compare',
      setup: true,
      baseline_branch: 'develop',
      baseline_file: 'base.json',
      comment: 'always',
      fail_on: 'inconclusive',
      max_tps_drop: 0.08,
      max_p95_increase: 0.125,
      export_path: 'out',
      retention_days: 14,
      github_token: 'ghs_x',
    });
    expect(resolveBaselineBranch(i, {})).toBe('develop');
    expect(resolveBaselineBranch({ baseline_branch: null }, { repository: { default_branch: 'trunk' } })).toBe('trunk');
  });

  it.each([
    [{ mode: 'gate' }, 'input mode: expected one of run, baseline, compare, ab, got "gate"'],
    [{ setup: 'maybe' }, 'input setup: expected true or false, got "maybe"'],
    [{ comment: 'sometimes' }, 'input comment: expected one of always, on-regression, never, got "sometimes"'],
    [{ 'fail-on': 'error' }, 'input fail-on: expected one of regression, inconclusive, never, got "error"'],
    [
      { 'max-tps-drop': '5' },
      'input max-tps-drop: expected a percentage like "5%" or a fraction like 0.05, got "5" (write "5%" if you meant percent)',
    ],
    [
      { 'max-tps-drop': 'five' },
      'input max-tps-drop: expected a percentage like "5%" or a fraction like 0.05, got "five"',
    ],
    [{ 'max-tps-drop': '0%' }, 'input max-tps-drop: expected more than 0% and less than 100%, got "0%"'],
    [{ 'max-tps-drop': '150%' }, 'input max-tps-drop: expected more than 0% and less than 100%, got "150%"'],
    [
      { 'retention-days': '0' },
      'input retention-days: expected a whole number of days from 1 to 90 (up to 400 where the repository allows), got "0"',
    ],
    [
      { 'retention-days': '7.5' },
      'input retention-days: expected a whole number of days from 1 to 90 (up to 400 where the repository allows), got "7.5"',
    ],
    [
      { 'baseline-artifact': 'a/b' },
      'input baseline-artifact: expected an artifact name without " : < > | * ? \\ / or newlines, got "a/b"',
    ],
    [{ 'baseline-file': 'b.json' }, 'input baseline-file: only used with mode compare (mode is run)'],
    [{ 'baseline-branch': 'a..b' }, 'input baseline-branch: expected a git branch name, got "a..b"'],
  ])('bad input %j gives one clear line', (values, message) => {
    const e = errorOf(() => readInputs(reader(values as Record<string, string>), {}));
    expect(isUserError(e)).toBe(true);
    expect(e.message).toBe(message);
    expect(e.message).not.toContain('\n');
  });

  it('masks the database URL and its password before anything else, and never echoes them in errors', () => {
    const writes: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const url = 'postgres://app:s3cr%40t@db.internal:5432/shop';
    const i = readInputs(reader({ 'database-url': url }), { PGPASSWORD: 'pgpw' });
    expect(i.database_url).toBe(url);
    // Workflow commands escape %, CR and LF; the runner decodes them the same way.
    const decode = (x: string) => x.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
    const masks = writes
      .filter((w) => w.startsWith('::add-mask::'))
      .map((w) => decode(w.trim().slice('::add-mask::'.length)));
    expect(masks).toEqual(expect.arrayContaining([url, 's3cr%40t', 's3cr@t', 'pgpw']));

    writes.length = 0;
    const e = errorOf(() => readInputs(reader({ 'database-url': 'mysql://u:hunter2@h/db' }), {}));
    expect(e.message).toBe(
      'input database-url: expected a URL starting with postgres:// or postgresql:// (the value is masked)',
    );
    expect(e.message).not.toContain('hunter2');
    expect(writes.some((w) => w.includes('::add-mask::mysql://u:hunter2@h/db'))).toBe(true);
  });

  it('does not mask a database URL without a password: it names the server and hides nothing', () => {
    const writes: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    readInputs(reader({ 'database-url': 'postgres://app@db.internal:5432/shop' }), {});
    expect(writes.filter((w) => w.startsWith('::add-mask::'))).toEqual([]);
  });

  it('parses fractions both ways', () => {
    expect(parseFraction('x', '5%', 1)).toBeCloseTo(0.05, 12);
    expect(parseFraction('x', ' 0.05 ', 1)).toBeCloseTo(0.05, 12);
    expect(parseFraction('x', '.1', 1)).toBeCloseTo(0.1, 12);
    expect(parseFraction('x', '250%', 10)).toBeCloseTo(2.5, 12);
  });

  it('names an action input as an input, and a command-line flag as itself', () => {
    expect(() => parseFraction('max-tps-drop', 'abc', 1)).toThrow(/^input max-tps-drop: expected a percentage/);
    expect(() => parseFraction('--max-tps-drop', 'abc', 1)).toThrow(/^--max-tps-drop: expected a percentage/);
  });
});
