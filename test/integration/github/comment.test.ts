// The sticky comment against the fake GitHub's real REST endpoints.

import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHub } from '../../support/fake-github.js';

const fake = await startFakeGitHub({ owner: 'acme', repo: 'shop' });
Object.assign(process.env, fake.env());
const { upsertStickyComment, commentMarker, fitCommentBody, commentAction, pullRequestNumber, COMMENT_LIMIT } =
  await import('../../../src/github/comment.js');

afterAll(() => fake.close());

const warnings: string[] = [];
const base = {
  token: 'ghs_fake',
  owner: 'acme',
  repo: 'shop',
  issueNumber: 7,
  configPath: 'bench/pgscale.yml',
  warn: (m: string) => warnings.push(m),
};

beforeEach(() => {
  warnings.length = 0;
  fake.commentWriteStatus = null;
});

describe('sticky PR comment', () => {
  it('creates the comment once, then updates it in place', async () => {
    // Someone else's comments come first, more than one page of them, so pagination is exercised.
    for (let i = 0; i < 120; i++)
      fake.comments.push({
        id: 100 + i,
        issue_number: 7,
        body: `chatter ${i}`,
        html_url: 'x',
        user: { login: 'octocat', type: 'User' },
      });

    const url1 = await upsertStickyComment({ ...base, body: 'first report' });
    expect(url1).toMatch(/^https:\/\/github\.com\/acme\/shop\/pull\/7#issuecomment-\d+$/);
    const url2 = await upsertStickyComment({ ...base, body: 'second report' });
    expect(url2).toBe(url1);
    const ours = fake.comments.filter((c) => c.body.includes(commentMarker('bench/pgscale.yml')));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toBe(`${commentMarker('bench/pgscale.yml')}\nsecond report`);
    expect(fake.requests.filter((r) => r.startsWith('PATCH /repos/acme/shop/issues/comments/'))).toHaveLength(1);
    expect(fake.requests.some((r) => r.includes('/issues/7/comments') && r.includes('page=2'))).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('keeps one comment per config', async () => {
    await upsertStickyComment({ ...base, configPath: 'other.yml', body: 'other config' });
    const markers = new Set(
      fake.comments.filter((c) => c.body.startsWith('<!-- pgscale:')).map((c) => c.body.split('\n')[0]),
    );
    expect(markers.size).toBe(2);
  });

  it('with createIfMissing false, only an existing comment is refreshed', async () => {
    const none = await upsertStickyComment({ ...base, issueNumber: 8, body: 'x', createIfMissing: false });
    expect(none).toBeNull();
    expect(fake.comments.some((c) => c.issue_number === 8)).toBe(false);
  });

  it('a 403 from a read-only token warns and carries on', async () => {
    fake.commentWriteStatus = 403;
    const url = await upsertStickyComment({ ...base, issueNumber: 9, body: 'report' });
    expect(url).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not comment on pull request #9 \(HTTP 403\).*read-only.*verdict stands/);
    // Updating an existing comment is refused the same way.
    const again = await upsertStickyComment({ ...base, body: 'third report' });
    expect(again).toBeNull();
    expect(warnings).toHaveLength(2);
  });

  it('never throws, even when GitHub is unreachable', async () => {
    const saved = process.env['GITHUB_API_URL'];
    process.env['GITHUB_API_URL'] = 'http://127.0.0.1:1';
    try {
      await expect(upsertStickyComment({ ...base, body: 'x' })).resolves.toBeNull();
      expect(warnings[0]).toMatch(/could not comment/);
    } finally {
      process.env['GITHUB_API_URL'] = saved;
    }
  });

  it('keeps a huge body under the limit with a note, and GitHub accepts it', async () => {
    const huge = '| a | b |\n'.repeat(20_000);
    const fitted = fitCommentBody(commentMarker('x'), huge);
    expect(fitted.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(fitted).toContain('truncated');
    expect(fitted.startsWith(commentMarker('x'))).toBe(true);
    const url = await upsertStickyComment({ ...base, issueNumber: 11, body: huge });
    expect(url).not.toBeNull();
    expect(fake.comments.find((c) => c.issue_number === 11)!.body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
  });

  it('closes a code fence that truncation cut open', () => {
    const body = '```mermaid\n' + 'line [1, 2, 3]\n'.repeat(10_000);
    const fitted = fitCommentBody(commentMarker('x'), body);
    expect((fitted.match(/^```/gm) ?? []).length % 2).toBe(0);
  });

  it('marker is a hash, not the path', () => {
    expect(commentMarker('secret/dir/pgscale.yml')).toMatch(/^<!-- pgscale:[0-9a-f]{16} -->$/);
    expect(commentMarker('a.yml')).not.toBe(commentMarker('b.yml'));
  });

  it('comment policy and PR number', () => {
    expect(commentAction('never', 'fail')).toBe('skip');
    expect(commentAction('always', 'pass')).toBe('create');
    expect(commentAction('on-regression', 'fail')).toBe('create');
    expect(commentAction('on-regression', 'pass')).toBe('update');
    expect(pullRequestNumber({ pull_request: { number: 12 } })).toBe(12);
    expect(pullRequestNumber({ issue: { number: 3, pull_request: {} } })).toBe(3);
    expect(pullRequestNumber({})).toBeNull();
  });
});
