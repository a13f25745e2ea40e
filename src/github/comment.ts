// The sticky pull-request comment: one per PR and per config, found again by a hidden marker and
// updated in place. Commenting is a courtesy: it never throws and never changes the verdict.

import * as core from '@actions/core';
import * as github from '@actions/github';
import { createHash } from 'node:crypto';
import type { Verdict } from '../results/comparison-types.js';
import type { CommentPolicy } from './inputs.js';

/** GitHub refuses comment bodies longer than this many characters. */
export const COMMENT_LIMIT = 65_536;

/** The hidden marker for a config: a short hash, so paths never leak into the HTML comment. */
export function commentMarker(configPath: string): string {
  const hash = createHash('sha256').update(configPath.replace(/\\/g, '/')).digest('hex').slice(0, 16);
  return `<!-- pgscale:${hash} -->`;
}

/** Marker + body, cut to fit the limit with a note saying where the rest is. */
export function fitCommentBody(marker: string, body: string, limit = COMMENT_LIMIT): string {
  const full = `${marker}\n${body}`;
  if (full.length <= limit) return full;
  const note =
    "\n\n---\n*This comment was truncated to fit GitHub's size limit. " +
    'The full report is in the job summary and the results artifact.*\n';
  let cut = full.slice(0, limit - note.length);
  // Do not leave half a table row or an open code fence behind.
  const lastNewline = cut.lastIndexOf('\n');
  if (lastNewline > marker.length) cut = cut.slice(0, lastNewline);
  if ((cut.match(/^```/gm)?.length ?? 0) % 2 === 1) cut += '\n```';
  return (cut + note).slice(0, limit);
}

/** Whether to post: 'create' (create or update), 'update' (refresh an existing comment only), 'skip'. */
export function commentAction(policy: CommentPolicy, verdict: Verdict | null): 'create' | 'update' | 'skip' {
  if (policy === 'never') return 'skip';
  if (policy === 'always') return 'create';
  // on-regression: post on a failure; otherwise refresh an earlier comment so it does not show a stale failure.
  return verdict === 'fail' ? 'create' : 'update';
}

/** The pull request number of the triggering event, if any. */
export function pullRequestNumber(payload: {
  pull_request?: { number?: number };
  issue?: { number?: number; pull_request?: unknown };
}): number | null {
  if (typeof payload.pull_request?.number === 'number') return payload.pull_request.number;
  if (payload.issue?.pull_request && typeof payload.issue.number === 'number') return payload.issue.number;
  return null;
}

export interface StickyCommentOptions {
  token: string;
  owner: string;
  repo: string;
  issueNumber: number;
  /** The config path the marker is made from: one comment per PR and per config. */
  configPath: string;
  body: string;
  /** false = only update an existing comment (see commentAction). */
  createIfMissing?: boolean;
  /** Where warnings go; @actions/core by default. */
  warn?: (message: string) => void;
}

/** Creates or updates the sticky comment. Returns its URL, or null when none was written. Never throws. */
export async function upsertStickyComment(opts: StickyCommentOptions): Promise<string | null> {
  const warn = opts.warn ?? ((m: string) => core.warning(m));
  const marker = commentMarker(opts.configPath);
  const body = fitCommentBody(marker, opts.body);
  try {
    const octokit = github.getOctokit(opts.token, {
      baseUrl: process.env['GITHUB_API_URL'] || 'https://api.github.com',
    });
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner: opts.owner,
      repo: opts.repo,
      issue_number: opts.issueNumber,
      per_page: 100,
    });
    const existing = comments.find((c) => typeof c.body === 'string' && c.body.includes(marker));
    if (existing) {
      const { data } = await octokit.rest.issues.updateComment({
        owner: opts.owner,
        repo: opts.repo,
        comment_id: existing.id,
        body,
      });
      return data.html_url;
    }
    if (opts.createIfMissing === false) return null;
    const { data } = await octokit.rest.issues.createComment({
      owner: opts.owner,
      repo: opts.repo,
      issue_number: opts.issueNumber,
      body,
    });
    return data.html_url;
  } catch (error) {
    const status = (error as { status?: unknown })?.status;
    const first = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    if (status === 403 || status === 404) {
      warn(
        `pgscale could not comment on pull request #${opts.issueNumber} ` +
          `(HTTP ${status}): the token is read-only here ` +
          ('(fork pull requests and Dependabot get one) or lacks ' +
            'pull-requests: write. The verdict stands; see the job summary.'),
      );
    } else {
      warn(
        `pgscale could not comment on pull request #${opts.issueNumber} ` +
          `(${typeof status === 'number' ? `HTTP ${status}: ` : ''}${first}). ` +
          'The verdict stands; see the job summary.',
      );
    }
    return null;
  }
}
