// The real @actions/artifact and octokit clients against the fake GitHub: upload a baseline, find it
// again, and ignore what must not count (fork branches, failed runs, expired artifacts).

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub } from '../../support/fake-github.js';
import { makeDoc, grid } from '../../support/compare-factory.js';

// @actions/github reads GITHUB_API_URL when it is first imported, so the fake must be up first.
const fake = await startFakeGitHub({ owner: 'acme', repo: 'shop', repository_id: 4242 });
fake.setCurrentRun({ id: 1, head_branch: 'main', head_repository_id: 4242, conclusion: null });
Object.assign(process.env, fake.env());
const work = await mkdtemp(path.join(tmpdir(), 'pgscale-gh-art-'));
process.env['GITHUB_WORKSPACE'] = work;
process.env['RUNNER_TEMP'] = work;
const { uploadBaseline, uploadResultsArtifact, findBaseline, BASELINE_FILE_NAME } =
  await import('../../../src/github/artifacts.js');

const token = 'ghs_faketoken';
const find = (extra: Partial<Parameters<typeof findBaseline>[0]> = {}) =>
  findBaseline({ token, owner: 'acme', repo: 'shop', branch: 'main', name: 'pgscale-baseline', ...extra });

afterAll(async () => {
  await fake.close();
  await rm(work, { recursive: true, force: true });
});

