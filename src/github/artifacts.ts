// The artifact store: upload the baseline and the run's results; find the baseline that counts
// (newest, unexpired, from a successful run on the baseline branch of this repository, never a fork)
// and read it back through results/read.ts. Finding never throws: any problem becomes a "no
// baseline" result with its reason.

import { DefaultArtifactClient } from '@actions/artifact';
import * as github from '@actions/github';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isUserError } from '../errors.js';
import { JsonTextError, parseResultsJson } from '../results/read.js';
import type { ResultsDocument } from '../results/types.js';
import { toJson } from '../results/write.js';

/** The file name of the results document inside the baseline artifact. */
export const BASELINE_FILE_NAME = 'pgscale-baseline.json';

export interface UploadResult {
  id: number | null;
  size: number | null;
}

function tempRoot(): string {
  return process.env['RUNNER_TEMP'] || tmpdir();
}

/** Uploads the results document as the baseline artifact. Throws on failure: a baseline run must not pretend. */
export async function uploadBaseline(
  doc: ResultsDocument,
  name: string,
  retentionDays: number | null,
): Promise<UploadResult> {
  const dir = await mkdtemp(path.join(tempRoot(), 'pgscale-baseline-'));
  try {
    const file = path.join(dir, BASELINE_FILE_NAME);
    await writeFile(file, toJson(doc), 'utf8');
    const client = new DefaultArtifactClient();
    const res = await client.uploadArtifact(name, [file], dir, retentionDays ? { retentionDays } : {});
    return { id: res.id ?? null, size: res.size ?? null };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Uploads result files (JSON, CSV, Markdown) as one artifact; paths keep their layout below their common directory. */
export async function uploadResultsArtifact(
  files: string[],
  name: string,
  retentionDays: number | null = null,
): Promise<UploadResult> {
  if (files.length === 0) return { id: null, size: null };
  const absolute = files.map((f) => path.resolve(f));
  let root = path.dirname(absolute[0]!);
  for (const f of absolute) {
    while (!(f === root || f.startsWith(root.endsWith(path.sep) ? root : root + path.sep))) root = path.dirname(root);
  }
  const client = new DefaultArtifactClient();
  const res = await client.uploadArtifact(name, absolute, root, retentionDays ? { retentionDays } : {});
  return { id: res.id ?? null, size: res.size ?? null };
}

/**
 * Uploads the results under `baseName`. Artifact names are unique per workflow run, and matrix
 * legs (or two pgscale steps) share GITHUB_JOB: when the name is taken (409), it tries name-2,
 * name-3, … instead of losing the results. Returns the name used.
 */
export async function uploadResultsUnderFreeName(
  files: string[],
  baseName: string,
  retentionDays: number | null,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const name = attempt === 1 ? baseName : `${baseName}-${attempt}`;
    try {
      await uploadResultsArtifact(files, name, retentionDays);
      return name;
    } catch (error) {
      const taken = /\(409\)|already exists/i.test(error instanceof Error ? error.message : String(error));
      if (!taken || attempt >= 20) throw error;
    }
  }
}

export interface FindBaselineOptions {
  token: string;
  owner: string;
  repo: string;
  branch: string;
  name: string;
  /** This repository's numeric id; looked up when absent. */
  repositoryId?: number;
  /** Where to download; a fresh temporary directory when absent. */
  downloadDir?: string;
}

export type BaselineLookup =
  | {
      found: true;
      document: ResultsDocument;
      artifact_id: number;
      run_id: number;
      created_at: string | null;
      /** Candidates that were passed over, with why (forks, failed runs, expired). */
      skipped: string[];
    }
  | { found: false; reason: string; skipped: string[] };

interface ArtifactItem {
  id: number;
  name: string;
  expired: boolean;
  created_at?: string | null;
  expires_at?: string | null;
  workflow_run?: {
    id?: number;
    head_branch?: string | null;
    head_repository_id?: number;
    repository_id?: number;
  } | null;
}

function httpStatus(error: unknown): number | null {
  const s = (error as { status?: unknown })?.status;
  return typeof s === 'number' ? s : null;
}

function describe(error: unknown): string {
  const status = httpStatus(error);
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return status ? `HTTP ${status}: ${message}` : (message ?? 'unknown error');
}

/** How many candidate runs we check for success before giving up (each costs one API call). */
const MAX_RUN_CHECKS = 20;

export async function findBaseline(opts: FindBaselineOptions): Promise<BaselineLookup> {
  const skipped: string[] = [];
  const where = `${opts.owner}/${opts.repo}`;
  const octokit = github.getOctokit(opts.token, { baseUrl: process.env['GITHUB_API_URL'] || 'https://api.github.com' });

  let repositoryId = opts.repositoryId;
  try {
    if (repositoryId === undefined) {
      const { data } = await octokit.rest.repos.get({ owner: opts.owner, repo: opts.repo });
      repositoryId = data.id;
    }
  } catch (error) {
    return { found: false, reason: `could not read repository ${where} (${describe(error)})`, skipped };
  }

  let artifacts: ArtifactItem[];
  try {
    artifacts = (await octokit.paginate(octokit.rest.actions.listArtifactsForRepo, {
      owner: opts.owner,
      repo: opts.repo,
      name: opts.name,
      per_page: 100,
    })) as ArtifactItem[];
  } catch (error) {
    const status = httpStatus(error);
    const hint = status === 403 || status === 404 ? '; the token needs the actions: read permission' : '';
    return { found: false, reason: `could not list artifacts of ${where} (${describe(error)})${hint}`, skipped };
  }

  const named = artifacts.filter((a) => a.name === opts.name);
  if (named.length === 0) {
    return {
      found: false,
      reason:
        `no artifact named "${opts.name}" exists in ${where}; run ` +
        `the action with mode: baseline on ${opts.branch} first`,
      skipped,
    };
  }
  const newestFirst = [...named].sort(
    (a, b) => Date.parse(b.created_at ?? '') - Date.parse(a.created_at ?? '') || b.id - a.id,
  );
  const candidates: ArtifactItem[] = [];
  let expired = 0;
  for (const a of newestFirst) {
    const run = a.workflow_run;
    if (run?.head_branch !== opts.branch) {
      skipped.push(`artifact ${a.id}: from branch ${JSON.stringify(run?.head_branch ?? null)}, not ${opts.branch}`);
    } else if (run.head_repository_id !== repositoryId) {
      skipped.push(
        `artifact ${a.id}: from a fork (head repository ${run.head_repository_id ?? 'unknown'}), not ${where}`,
      );
    } else if (a.expired) {
      expired++;
      skipped.push(`artifact ${a.id}: expired${a.expires_at ? ` on ${a.expires_at}` : ''}`);
    } else {
      candidates.push(a);
    }
  }
  if (candidates.length === 0) {
    const why =
      expired > 0
        ? `every baseline from ${opts.branch} has expired (${expired} found); record a new one`
        : `none of the ${named.length} artifact(s) named "${opts.name}" comes from branch ${opts.branch} of ${where}`;
    return { found: false, reason: why, skipped };
  }

  let chosen: { artifact: ArtifactItem; runId: number } | null = null;
  for (const a of candidates.slice(0, MAX_RUN_CHECKS)) {
    const runId = a.workflow_run?.id;
    if (typeof runId !== 'number') {
      skipped.push(`artifact ${a.id}: no workflow run recorded`);
      continue;
    }
    try {
      const { data: run } = await octokit.rest.actions.getWorkflowRun({
        owner: opts.owner,
        repo: opts.repo,
        run_id: runId,
      });
      const headRepo = (run as { head_repository?: { id?: number } | null }).head_repository?.id;
      if (run.conclusion !== 'success') {
        skipped.push(
          `artifact ${a.id}: run ${runId} concluded ${run.conclusion ?? run.status ?? 'without a conclusion'}`,
        );
      } else if (headRepo !== undefined && headRepo !== repositoryId) {
        skipped.push(`artifact ${a.id}: run ${runId} was for a fork`);
      } else if (run.head_branch !== opts.branch) {
        skipped.push(`artifact ${a.id}: run ${runId} was on branch ${JSON.stringify(run.head_branch)}`);
      } else {
        chosen = { artifact: a, runId };
        break;
      }
    } catch (error) {
      skipped.push(`artifact ${a.id}: could not read run ${runId} (${describe(error)})`);
    }
  }
  if (!chosen) {
    const expiredNote = expired > 0 ? `; ${expired} from ${opts.branch} expired` : '';
    return {
      found: false,
      reason:
        `no unexpired baseline artifact "${opts.name}" on ${opts.branch} comes from a successful ` +
        `run of ${where} (${Math.min(candidates.length, MAX_RUN_CHECKS)} checked${expiredNote})`,
      skipped,
    };
  }

  const ownDir = !opts.downloadDir;
  const dir = opts.downloadDir ?? (await mkdtemp(path.join(tempRoot(), 'pgscale-baseline-dl-')));
  const label = `baseline artifact ${chosen.artifact.id} from run ${chosen.runId}`;
  try {
    const client = new DefaultArtifactClient();
    await client.downloadArtifact(chosen.artifact.id, {
      path: dir,
      findBy: {
        token: opts.token,
        workflowRunId: chosen.runId,
        repositoryOwner: opts.owner,
        repositoryName: opts.repo,
      },
    });
    const files = await readdir(dir);
    const file = files.includes(BASELINE_FILE_NAME) ? BASELINE_FILE_NAME : files.find((f) => f.endsWith('.json'));
    if (!file) return { found: false, reason: `${label} holds no JSON results document`, skipped };
    const text = await readFile(path.join(dir, file), 'utf8');
    let doc: ResultsDocument;
    try {
      doc = parseResultsJson(text, file);
    } catch (error) {
      if (!isUserError(error)) throw error;
      const what = error instanceof JsonTextError ? 'is not valid JSON' : 'is not a valid pgscale results document';
      return { found: false, reason: `${label} ${what} (${error.message})`, skipped };
    }
    return {
      found: true,
      document: doc,
      artifact_id: chosen.artifact.id,
      run_id: chosen.runId,
      created_at: chosen.artifact.created_at ?? null,
      skipped,
    };
  } catch (error) {
    return { found: false, reason: `could not download ${label} (${describe(error)})`, skipped };
  } finally {
    if (ownDir) await rm(dir, { recursive: true, force: true });
  }
}
