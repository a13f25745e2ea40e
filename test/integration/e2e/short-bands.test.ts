// End to end with short bands (3 s, 1 s warm-up): the action's compare mode decides gross changes from
// the 250 ms slices. Dropping the index the lookup uses fails every band; adding it passes as improved.
// Four action runs against the real server; the baselines are results files (input baseline-file).

import { describe, expect, it, vi } from 'vitest';
import { commands, transcript } from '../../support/e2e-runner.js';
import { useActionHarness, type ScenarioRun } from '../../support/e2e-action.js';
import { runCli, scratchDir } from '../../support/reliability-helpers.js';

vi.setConfig({ testTimeout: 240_000 });

const h = useActionHarness('short');
// PGSCALE_SHORT_BAND=6s re-runs the same scenarios with 6 s bands.
const BAND = process.env['PGSCALE_SHORT_BAND'] ?? '3s';
const short = (text: string): string =>
  text.replace(/band_duration: \S+/, `band_duration: ${BAND}`).replace(/warmup_time: \S+/, 'warmup_time: 1s');
const BANDS = ['1 workers / 1 connections', '2 workers / 2 connections', '4 workers / 4 connections'];

let indexed: ScenarioRun;
let noIndex: ScenarioRun;

describe('3 s bands with 1 s warm-up', () => {
  it('both schemas measured once, as results files', async () => {
    indexed = await h.act({ inputs: { mode: 'run' }, runId: 901, editConfig: short });
    noIndex = await h.act({ variant: 'head-noindex', inputs: { mode: 'run' }, runId: 902, editConfig: short });
    for (const r of [indexed, noIndex]) expect(r.code, transcript(r)).toBe(0);
  });

  it('dropping the index fails every band on TPS', async () => {
    const r = await h.act({
      variant: 'head-noindex',
      inputs: { mode: 'compare', 'baseline-file': indexed.outputs['results-json']! },
      runId: 903,
      editConfig: short,
    });
    expect(r.code, transcript(r)).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    const failed = commands(r.stdout, 'error').map((e) => e.split(':')[0]);
    for (const band of BANDS) expect(failed).toContain(`TPS at ${band}`);
  });

  it('adding it passes, every band improved, nothing left inconclusive', async () => {
    const r = await h.act({
      inputs: { mode: 'compare', 'baseline-file': noIndex.outputs['results-json']! },
      runId: 904,
      editConfig: short,
    });
    expect(r.code, transcript(r)).toBe(0);
    if (process.env['PGSCALE_E2E_DEBUG']) console.log(r.summary);
    expect(r.outputs.verdict, r.summary).toBe('pass');
    expect(r.summary).not.toContain('could not be settled');
    // Each band's row: TPS and p95 both "pass (improved)".
    for (const n of [1, 2, 4])
      expect(r.summary).toMatch(
        new RegExp(`\\| ${n} \\| ${n} \\| [^\\n]*pass \\(improved\\)[^\\n]*pass \\(improved\\) \\|`),
      );
  });
});

describe('the shortest band that can be judged', () => {
  it('a plan with 1.5 s bands warns in --dry-run', async () => {
    const scratch = scratchDir();
    try {
      const config = scratch.write(
        'short.yaml',
        'progressive:\n  min_workers: 1\n  max_workers: 2\n  band_duration: 1500ms\nworkload: select-only\n',
      );
      const result = await runCli(['--config', config, '--dry-run']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        'Warning: band_duration 1.5s is below 2s, the shortest band pgscale can judge against a baseline',
      );
    } finally {
      scratch.remove();
    }
  });
});