describe('artifacts against the fake GitHub', () => {
  const good = makeDoc({ bands: grid(), seed: 11 });

  it('says "no baseline" with a reason when none was ever uploaded', async () => {
    const r = await find();
    expect(r.found).toBe(false);
    if (!r.found) expect(r.reason).toContain('no artifact named "pgscale-baseline" exists in acme/shop');
  });

  beforeAll(() => undefined);

  it('uploads a baseline with the real client and finds and downloads it back', async () => {
    fake.setCurrentRun({ id: 101, head_branch: 'main', head_repository_id: 4242, conclusion: null });
    const up = await uploadBaseline(good, 'pgscale-baseline', 30);
    expect(up.id).toBeGreaterThan(0);
    // The upload really went through the Twirp and Azure block-blob protocols.
    expect(
      fake.requests.some((r) =>
        r.startsWith('POST /twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact'),
      ),
    ).toBe(true);
    expect(
      fake.requests.some(
        (r) => /^PUT \/blob\/.*comp=block&blockid=/.test(r) || /^PUT \/blob\/.*blockid=.*comp=block/.test(r),
      ),
    ).toBe(true);
    expect(fake.requests.some((r) => /^PUT \/blob\/.*comp=blocklist/.test(r))).toBe(true);
    expect(
      fake.requests.some((r) =>
        r.startsWith('POST /twirp/github.actions.results.api.v1.ArtifactService/FinalizeArtifact'),
      ),
    ).toBe(true);
    expect(fake.artifacts.get(up.id!)!.expires_at).not.toBeNull();

    // The run is still in progress: not a baseline yet.
    const early = await find();
    expect(early.found).toBe(false);
    if (!early.found) expect(early.reason).toContain('successful run');

    fake.runs.get(101)!.conclusion = 'success';
    const r = await find();
    expect(r.found).toBe(true);
    if (r.found) {
      expect(r.run_id).toBe(101);
      expect(r.artifact_id).toBe(up.id);
      expect(r.document).toEqual(JSON.parse(JSON.stringify(good)));
    }
    expect(fake.requests.some((q) => q.startsWith(`GET /repos/acme/shop/actions/artifacts/${up.id}/zip`))).toBe(true);
  });

  it('ignores newer artifacts from a fork branch of the same name and from failed runs', async () => {
    const forkDoc = makeDoc({ bands: grid(0.5), seed: 12 });
    fake.setCurrentRun({ id: 102, head_branch: 'main', head_repository_id: 9999, conclusion: 'success' });
    await uploadBaseline(forkDoc, 'pgscale-baseline', null);
    fake.setCurrentRun({ id: 103, head_branch: 'main', head_repository_id: 4242, conclusion: 'failure' });
    await uploadBaseline(forkDoc, 'pgscale-baseline', null);
    fake.setCurrentRun({ id: 104, head_branch: 'feature', head_repository_id: 4242, conclusion: 'success' });
    await uploadBaseline(forkDoc, 'pgscale-baseline', null);

    const r = await find();
    expect(r.found).toBe(true);
    if (r.found) {
      expect(r.run_id).toBe(101);
      expect(r.document.bands[0]!.total_tps).toBe(good.bands[0]!.total_tps);
      expect(r.skipped.join('\n')).toMatch(/from a fork/);
      expect(r.skipped.join('\n')).toMatch(/run 103 concluded failure/);
      expect(r.skipped.join('\n')).toMatch(/from branch "feature"/);
    }
    // Asking for the feature branch finds the feature run's artifact.
    const f = await find({ branch: 'feature' });
    expect(f.found && f.run_id).toBe(104);
  });

  it('an expired baseline gives no-baseline with the reason', async () => {
    for (const a of fake.artifacts.values()) if (a.run_id === 101) a.expired = true;
    const r = await find();
    expect(r.found).toBe(false);
    if (!r.found) expect(r.reason).toMatch(/expired/);
    for (const a of fake.artifacts.values()) if (a.run_id === 101) a.expired = false;
  });

  it('a baseline that is not JSON gives no-baseline, not a crash', async () => {
    fake.setCurrentRun({ id: 105, head_branch: 'main', head_repository_id: 4242, conclusion: 'success' });
    const dir = await mkdtemp(path.join(work, 'junk-'));
    await writeFile(path.join(dir, BASELINE_FILE_NAME), '{"schema_version": 1, "bands": [', 'utf8');
    await uploadResultsArtifact([path.join(dir, BASELINE_FILE_NAME)], 'pgscale-baseline');
    const r = await find();
    expect(r.found).toBe(false);
    if (!r.found) expect(r.reason).toMatch(/run 105 is not valid JSON/);
  });

  it('a baseline with a bad field is rejected through the results reader, in one line naming the field', async () => {
    fake.setCurrentRun({ id: 107, head_branch: 'main', head_repository_id: 4242, conclusion: 'success' });
    const dir = await mkdtemp(path.join(work, 'bad-field-'));
    const doc = JSON.parse(JSON.stringify(good)) as { bands: { total_tps: unknown }[] };
    doc.bands[1]!.total_tps = 'fast';
    await writeFile(path.join(dir, BASELINE_FILE_NAME), JSON.stringify(doc, null, 2) + '\n', 'utf8');
    await uploadResultsArtifact([path.join(dir, BASELINE_FILE_NAME)], 'pgscale-baseline');
    const r = await find();
    expect(r.found).toBe(false);
    if (!r.found) {
      expect(r.reason).toMatch(
        /^baseline artifact \d+ from run 107 is not a valid pgscale results document \(pgscale-baseline\.json:\d+:\d+: bands\[1\]\.total_tps: expected a non-negative finite number, got the string "fast"\)$/,
      );
      expect(r.reason).not.toContain('\n');
    }
  });

  it('a token without access gives no-baseline with the permission hint', async () => {
    const r = await find({ repo: 'other' });
    expect(r.found).toBe(false);
    if (!r.found) expect(r.reason).toMatch(/HTTP 404/);
  });

  it('uploads result files keeping their layout', async () => {
    fake.setCurrentRun({ id: 106, head_branch: 'main', head_repository_id: 4242, conclusion: null });
    const dir = await mkdtemp(path.join(work, 'results-'));
    await writeFile(path.join(dir, 'results.json'), '{}');
    await writeFile(path.join(dir, 'results.csv'), 'band_id\n');
    const up = await uploadResultsArtifact(
      [path.join(dir, 'results.json'), path.join(dir, 'results.csv')],
      'pgscale-results',
    );
    expect(up.id).toBeGreaterThan(0);
    const zip = fake.blobs.get(fake.artifacts.get(up.id!)!.blob_key)!;
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    expect(zip.includes(Buffer.from('results.csv'))).toBe(true);
    expect(await readFile(path.join(dir, 'results.json'), 'utf8')).toBe('{}');
  });
});
