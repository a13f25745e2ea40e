// The action's behaviour that no measurement decides (no baseline, two steps in one job, invalid
// inputs), through dist/index.js as the runner starts it. Split from action.test.ts so that it runs
// beside the other behaviour-only files; the scenarios that compare measurements stay there.
// End to end: the bundled action (dist/index.js) as the runner starts it, against the real PostgreSQL
// and a local GitHub that speaks the real artifact (Twirp + Azure blob) and REST protocols.
// Workload: test/fixtures/e2e/<variant>/ copied to <workspace>/bench/ — a 200k-row table looked up by
// an indexed column; the head-noindex variant's setup creates it without the index.

import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { commentMarker } from '../../../src/github/comment.js';
import { escapeMarkdown } from '../../../src/report/escape.js';
import { startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
import {
  ACTION_ENTRY,
  commands,
  pullRequestPayload,
  pushPayload,
  REPO_ROOT,
  runAction,
  transcript,
  type ActionRun,
} from '../../support/e2e-runner.js';

// Each action run is ~20 s of bands, setup and analysis; some tests make two runs on a shared machine.
vi.setConfig({ testTimeout: 240_000 });

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = `pgscale_t_e2e_action_${process.pid}`;
const DB_URL = `postgres://postgres@127.0.0.1:5432/${DB}`;
const CONFIG = 'bench/pgscale.yml';
const MARKER = commentMarker(CONFIG);
const REPO = { id: 4242, owner: 'acme', name: 'shop', default_branch: 'main' };
const PR = 7;

const root = mkdtempSync(path.join(tmpdir(), 'pgscale-e2e-'));
let fake: FakeGitHub;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  if (!existsSync(ACTION_ENTRY)) throw new Error(`${ACTION_ENTRY} is missing: run npm run bundle first`);
  fake = await startFakeGitHub({ owner: REPO.owner, repo: REPO.name, repository_id: REPO.id });
  await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${DB}`);
});

afterAll(async () => {
  await fake?.close();
  await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  rmSync(root, { recursive: true, force: true });
});

let workspaces = 0;
/** A fresh checkout: the fixture variant as bench/. */
function workspace(variant: 'base' | 'head-noindex'): string {
  const dir = path.join(root, `ws-${++workspaces}`, 'repo');
  cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'e2e', variant), path.join(dir, 'bench'), { recursive: true });
  return dir;
}

interface Scenario {
  gh?: FakeGitHub;
  variant?: 'base' | 'head-noindex';
  inputs: Record<string, string>;
  /** Workflow run id; the fake records uploads under it. */
  runId: number;
  branch?: string;
  event?: 'pull_request' | 'push';
  /** Rewrites the checked-out bench/pgscale.yml. */
  editConfig?: (text: string) => string;
}

async function act(s: Scenario): Promise<ActionRun & { workspace: string }> {
  const gh = s.gh ?? fake;
  const branch = s.branch ?? (s.event === 'push' ? 'main' : 'feature');
  gh.setCurrentRun({ id: s.runId, head_branch: branch, head_repository_id: REPO.id, conclusion: null });
  const ws = workspace(s.variant ?? 'base');
  if (s.editConfig) {
    const file = path.join(ws, CONFIG);
    writeFileSync(file, s.editConfig(readFileSync(file, 'utf8')));
  }
  const event =
    s.event === 'push'
      ? { name: 'push', ref: `refs/heads/${branch}`, payload: pushPayload(REPO, branch) }
      : {
          name: 'pull_request',
          ref: `refs/pull/${PR}/merge`,
          payload: pullRequestPayload({ number: PR, repository: REPO, head_ref: branch }),
        };
  const run = await runAction({
    inputs: { config: CONFIG, 'database-url': DB_URL, setup: 'true', 'export-path': 'out', ...s.inputs },
    workspace: ws,
    event,
    runId: s.runId,
    githubEnv: gh.env(),
  });
  // The runner marks the run finished once the job is over; a failed step fails the run.
  gh.runs.get(s.runId)!.conclusion = run.code === 0 ? 'success' : 'failure';
  return { ...run, workspace: ws };
}

const ourComments = (gh: FakeGitHub) => gh.comments.filter((c) => c.issue_number === PR && c.body.startsWith(MARKER));

const STACK_FRAME = /^\s+at .+[(\s].+:\d+:\d+\)?$/m;

describe('no baseline', () => {
  let empty: FakeGitHub;
  beforeAll(async () => {
    empty = await startFakeGitHub({ owner: REPO.owner, repo: REPO.name, repository_id: REPO.id });
  });
  afterAll(() => empty.close());

  it('says no-baseline prominently and does not fail with fail-on: regression', async () => {
    const r = await act({ gh: empty, inputs: { mode: 'compare' }, runId: 401 });
    expect(r.code, transcript(r)).toBe(0);
    expect(r.outputs.verdict).toBe('no-baseline');
    expect(r.outputs['baseline-run-id']).toBe('');
    expect(Number(r.outputs['peak-tps'])).toBeGreaterThan(0);
    // Prominent: an alert right under the title, before any table or chart.
    const alert = r.summary.indexOf('> [!WARNING]\n> **Verdict: NO BASELINE**');
    expect(alert).toBeGreaterThan(0);
    expect(alert).toBeLessThan(r.summary.indexOf('### TPS vs concurrency'));
    expect(r.summary).toContain('no artifact named &quot;pgscale\\-baseline&quot; exists in acme/shop');
    expect(r.summary).toContain('this is not a pass');
    expect(commands(r.stdout, 'warning').some((w) => w.includes('No baseline to compare against'))).toBe(true);
    expect(commands(r.stdout, 'error')).toEqual([]);
  });

  it('fails the step with fail-on: inconclusive', async () => {
    const r = await act({ gh: empty, inputs: { mode: 'compare', 'fail-on': 'inconclusive' }, runId: 402 });
    expect(r.code, transcript(r)).toBe(1);
    expect(r.outputs.verdict).toBe('no-baseline');
    const errors = commands(r.stdout, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^pgscale verdict: no-baseline/);
  });
});

describe('two pgscale steps in one job', () => {
  it('both upload their results artifact (names do not collide)', async () => {
    const first = await act({ inputs: { mode: 'run' }, runId: 801 });
    const second = await act({ inputs: { mode: 'run' }, runId: 801 });
    for (const r of [first, second]) {
      expect(r.code, transcript(r)).toBe(0);
      expect(commands(r.stdout, 'warning').filter((w) => w.includes('results artifact'))).toEqual([]);
    }
    const names = [...fake.artifacts.values()].filter((a) => a.run_id === 801 && a.finalized).map((a) => a.name);
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
  });
});

describe('invalid inputs', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['mode', { mode: 'sideways' }, /^input mode: expected one of run, baseline, compare, ab, got "sideways"$/],
    [
      'max-tps-drop',
      { 'max-tps-drop': 'lots' },
      /^input max-tps-drop: expected a percentage like "5%" or a fraction like 0\.05, got "lots"$/,
    ],
    ['retention-days', { 'retention-days': '0' }, /^input retention-days: expected a whole number of days/],
    ['fail-on', { 'fail-on': 'maybe' }, /^input fail-on: expected one of regression, inconclusive, never/],
  ];
  let n = 600;
  for (const [name, inputs, message] of cases) {
    it(`${name}: one ::error:: line naming the input, exit 1, no stack trace`, async () => {
      const r = await act({ inputs: { mode: 'compare', ...inputs }, runId: ++n });
      expect(r.code, transcript(r)).toBe(1);
      const errors = commands(r.stdout, 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
      expect(r.stdout + r.stderr).not.toMatch(STACK_FRAME);
      expect(r.stderr).toBe('');
      expect(r.outputs).toEqual({});
    });
  }
});
