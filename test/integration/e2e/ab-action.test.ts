// End to end, mode ab: the bundled action (dist/index.js) on a pull_request event, in a shallow clone
// whose base commit must be fetched from origin, measuring base and head on the real PostgreSQL, with
// the local fake GitHub for the comment and the results artifact.
// The "pull request" drops the index that keeps the lookup fast (test/fixtures/e2e/head-noindex), so head
// is many times slower: the paired rounds must fail it. A pull request that only edits a comment in the
// setup SQL must not fail.

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { commentMarker } from '../../../src/github/comment.js';
import { startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
import { pullRequestPayload, REPO_ROOT, runAction, transcript, type ActionRun } from '../../support/e2e-runner.js';

vi.setConfig({ testTimeout: 240_000 });

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const REPO = { id: 4343, owner: 'acme', name: 'shop', default_branch: 'main' };
const CONFIG = 'bench/pgscale.yml';
const root = mkdtempSync(path.join(tmpdir(), 'pgscale-e2e-ab-'));
let fake: FakeGitHub;

// One band of 2 workers, 2 s of interleaved turns after a short warm-up, 6 rounds: well under a minute.
const SHORT = (text: string) =>
  text
    .replace(/min_workers: \d+/, 'min_workers: 2')
    .replace(/max_workers: \d+/, 'max_workers: 2')
    .replace(/band_duration: \S+/, 'band_duration: 2s')
    .replace(/warmup_time: \S+/, 'warmup_time: 300ms');

const git = (cwd: string, ...args: string[]): string =>
  execFileSync(
    'git',
    ['-c', 'user.name=pgscale', '-c', 'user.email=pgscale@example.com', '-c', 'init.defaultBranch=main', ...args],
    { cwd, encoding: 'utf8' },
  ).trim();

/** An origin with the base commit and a head commit on top; returns the shallow clone of head and both SHAs. */
function pullRequestCheckout(
  name: string,
  editHead: (benchDir: string) => void,
): { workspace: string; base: string; head: string } {
  const origin = path.join(root, name, 'origin');
  mkdirSync(origin, { recursive: true });
  git(origin, 'init', '-q');
  git(origin, 'config', 'uploadpack.allowAnySHA1InWant', 'true');
  const bench = path.join(origin, 'bench');
  cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'e2e', 'base'), bench, { recursive: true });
  writeFileSync(path.join(bench, 'pgscale.yml'), SHORT(readFileSync(path.join(bench, 'pgscale.yml'), 'utf8')));
  git(origin, 'add', '-A');
  git(origin, 'commit', '-qm', 'base');
  const base = git(origin, 'rev-parse', 'HEAD');
  editHead(bench);
  git(origin, 'add', '-A');
  git(origin, 'commit', '-qm', 'head');
  const head = git(origin, 'rev-parse', 'HEAD');
  const workspace = path.join(root, name, 'repo');
  // As actions/checkout does by default: depth 1, so the base commit is not there.
  git(root, 'clone', '-q', '--depth', '1', `file://${origin}`, workspace);
  return { workspace, base, head };
}

async function actAb(
  checkout: { workspace: string; base: string },
  runId: number,
  inputs: Record<string, string> = {},
): Promise<ActionRun> {
  fake.setCurrentRun({ id: runId, head_branch: 'feature', head_repository_id: REPO.id, conclusion: null });
  const payload = pullRequestPayload({ number: 9, repository: REPO, head_ref: 'feature' }) as {
    pull_request: { base: { sha: string } };
  };
  payload.pull_request.base.sha = checkout.base;
  return runAction({
    inputs: {
      mode: 'ab',
      config: CONFIG,
      'database-url': ADMIN_URL,
      'ab-rounds': '6',
      'export-path': 'out',
      comment: 'always',
      ...inputs,
    },
    workspace: checkout.workspace,
    event: { name: 'pull_request', ref: 'refs/pull/9/merge', payload },
    runId,
    githubEnv: fake.env(),
  });
}

