// `pgscale compare BASELINE CURRENT` gives the action's compare-mode verdict on the same two
// documents, and exits as the gate decides: 3 for a regression, 0 for a pass.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeDoc, grid } from '../../support/compare-factory.js';
import { startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
import { cleanEnv, createDatabase, runCli } from '../../support/reliability-helpers.js';
import { pushPayload, runAction, transcript } from '../../support/e2e-runner.js';

vi.setConfig({ testTimeout: 120_000 });

const REPO = { id: 4244, owner: 'acme', name: 'shop', default_branch: 'main' };
const root = mkdtempSync(path.join(tmpdir(), 'pgscale-compare-cli-'));
let db: Awaited<ReturnType<typeof createDatabase>>;
let fake: FakeGitHub;

beforeAll(async () => {
  db = await createDatabase('comparecli');
  fake = await startFakeGitHub({ owner: REPO.owner, repo: REPO.name, repository_id: REPO.id });
});
afterAll(async () => {
  await fake?.close();
  await db?.drop();
  rmSync(root, { recursive: true, force: true });
});

const write = (name: string, text: string): string => {
  const file = path.join(root, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
};

async function cliVerdict(baseline: string, current: string, extra: string[] = []) {
  const r = await runCli(['compare', baseline, current, '--json', ...extra], { env: cleanEnv() });
  const document = JSON.parse(r.stdout) as { schema_version: number; comparison: { verdict: string } };
  expect(document.schema_version).toBe(1);
  return { code: r.code, verdict: document.comparison.verdict, stderr: r.stderr };
}

describe('pgscale compare', () => {
  it('passes a document against itself and fails a halved throughput with exit 3', async () => {
    const base = write('docs/base.json', JSON.stringify(makeDoc({ bands: grid(1, { seconds: 60 }), seed: 1 })));
    const same = write('docs/same.json', readFileSync(base, 'utf8'));
    const halved = write('docs/halved.json', JSON.stringify(makeDoc({ bands: grid(0.5, { seconds: 60 }), seed: 3 })));
    expect(await cliVerdict(base, same)).toMatchObject({ code: 0, verdict: 'pass' });
    const fail = await cliVerdict(base, halved);
    expect(fail).toMatchObject({ code: 3, verdict: 'fail' });
    expect(fail.stderr).toMatch(/^pgscale verdict: fail — /);
    expect((await cliVerdict(base, halved, ['--fail-on', 'never'])).code).toBe(0);
    // Without --json: the action's Markdown report.
    const md = await runCli(['compare', base, halved], { env: cleanEnv() });
    expect(md.stdout).toContain('**Verdict: FAIL');
  });

  it('gives the verdict the action gives in compare mode on the same baseline and run', async () => {
    const ws = path.join(root, 'ws', 'repo');
    write('ws/repo/q.sql', 'SELECT 1;\n');
    write(
      'ws/repo/pgscale.yml',
      'progressive:\n  min_workers: 1\n  max_workers: 2\n  strategy: exponential\n  band_duration: 2s\n  warmup_time: 0s\n' +
        '  cooldown_time: 0s\n  export_format: json\n  export_path: ./out\nworkload:\n  name: cmp\n  scripts: [{file: q.sql}]\n',
    );
    // The baseline: a CLI run of the same config.
    const baseRun = await runCli(
      [
        '--config',
        path.join(ws, 'pgscale.yml'),
        '--database-url',
        db.url,
        '--export-path',
        path.join(root, 'base-out'),
      ],
      {
        env: cleanEnv(),
      },
    );
    expect(baseRun.code, baseRun.stderr).toBe(0);
    const baseline = path.join(root, 'base-out', 'results.json');
    fake.setCurrentRun({ id: 77, head_branch: 'feature', head_repository_id: REPO.id, conclusion: null });
    const action = await runAction({
      inputs: {
        config: 'pgscale.yml',
        mode: 'compare',
        'baseline-file': baseline,
        'database-url': db.url,
        'fail-on': 'never',
        comment: 'never',
      },
      workspace: ws,
      event: { name: 'push', ref: 'refs/heads/feature', payload: pushPayload(REPO, 'feature') },
      runId: 77,
      githubEnv: fake.env(),
    });
    expect(action.code, transcript(action)).toBe(0);
    const current = action.outputs['results-json']!;
    expect(readFileSync(current, 'utf8')).toContain('"schema_version"');
    const cli = await cliVerdict(baseline, current, ['--fail-on', 'never']);
    expect(cli.verdict).toBe(action.outputs.verdict);
    expect(cli.code).toBe(0);
  });
});
