// A run in which transactions fail is not a success, through the built CLI and the built action:
// every transaction failing exits 1 and names the SQLSTATE, message and statement (file:line);
// some bands degraded but not all is a finding (exit 0, the bands named, a warning for each); and
// the words "completed successfully" appear only when no band is degraded.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
import { cleanEnv, createDatabase, runCli } from '../../support/reliability-helpers.js';
import { commands, pushPayload, runAction, transcript } from '../../support/e2e-runner.js';

vi.setConfig({ testTimeout: 120_000 });

const REPO = { id: 4243, owner: 'acme', name: 'shop', default_branch: 'main' };
const root = mkdtempSync(path.join(tmpdir(), 'pgscale-health-'));
let db: Awaited<ReturnType<typeof createDatabase>>;
let fake: FakeGitHub;

// Line 2: the statement, after a comment line, so the reported line number is not trivially 1.
const SCRIPTS = {
  'all-fail.sql': '-- every transaction fails: the function does not exist\nSELECT no_such_function(:client_id);\n',
  // Client 0 succeeds; every other client divides by zero (22012), so band 1 (one worker) is clean.
  'some-fail.sql': '\\set one 1\nSELECT :one / (CASE WHEN :client_id >= 1 THEN 0 ELSE 1 END);\n',
  'ok.sql': 'SELECT 1;\n',
};

function workspace(script: keyof typeof SCRIPTS): string {
  const dir = mkdtempSync(path.join(root, 'ws-'));
  const ws = path.join(dir, 'repo');
  for (const [name, text] of Object.entries(SCRIPTS)) writeFile(path.join(ws, name), text);
  writeFile(
    path.join(ws, 'pgscale.yml'),
    [
      'progressive:',
      '  min_workers: 1',
      '  max_workers: 2',
      '  strategy: exponential',
      '  band_duration: 1s',
      '  warmup_time: 0s',
      '  cooldown_time: 0s',
      '  export_format: both',
      '  export_path: ./out',
      'workload:',
      '  name: health',
      `  scripts: [{file: ${script}}]`,
      'scale: 1',
      '',
    ].join('\n'),
  );
  return ws;
}

function writeFile(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

beforeAll(async () => {
  db = await createDatabase('health');
  fake = await startFakeGitHub({ owner: REPO.owner, repo: REPO.name, repository_id: REPO.id });
});

afterAll(async () => {
  await fake?.close();
  await db?.drop();
  rmSync(root, { recursive: true, force: true });
});

describe('the CLI', () => {
  it('exits 1 when every transaction fails, naming the SQLSTATE, message, statement and count', async () => {
    const ws = workspace('all-fail.sql');
    const r = await runCli(['--config', path.join(ws, 'pgscale.yml'), '--database-url', db.url], {
      env: cleanEnv(),
      cwd: ws,
    });
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(1);
    expect(out).not.toContain('completed successfully');
    expect(out).toContain('❌ The run failed: bands 1, 2 committed no transaction.');
    expect(out).toMatch(/42883 ×[\d,]+ at all-fail\.sql:2: function no_such_function\(\w+\) does not exist/);
    // The results are still written, each band marked degraded, with its example.
    const doc = JSON.parse(readFileSync(path.join(ws, 'out', 'results.json'), 'utf8'));
    expect(doc.bands.map((b: { degraded: boolean }) => b.degraded)).toEqual([true, true]);
    expect(doc.bands[0].error_examples['42883']).toEqual({
      message: expect.stringMatching(/^function no_such_function\(\w+\) does not exist$/),
      statement: 'all-fail.sql:2',
    });
    const report = readFileSync(path.join(ws, 'out', 'report.md'), 'utf8');
    expect(report).toContain('[!CAUTION]');
    expect(report).toContain('The run failed');
  });

  it('exits 0 when some bands degrade but not all, naming them with their error rates', async () => {
    const ws = workspace('some-fail.sql');
    const r = await runCli(['--config', path.join(ws, 'pgscale.yml'), '--database-url', db.url], {
      env: cleanEnv(),
      cwd: ws,
    });
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(0);
    expect(out).not.toContain('completed successfully');
    expect(out).toMatch(/1 band degraded: band 2 \(2 workers, 2 connections\): \d+\.\d% of transactions failed/);
    expect(out).toMatch(/22012 ×[\d,]+ at some-fail\.sql:2: division by zero/);
    expect(out).toContain('finished with 1 degraded band');
  });

  it('says "completed successfully" when no band is degraded', async () => {
    const ws = workspace('ok.sql');
    const r = await runCli(['--config', path.join(ws, 'pgscale.yml'), '--database-url', db.url], {
      env: cleanEnv(),
      cwd: ws,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('✅ Progressive scaling completed successfully');
    expect(r.stdout).not.toContain('degraded');
  });
});

describe('the action', () => {
  let runId = 900;
  const act = (script: keyof typeof SCRIPTS, inputs: Record<string, string>) => {
    const ws = workspace(script);
    const id = ++runId;
    fake.setCurrentRun({ id, head_branch: 'main', head_repository_id: REPO.id, conclusion: null });
    return runAction({
      inputs: { config: 'pgscale.yml', 'database-url': db.url, 'export-path': 'out', ...inputs },
      workspace: ws,
      event: { name: 'push', ref: 'refs/heads/main', payload: pushPayload(REPO, 'main') },
      runId: id,
      githubEnv: fake.env(),
    }).then((run) => ({ ...run, id }));
  };

  it.each(['run', 'baseline', 'compare'])(
    'fails the step in mode %s when every transaction fails, with one ::error:: line',
    async (mode) => {
      const r = await act('all-fail.sql', { mode, 'fail-on': 'never' });
      expect(r.code, transcript(r)).toBe(1);
      const errors = commands(r.stdout, 'error');
      expect(errors, transcript(r)).toHaveLength(1);
      expect(errors[0]).toMatch(
        /^pgscale: The run failed: bands 1, 2 committed no transaction\. Most frequent failure: 42883 ×[\d,]+ at all-fail\.sql:2: /,
      );
      expect(r.summary).toContain('[!CAUTION]');
      expect(r.stdout).not.toContain('completed successfully');
      // A failed run is never uploaded as the baseline.
      const uploaded = [...fake.artifacts.values()].filter((a) => a.run_id === r.id).map((a) => a.name);
      expect(uploaded).not.toContain('pgscale-baseline');
    },
  );

  it('passes with one warning annotation per degraded band when only some degrade', async () => {
    const r = await act('some-fail.sql', { mode: 'run' });
    expect(r.code, transcript(r)).toBe(0);
    expect(commands(r.stdout, 'error')).toEqual([]);
    const warnings = commands(r.stdout, 'warning').filter((w) => w.startsWith('Degraded band'));
    expect(warnings, transcript(r)).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Degraded band 2 \(2 workers, 2 connections\): \d+\.\d% of transactions failed$/);
    expect(r.stdout).toMatch(/::warning title=pgscale%3A degraded band/);
  });
});
