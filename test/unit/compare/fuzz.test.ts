// Baselines come from artifacts and files written by other versions and other hands: whatever they
// hold, the comparison must not throw, and must not emit NaN or Infinity.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareResults, DEFAULT_THRESHOLDS } from '../../../src/compare/index.js';
import type { ResultsDocument } from '../../../src/results/types.js';
import { grid, makeDoc } from '../../support/compare-factory.js';

const current = makeDoc({
  bands: grid(),
  seed: 1,
  usl: { peak_concurrency: 20, peak_concurrency_ci: { low: 18, high: 22, level: 0.95 } },
});
const pristine = JSON.stringify(
  makeDoc({
    bands: grid(),
    seed: 2,
    usl: { peak_concurrency: 20, peak_concurrency_ci: { low: 18, high: 22, level: 0.95 } },
  }),
);

const junk = fc.constantFrom<unknown>(
  NaN,
  -1,
  0,
  Infinity,
  -Infinity,
  null,
  undefined,
  'x',
  '',
  [],
  {},
  [1, 'a', null],
  'AAAA',
  'not base64!',
  { low: NaN, high: 'x', level: 2 },
  1e308,
  true,
);
const bandFields = [
  'total_tps',
  'tps_series',
  'latency_histogram',
  'status',
  'latency',
  'client',
  'error_rate',
  'degraded',
  'band_id',
  'duration_s',
];
const topFields = [
  'analysis',
  'optimal_config',
  'workload_files',
  'partial',
  'partial_reason',
  'tool',
  'test_start_time',
];

function hasNonFinite(value: unknown): boolean {
  let bad = false;
  JSON.stringify(value, (_k, v) => {
    if (typeof v === 'number' && !Number.isFinite(v)) bad = true;
    return v;
  });
  return bad;
}

describe('compareResults on damaged baselines', () => {
  it('never throws and never emits NaN or Infinity', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(3), fc.constantFrom(...bandFields), junk), { maxLength: 6 }),
        fc.array(fc.tuple(fc.constantFrom(...topFields), junk), { maxLength: 3 }),
        fc.constantFrom<unknown>(null, 'x', {
          curve_fitting: {
            usl: {
              peak_concurrency: 'x',
              peak_concurrency_ci: 3,
              sigma: NaN,
              sigma_ci: { low: -1, high: NaN, level: 0.95 },
            },
          },
        }),
        (bandEdits, topEdits, analysis) => {
          const baseline = JSON.parse(pristine) as Record<string, unknown> & { bands: Record<string, unknown>[] };
          for (const [i, field, value] of bandEdits) baseline.bands[i]![field] = value;
          for (const [field, value] of topEdits) baseline[field] = value;
          if (analysis !== null) baseline.analysis = analysis;
          const c = compareResults(current, baseline as unknown as ResultsDocument, DEFAULT_THRESHOLDS);
          expect(['pass', 'fail', 'inconclusive', 'no-baseline']).toContain(c.verdict);
          expect(hasNonFinite(c)).toBe(false);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });
});
