import { describe, expect, it } from 'vitest';
import { analyzeResults, buildFitPoints } from '../../../src/analyze/index.js';
import { summarizeBand } from '../../../src/analyze/bands.js';
import { batchMeans, tCritical } from '../../../src/analyze/stats.js';
import type { ResultsDocument } from '../../../src/results/types.js';
import { diagonalDoc, makeBand, makeDoc, NO_SLO, nonFiniteNumbers, SETTINGS } from '../../support/analyze-factory.js';

describe('per-band statistics', () => {
  const band = makeBand(1, { workers: 10, connections: 20, tps: 1000, noise: 0.02, phi: 0.5 });
  const s = summarizeBand(band, SETTINGS).stats;

  it('reports latency shape, efficiency and measured utilisation', () => {
    const mean = band.latency.mean_ms!;
    expect(s.latency_mean_ms.value).toBe(mean);
    expect(s.latency_p50_ms).toBe(band.latency.p50_ms);
    expect(s.latency_p95_ms).toBe(band.latency.p95_ms);
    expect(s.latency_p99_ms).toBe(band.latency.p99_ms);
    expect(s.latency_stddev_ms).toBeCloseTo(0.8 * mean, 12);
    expect(s.latency_variance_ms2).toBeCloseTo((0.8 * mean) ** 2, 12);
    expect(s.latency_cv).toBeCloseTo(0.8, 12);
    expect(s.tps_per_worker).toBeCloseTo(band.total_tps / 10, 12);
    expect(s.tps_per_connection).toBeCloseTo(band.total_tps / 20, 12);
    // Factory: S = min(W, C)/X, so S·X/C = 10/20.
    expect(s.connection_utilization).toBeCloseTo(0.5, 9);
    expect(s.concurrency).toBe(10);
  });
  it('gives the mean-TPS interval from batch means with a t quantile', () => {
    const bm = batchMeans(band.tps_series, 10).estimate!;
    const half = tCritical(0.95, 9) * bm.se;
    expect(s.tps.value).toBe(band.total_tps);
    expect(s.tps.interval!.low).toBeCloseTo(band.total_tps - half, 9);
    expect(s.tps.interval!.high).toBeCloseTo(band.total_tps + half, 9);
    expect(s.tps.interval!.level).toBe(0.95);
  });
  it("gives a mean-latency interval that mirrors the throughput interval (Little's law per batch)", () => {
    const iv = s.latency_mean_ms.interval!;
    const mean = s.latency_mean_ms.value!;
    expect(iv.low).toBeLessThan(mean);
    expect(iv.high).toBeGreaterThan(mean);
    const relTps = (s.tps.interval!.high - s.tps.interval!.low) / s.tps.value!;
    const relLat = (iv.high - iv.low) / mean;
    expect(relLat / relTps).toBeGreaterThan(0.8);
    expect(relLat / relTps).toBeLessThan(1.25);
  });
  it('withholds the latency interval in rate mode, with a reason', () => {
    const open = makeBand(2, {
      workers: 10,
      connections: 20,
      tps: 1000,
      overrides: { rate: { target_tps: 1000, lag_mean_ms: 0.1, lag_max_ms: 2, held: true } },
    });
    const e = summarizeBand(open, SETTINGS).stats.latency_mean_ms;
    expect(e.interval).toBeNull();
    expect(e.reason).toMatch(/open-loop/);
  });
});

describe('curve-fitting inputs', () => {
  it('uses concurrency = min(workers, connections) and excludes client-bound, failed and zero-TPS bands', () => {
    const bands = [
      makeBand(1, { workers: 10, connections: 20, tps: 1000 }),
      makeBand(2, { workers: 40, connections: 20, tps: 1500 }),
      makeBand(3, {
        workers: 20,
        connections: 20,
        tps: 1200,
        overrides: {
          client: { event_loop_utilization: 0.95, event_loop_delay_p99_ms: 9, cpu_us_per_tx: 1, client_bound: true },
        },
      }),
      makeBand(4, { workers: 30, connections: 30, tps: 1300, overrides: { status: 'failed' } }),
      makeBand(5, { workers: 50, connections: 50, tps: 0, noise: 0 }),
    ];
    const pts = buildFitPoints(bands.map((b) => summarizeBand(b, SETTINGS)));
    expect(pts.map((p) => p.concurrency)).toEqual([10, 20, 20, 30, 50]);
    expect(pts.map((p) => p.excluded_reason === null)).toEqual([true, true, false, false, false]);
    expect(pts[2]!.excluded_reason).toMatch(/client-bound/);
    expect(pts[3]!.excluded_reason).toMatch(/failed/);
    expect(pts[4]!.excluded_reason).toMatch(/zero TPS/);
    expect(pts[0]!.tps_series).toEqual(bands[0]!.tps_series);
  });
  it('fills curve_fitting from the fitter', () => {
    const usl = (n: number) => (100 * n) / (1 + 0.02 * (n - 1) + 0.002 * n * (n - 1));
    const { analysis } = analyzeResults(diagonalDoc([1, 2, 4, 8, 16, 32, 64], usl), SETTINGS, NO_SLO);
    expect(analysis.curve_fitting.axis).toBe('concurrency');
    expect(analysis.curve_fitting.points_used).toBe(7);
    expect(analysis.curve_fitting.usl.sigma).not.toBeNull();
  });
});

