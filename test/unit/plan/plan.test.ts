import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/config/index.js';
import {
  canonicalJson,
  exponentialValues,
  fibonacciValues,
  linearValues,
  planBands,
  planFingerprint,
} from '../../../src/plan/index.js';
import { UserError } from '../../../src/errors.js';
import type { BandPlan } from '../../../src/plan/types.js';
import { progressive } from '../../support/progressive.js';

const spec = (name: string) => join(fileURLToPath(new URL('../../fixtures/spec/', import.meta.url)), name);
const pairs = (plan: BandPlan) => plan.bands.map((b) => [b.workers, b.connections]);
const ids = (plan: BandPlan) => plan.bands.map((b) => b.band_id);

/** The phase lengths the duration and fingerprint expectations below are written for. */
const phases = { band_duration_s: 30, warmup_time_s: 10, cooldown_time_s: 5 };

describe('strategy value sequences', () => {
  it('linear steps from min and ends on max even when the step overshoots it', () => {
    expect(linearValues({ min: 10, max: 30, step: 10 })).toEqual([10, 20, 30]);
    expect(linearValues({ min: 10, max: 35, step: 10 })).toEqual([10, 20, 30, 35]);
    expect(linearValues({ min: 4, max: 4, step: 3 })).toEqual([4]);
  });

  it('exponential doubles, rises by at least step, is capped and ends on max', () => {
    expect(exponentialValues({ min: 5, max: 80, step: 1 })).toEqual([5, 10, 20, 40, 80]);
    expect(exponentialValues({ min: 1, max: 128, step: 1 })).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
    expect(exponentialValues({ min: 5, max: 200, step: 5 })).toEqual([5, 10, 20, 40, 80, 160, 200]);
    expect(exponentialValues({ min: 1, max: 100, step: 10 })).toEqual([1, 11, 22, 44, 88, 100]);
    expect(exponentialValues({ min: 7, max: 7, step: 1 })).toEqual([7]);
  });

  it('fibonacci takes the Fibonacci numbers inside the range plus min and max, once each', () => {
    expect(fibonacciValues({ min: 1, max: 55, step: 1 })).toEqual([1, 2, 3, 5, 8, 13, 21, 34, 55]);
    expect(fibonacciValues({ min: 2, max: 144, step: 2 })).toEqual([2, 3, 5, 8, 13, 21, 34, 55, 89, 144]);
    expect(fibonacciValues({ min: 4, max: 30, step: 1 })).toEqual([4, 5, 8, 13, 21, 30]);
    expect(fibonacciValues({ min: 6, max: 7, step: 1 })).toEqual([6, 7]);
  });

  it('every sequence is strictly ascending, starts at min and ends at max', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 600 }),
        (min, span, step) => {
          for (const values of [linearValues, exponentialValues, fibonacciValues].map((f) =>
            f({ min, max: min + span, step }),
          )) {
            expect(values[0]).toBe(min);
            expect(values[values.length - 1]).toBe(min + span);
            for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1] as number);
          }
        },
      ),
    );
  });
});

