// The action's run() imported with @actions/core replaced, as actions/typescript-action's template
// tests it: inputs come from a map, and what the step would show (failure, outputs, summary,
// annotations) is recorded. The run itself is real, against the shared server.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDatabase } from '../../support/reliability-helpers.js';

const step = vi.hoisted(() => ({
  inputs: {} as Record<string, string>,
  failed: [] as string[],
  outputs: {} as Record<string, string>,
  summary: '',
  warnings: [] as string[],
  info: [] as string[],
}));

vi.mock('@actions/core', () => {
  const summary = {
    addRaw: (text: string) => {
      step.summary += text;
      return summary;
    },
    write: async () => summary,
  };
  return {
    getInput: (name: string) => step.inputs[name] ?? '',
    setFailed: (message: string) => step.failed.push(message),
    setOutput: (name: string, value: string) => (step.outputs[name] = value),
    setSecret: () => undefined,
    info: (line: string) => step.info.push(line),
    warning: (line: string) => step.warnings.push(line),
    error: () => undefined,
    debug: () => undefined,
    summary,
  };
});

const { run } = await import('../../../src/main.js');

const root = mkdtempSync(path.join(tmpdir(), 'pgscale-main-'));
let db: Awaited<ReturnType<typeof createDatabase>>;

beforeAll(async () => {
  db = await createDatabase('main');
  mkdirSync(path.join(root, 'bench'));
  writeFileSync(path.join(root, 'bench', 'fail.sql'), 'SELECT no_such_function(1);\n');
  writeFileSync(path.join(root, 'bench', 'ok.sql'), 'SELECT 1;\n');
});
afterAll(async () => {
  await db?.drop();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  step.failed = [];
  step.outputs = {};
  step.summary = '';
  step.warnings = [];
  step.info = [];
});

function config(script: string): string {
  const file = path.join(root, 'bench', `${script}.yml`);
  writeFileSync(
    file,
    `progressive:\n  min_workers: 1\n  max_workers: 1\n  band_duration: 1s\n  warmup_time: 0s\n  cooldown_time: 0s\n` +
      `  export_format: json\n  export_path: ${path.join(root, `out-${script}`)}\n` +
      `workload:\n  name: main-test\n  scripts: [{file: ${script}.sql}]\n`,
  );
  return file;
}

describe('run()', () => {
  it('fails the step with one line for a bad input, before touching a database', async () => {
    step.inputs = { config: config('ok'), mode: 'bench', 'fail-on': 'regression' };
    await run();
    expect(step.failed).toHaveLength(1);
    expect(step.failed[0]).toMatch(/^input mode: expected one of run, baseline, compare, ab/);
    expect(step.outputs).toEqual({});
  });

  it('runs mode run: outputs set, the summary written, the step not failed', async () => {
    step.inputs = {
      config: config('ok'),
      mode: 'run',
      'database-url': db.url,
      'fail-on': 'regression',
      comment: 'never',
    };
    await run();
    expect(step.failed).toEqual([]);
    expect(step.outputs.verdict).toBe('not-compared');
    expect(Number(step.outputs['peak-tps'])).toBeGreaterThan(0);
    expect(step.summary).toContain('**Verdict: NOT COMPARED**');
  });

  it('fails the step when every transaction fails, naming the SQLSTATE and the statement', async () => {
    step.inputs = { config: config('fail'), mode: 'run', 'database-url': db.url, 'fail-on': 'never', comment: 'never' };
    await run();
    expect(step.failed).toHaveLength(1);
    expect(step.failed[0]).toMatch(
      /^pgscale: The run failed: band 1 committed no transaction\. Most frequent failure: 42883 ×[\d,]+ at fail\.sql:1: /,
    );
    expect(step.summary).toContain('[!CAUTION]');
  });
});
