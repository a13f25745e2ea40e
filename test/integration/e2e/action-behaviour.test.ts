// The action's behaviour that no measurement decides (no baseline, two steps in one job, invalid
// inputs), through dist/index.js as the runner starts it. Split from action.test.ts so that it runs
// beside the other behaviour-only files; the scenarios that compare measurements stay there.
// The harness (fake GitHub, database, fixture workspaces) is test/support/e2e-action.ts.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
import { commands, transcript } from '../../support/e2e-runner.js';
import { REPO, STACK_FRAME, useActionHarness, type Scenario } from '../../support/e2e-action.js';

// Each action run is ~20 s of bands, setup and analysis; some tests make two runs on a shared machine.
vi.setConfig({ testTimeout: 240_000 });

const h = useActionHarness('behaviour');
// Nothing here compares measurements, so 1 s bands serve as well as the fixture's 5 s ones.
const act = (s: Scenario) =>
  h.act({
    ...s,
    editConfig: (t) => (s.editConfig ? s.editConfig(t) : t).replace('band_duration: 5s', 'band_duration: 1s'),
  });

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
    const names = [...h.fake.artifacts.values()].filter((a) => a.run_id === 801 && a.finalized).map((a) => a.name);
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