async function leftoverDatabases(): Promise<string[]> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const r = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'pgscale_ab_%'",
    );
    return r.rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  fake = await startFakeGitHub({ owner: REPO.owner, repo: REPO.name, repository_id: REPO.id });
});

afterAll(async () => {
  await fake?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('mode ab on a pull request', () => {
  it('a dropped index in head fails the gate: base files fetched from the base commit, report, comment, outputs, artifact', async () => {
    const checkout = pullRequestCheckout('noindex', (bench) =>
      cpSync(
        path.join(REPO_ROOT, 'test', 'fixtures', 'e2e', 'head-noindex', 'setup.sql'),
        path.join(bench, 'setup.sql'),
      ),
    );
    const r = await actAb(checkout, 901);
    expect(r.code, transcript(r)).toBe(1);
    expect(r.outputs.verdict, transcript(r)).toBe('fail');
    // The base side came from the base commit, which the shallow clone had to fetch.
    expect(r.stdout).toContain(`fetching base commit ${checkout.base}`);
    expect(r.stdout).toMatch(new RegExp(`::error[^\\n]*pgscale verdict: fail`));
    // The summary states the method, the rounds and the noise, and names the failing figure
    // (read without Markdown's backslash escapes).
    const summary = r.summary.replace(/\\/g, '');
    expect(summary).toMatch(
      /Same-runner A\/B run: base and head on one runner and one server, both pools open, taking turns in ABBA blocks: 6 round\(s\) × 2 block\(s\) per band/,
    );
    expect(summary).toMatch(/Noise observed: a paired block\S* TPS log-ratio deviates by [\d.]+%/);
    expect(summary).toContain(`base commit ${checkout.base.slice(0, 12)}`);
    expect(summary).toMatch(/TPS at 2 workers \/ 2 connections/);
    // One sticky comment with the same report.
    const comments = fake.comments.filter((c) => c.issue_number === 9 && c.body.startsWith(commentMarker(CONFIG)));
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/Same-runner A\/B run/);
    // ab-results.json: the paired blocks (2 s bands: 2 per round), the head side far slower in every one.
    const results = JSON.parse(readFileSync(r.outputs['results-json']!, 'utf8')) as {
      ab: {
        rounds: number;
        blocks_per_round: number;
        turn_ms: number;
        pairs: { phase: string; base: { tps: number }; head: { tps: number } }[];
      };
      comparison: { verdict: string; bands: { tps: { status: string; ratio: number } }[] };
    };
    expect(results.ab).toMatchObject({ rounds: 6, blocks_per_round: 2, turn_ms: 250 });
    const main = results.ab.pairs.filter((p) => p.phase === 'main');
    expect(main).toHaveLength(12);
    for (const p of main) expect(p.head.tps).toBeLessThan(0.5 * p.base.tps);
    expect(results.comparison.bands[0]!.tps.status).toBe('fail');
    // The results went up as an artifact through the real artifact client.
    const uploaded = [...fake.artifacts.values()].filter((a) => a.run_id === 901);
    expect(uploaded.map((a) => a.name)).toEqual(['pgscale-ab-bench-1']);
    expect(uploaded[0]!.finalized && uploaded[0]!.size > 0).toBe(true);
    expect(await leftoverDatabases()).toEqual([]);
  });

  it('a head that only edits a comment does not fail', async () => {
    const checkout = pullRequestCheckout('comment-only', (bench) => {
      const file = path.join(bench, 'setup.sql');
      writeFileSync(file, `-- reworded comment, same schema\n${readFileSync(file, 'utf8')}`);
    });
    const r = await actAb(checkout, 902);
    expect(r.outputs.verdict, transcript(r)).not.toBe('fail');
    expect(r.code, transcript(r)).toBe(0);
    expect(['pass', 'inconclusive']).toContain(r.outputs.verdict);
    expect(await leftoverDatabases()).toEqual([]);
  });
});