describe('degenerate inputs never produce NaN or Infinity', () => {
  const lin = (n: number) => 100 * n;
  const cases: [string, ResultsDocument][] = [
    ['no bands', makeDoc([])],
    ['a single band', diagonalDoc([8], lin)],
    ['two bands', diagonalDoc([4, 8], lin)],
    ['all-equal TPS, constant series', diagonalDoc([1, 2, 4, 8, 16], () => 1000, { noise: 0 })],
    ['all-equal TPS, noisy', diagonalDoc([1, 2, 4, 8, 16], () => 1000)],
    ['zero-TPS bands', diagonalDoc([1, 2, 4, 8], () => 0, { noise: 0 })],
    ['a zero-TPS band in the middle', diagonalDoc([1, 2, 4, 8], (n) => (n === 4 ? 0 : 100 * n), { noise: 0 })],
    ['superlinear data', diagonalDoc([1, 2, 4, 8, 16], (n) => 10 * n * n)],
    ['empty tps_series', diagonalDoc([1, 2, 4, 8], lin, { seconds: 0 })],
    ['short tps_series', diagonalDoc([1, 2, 4, 8], lin, { seconds: 3 })],
    [
      'missing latency',
      makeDoc(
        [1, 2, 4].map((n, i) => {
          const empty = {
            count: 0,
            mean_ms: null,
            stddev_ms: null,
            p50_ms: null,
            p95_ms: null,
            p99_ms: null,
            max_ms: null,
          };
          return makeBand(i + 1, {
            workers: n,
            connections: n,
            tps: 100 * n,
            overrides: { latency: empty, pool_wait: empty, service_time: empty },
          });
        }),
        'exponential',
      ),
    ],
    [
      'a failed band',
      makeDoc(
        [
          makeBand(1, { workers: 1, connections: 1, tps: 100 }),
          makeBand(2, { workers: 2, connections: 2, tps: 0, noise: 0, overrides: { status: 'failed' } }),
        ],
        'exponential',
      ),
    ],
    [
      'a grid with one worker value',
      makeDoc(
        [10, 20, 30].map((c, i) => makeBand(i + 1, { workers: 10, connections: c, tps: 500 })),
        'linear',
      ),
    ],
    [
      'zero workers and connections',
      makeDoc([makeBand(1, { workers: 0, connections: 0, tps: 0, noise: 0, seconds: 0 })]),
    ],
  ];
  it.each(cases)('%s', (_name, doc) => {
    for (const slo of [NO_SLO, { p95_latency_ms: 50, error_rate: 0.01 }]) {
      const result = analyzeResults(doc, SETTINGS, slo);
      expect(nonFiniteNumbers(result)).toEqual([]);
      expect(result.analysis.warnings.filter((w) => w.startsWith('internal'))).toEqual([]);
      expect(JSON.parse(JSON.stringify(result))).toEqual(result);
      if (result.optimal_config === null) expect(result.analysis.optimal_reason).toMatch(/\w/);
      for (const s of result.analysis.band_statistics) {
        if (s.tps.interval === null) expect(s.tps.reason).toMatch(/\w/);
        if (s.latency_mean_ms.value === null || s.latency_mean_ms.interval === null)
          expect(s.latency_mean_ms.reason).toMatch(/\w/);
      }
      for (const g of result.analysis.marginal_gains) {
        if (g.normalized_gain.value === null) expect(g.normalized_gain.reason).toMatch(/\w/);
      }
      for (const r of result.analysis.band_regions) if (r.label === null) expect(r.reason).toMatch(/\w/);
    }
  });
  it('states the reasons: a single band has no gains, and zero-TPS bands have no optimum', () => {
    const one = analyzeResults(diagonalDoc([8], lin), SETTINGS, NO_SLO).analysis;
    expect(one.marginal_gains).toEqual([]);
    expect(one.band_regions[0]!.label).toBeNull();
    expect(one.warnings.join(' ')).toMatch(/fewer than two usable bands/);
    const zero = analyzeResults(
      diagonalDoc([1, 2, 4], () => 0, { noise: 0 }),
      SETTINGS,
      NO_SLO,
    );
    expect(zero.optimal_config).toBeNull();
    expect(zero.analysis.optimal_reason).toMatch(/no band completed with a positive TPS/);
    expect(zero.analysis.marginal_gains[0]!.normalized_gain.reason).toMatch(/zero TPS/);
  });
  it('is deterministic', () => {
    const doc = diagonalDoc([1, 2, 4, 8, 16, 32], (n) => 125 * Math.min(n, 8));
    expect(JSON.stringify(analyzeResults(doc, SETTINGS, NO_SLO))).toBe(
      JSON.stringify(analyzeResults(doc, SETTINGS, NO_SLO)),
    );
  });
});