describe('plans of the spec configs', () => {
  it('linear example: exactly its 9 bands, workers outer, connections inner', () => {
    const plan = planBands(loadConfigFile(spec('linear-strategy.yaml')).progressive);
    expect(pairs(plan)).toEqual([
      [10, 20],
      [10, 30],
      [10, 40],
      [20, 20],
      [20, 30],
      [20, 40],
      [30, 20],
      [30, 30],
      [30, 40],
    ]);
    expect(ids(plan)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(plan.estimated_duration_s).toBe(9 * (10 + 30 + 5));
  });

  it('exponential example: 5, 10, 20, 40, 80 workers', () => {
    const plan = planBands(loadConfigFile(spec('exponential-strategy.yaml')).progressive);
    expect(pairs(plan)).toEqual([
      [5, 5],
      [10, 10],
      [20, 20],
      [40, 40],
      [80, 80],
    ]);
  });

  it('fibonacci example: 1, 2, 3, 5, 8, 13, 21, 34, 55 workers', () => {
    const plan = planBands(loadConfigFile(spec('fibonacci-strategy.yaml')).progressive);
    expect(plan.bands.map((b) => b.workers)).toEqual([1, 2, 3, 5, 8, 13, 21, 34, 55]);
    expect(ids(plan)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('quick start: 10 × 10 linear grid', () => {
    const plan = planBands(loadConfigFile(spec('quick-start.yaml')).progressive);
    expect(plan.bands).toHaveLength(100);
    expect(pairs(plan).slice(0, 2)).toEqual([
      [10, 10],
      [10, 20],
    ]);
    expect(pairs(plan).at(-1)).toEqual([100, 100]);
    expect(plan.estimated_duration_s).toBe(4500);
  });

  it('high-frequency trading: 9 worker × 9 connection values = 81 bands', () => {
    const plan = planBands(loadConfigFile(spec('high-frequency-trading.yaml')).progressive);
    expect(plan.bands).toHaveLength(81);
    expect(plan.bands[0]).toEqual({ band_id: 1, workers: 10, connections: 20 });
    expect(plan.bands[1]).toEqual({ band_id: 2, workers: 10, connections: 30 });
    expect(plan.bands[9]).toEqual({ band_id: 10, workers: 15, connections: 20 });
    expect(plan.bands[80]).toEqual({ band_id: 81, workers: 50, connections: 100 });
    expect(plan.estimated_duration_s).toBe(81 * (15 + 45 + 5));
  });

  it('capacity planning: 8 exponential bands, connections hold 200 once exhausted', () => {
    const plan = planBands(loadConfigFile(spec('capacity-planning.yaml')).progressive);
    expect(pairs(plan)).toEqual([
      [1, 5],
      [2, 10],
      [4, 20],
      [8, 40],
      [16, 80],
      [32, 160],
      [64, 200],
      [128, 200],
    ]);
    expect(plan.estimated_duration_s).toBe(8 * (10 + 60 + 5));
  });

  it('research: 10 fibonacci bands paired index by index', () => {
    const plan = planBands(loadConfigFile(spec('research-analysis.yaml')).progressive);
    expect(pairs(plan)).toEqual([
      [1, 2],
      [2, 3],
      [3, 5],
      [5, 8],
      [8, 13],
      [13, 21],
      [21, 34],
      [34, 55],
      [55, 89],
      [89, 144],
    ]);
    expect(plan.estimated_duration_s).toBe(10 * (30 + 120 + 15));
    expect(plan).toMatchObject({ strategy: 'fibonacci', band_duration_s: 120, warmup_time_s: 30, cooldown_time_s: 15 });
  });
});

describe('planBands', () => {
  it('the shorter axis holds its last value', () => {
    const plan = planBands(
      progressive({ strategy: 'exponential', min_workers: 1, max_workers: 4, min_connections: 1, max_connections: 32 }),
    );
    expect(pairs(plan)).toEqual([
      [1, 1],
      [2, 2],
      [4, 4],
      [4, 8],
      [4, 16],
      [4, 32],
    ]);
  });

  it('a disabled progressive block plans one band at the maxima', () => {
    const plan = planBands(
      progressive({
        ...phases,
        enabled: false,
        min_workers: 2,
        max_workers: 16,
        min_connections: 4,
        max_connections: 20,
      }),
    );
    expect(plan.bands).toEqual([{ band_id: 1, workers: 16, connections: 20 }]);
    expect(plan.estimated_duration_s).toBe(45);
  });

  it('refuses impossible or enormous plans with a UserError', () => {
    expect(() => planBands(progressive({ min_workers: 5, max_workers: 2 }))).toThrow(UserError);
    expect(() => planBands(progressive({ step_workers: 0, max_workers: 2 }))).toThrow(UserError);
    expect(() => planBands(progressive({ max_workers: 1000, max_connections: 1000 }))).toThrow(
      /would plan 1000000 bands/,
    );
  });

  it('sums warm-up, band and cool-down per band, keeping fractional seconds', () => {
    const plan = planBands(
      progressive({ max_workers: 3, band_duration_s: 0.5, warmup_time_s: 0.1, cooldown_time_s: 0.2 }),
    );
    expect(plan.estimated_duration_s).toBe(2.4);
  });
});

describe('planFingerprint', () => {
  const plan = planBands(
    progressive({ ...phases, max_workers: 4, step_workers: 2, max_connections: 4, step_connections: 2 }),
  );

  it('is the sha256 of the canonical JSON of what makes runs comparable', async () => {
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256')
      .update(
        '{"band_duration_s":30,"bands":[{"connections":1,"workers":1},{"connections":3,"workers":1},{"connections":4,"workers":1},' +
          '{"connections":1,"workers":3},{"connections":3,"workers":3},{"connections":4,"workers":3},' +
          '{"connections":1,"workers":4},{"connections":3,"workers":4},{"connections":4,"workers":4}],' +
          '"cooldown_time_s":5,"scale":1,"warmup_time_s":10,"workload":"tpcb"}',
      )
      .digest('hex');
    expect(planFingerprint(plan, 'tpcb', 1)).toBe(expected);
    expect(planFingerprint(plan, 'tpcb', 1)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with each ingredient and ignores the strategy name', () => {
    const base = planFingerprint(plan, 'tpcb', 1);
    expect(planFingerprint(plan, 'select-only', 1)).not.toBe(base);
    expect(planFingerprint(plan, 'tpcb', 2)).not.toBe(base);
    expect(planFingerprint({ ...plan, band_duration_s: 31 }, 'tpcb', 1)).not.toBe(base);
    expect(planFingerprint({ ...plan, warmup_time_s: 11 }, 'tpcb', 1)).not.toBe(base);
    expect(planFingerprint({ ...plan, cooldown_time_s: 6 }, 'tpcb', 1)).not.toBe(base);
    expect(planFingerprint({ ...plan, bands: [...plan.bands].reverse() }, 'tpcb', 1)).not.toBe(base);
    expect(planFingerprint({ ...plan, strategy: 'fibonacci', estimated_duration_s: 1 }, 'tpcb', 1)).toBe(base);
  });

  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: null }], e: undefined })).toBe('{"a":[{"c":null,"d":2}],"b":1}');
  });
});

describe('example configs', () => {
  const example = (name: string) => fileURLToPath(new URL(`../../../examples/${name}`, import.meta.url));

  it('quickstart.yaml: 4 exponential bands on select-only, 24 s in total', () => {
    const config = loadConfigFile(example('quickstart.yaml'));
    expect(config.workload).toEqual({ kind: 'builtin', name: 'select-only' });
    expect(config.database).toBeNull();
    const plan = planBands(config.progressive);
    expect(pairs(plan)).toEqual([
      [1, 1],
      [2, 2],
      [4, 4],
      [8, 8],
    ]);
    expect(plan.estimated_duration_s).toBe(24);
    expect(config.progressive.export_path).toBe('./progressive_results');
  });

  it('ci.yaml: 3 small tpcb bands', () => {
    const config = loadConfigFile(example('ci.yaml'));
    expect(config.workload).toEqual({ kind: 'builtin', name: 'tpcb' });
    const plan = planBands(config.progressive);
    expect(pairs(plan)).toEqual([
      [1, 1],
      [2, 2],
      [4, 4],
    ]);
    expect(plan.estimated_duration_s).toBe(18);
  });
});
