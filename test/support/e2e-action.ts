// The end-to-end harness of the action's tests: the bundled action (dist/index.js) as the runner starts it,
// against the real PostgreSQL and a local GitHub that speaks the real artifact (Twirp + Azure blob) and REST
// protocols. Workload: test/fixtures/e2e/<variant>/ copied to <workspace>/bench/ — a 200k-row table looked
// up by an indexed column; the head-noindex variant's setup creates it without the index.

import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { commentMarker } from '../../src/github/comment.js';
import { startFakeGitHub, type FakeGitHub } from './fake-github.js';
import { ACTION_ENTRY, pullRequestPayload, pushPayload, REPO_ROOT, runAction, type ActionRun } from './e2e-runner.js';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const CONFIG = 'bench/pgscale.yml';
export const MARKER = commentMarker(CONFIG);
export const REPO = { id: 4242, owner: 'acme', name: 'shop', default_branch: 'main' };
export const PR = 7;
export const STACK_FRAME = /^\s+at .+[(\s].+:\d+:\d+\)?$/m;

export interface Scenario {
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

export type ScenarioRun = ActionRun & { workspace: string };

export interface ActionHarness {
  /** The fake GitHub every scenario talks to unless it names its own; started in beforeAll. */
  readonly fake: FakeGitHub;
  readonly root: string;
  readonly db: string;
  readonly dbUrl: string;
  act(s: Scenario): Promise<ScenarioRun>;
  /** pgscale's sticky comments on the pull request. */
  ourComments(gh?: FakeGitHub): FakeGitHub['comments'];
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Registers the harness's beforeAll/afterAll (a fake GitHub, a database of its own, a scratch root). */
export function useActionHarness(area: string): ActionHarness {
  const db = `pgscale_t_e2e_${area}_${process.pid}`;
  const dbUrl = `postgres://postgres@127.0.0.1:5432/${db}`;
  const root = mkdtempSync(path.join(tmpdir(), 'pgscale-e2e-'));
  let fake: FakeGitHub | undefined;
  let workspaces = 0;

  beforeAll(async () => {
    if (!existsSync(ACTION_ENTRY)) throw new Error(`${ACTION_ENTRY} is missing: run npm run bundle first`);
    fake = await startFakeGitHub({ owner: REPO.owner, repo: REPO.name, repository_id: REPO.id });
    await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${db}`);
  });

  afterAll(async () => {
    await fake?.close();
    await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    rmSync(root, { recursive: true, force: true });
  });

  const started = (): FakeGitHub => {
    if (!fake) throw new Error('the fake GitHub starts in beforeAll');
    return fake;
  };

  /** A fresh checkout: the fixture variant as bench/. */
  function workspace(variant: 'base' | 'head-noindex'): string {
    const dir = path.join(root, `ws-${++workspaces}`, 'repo');
    cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'e2e', variant), path.join(dir, 'bench'), { recursive: true });
    return dir;
  }

  async function act(s: Scenario): Promise<ScenarioRun> {
    const gh = s.gh ?? started();
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
      inputs: { config: CONFIG, 'database-url': dbUrl, setup: 'true', 'export-path': 'out', ...s.inputs },
      workspace: ws,
      event,
      runId: s.runId,
      githubEnv: gh.env(),
    });
    // The runner marks the run finished once the job is over; a failed step fails the run.
    gh.runs.get(s.runId)!.conclusion = run.code === 0 ? 'success' : 'failure';
    return { ...run, workspace: ws };
  }

  return {
    get fake() {
      return started();
    },
    root,
    db,
    dbUrl,
    act,
    ourComments: (gh) => (gh ?? started()).comments.filter((c) => c.issue_number === PR && c.body.startsWith(MARKER)),
  };
}
