// Band tables shaped like real scans against PostgreSQL 15 on a 2-core machine (tpcb and select-only at
// scale 10), each reproducing a piece of confident nonsense the analysis used to print.
import { describe, expect, it } from 'vitest';
import { analyzeResults } from '../../../src/analyze/index.js';
import { fitCurves } from '../../../src/analyze/fit.js';
import { makeBand, makeDoc, NO_SLO, SETTINGS } from '../../support/analyze-factory.js';

/** A closed-loop band whose per-second series is exactly `series` (so its TPS is the series mean). */
function bandFromSeries(id: number, workers: number, connections: number, series: number[]) {
  const mean = series.reduce((a, v) => a + v, 0) / series.length;
  const band = makeBand(id, { workers, connections, tps: mean, noise: 0, seconds: series.length });
  band.tps_series = series;
  return band;
}

const clientBound = {
  event_loop_utilization: 0.97,
  event_loop_delay_p99_ms: 30,
  cpu_us_per_tx: 70,
  client_bound: true,
};

describe('lessons from real runs', () => {
  it('client-bound bands get no region label and do not silently become the optimum', () => {
    // select-only, exponential 1..32: bands 5 and 6 saturated the Node event loop.
    const rows: [number, number, boolean][] = [
      [1, 300, false],
      [2, 680, false],
      [4, 1340, false],
      [8, 1580, false],
      [16, 3290, true],
      [32, 5460, true],
    ];
    const doc = makeDoc(
      rows.map(([n, t, cb], i) =>
        makeBand(i + 1, {
          workers: n,
          connections: n,
          tps: t,
          noise: 0.05,
          overrides: cb ? { client: clientBound } : {},
        }),
      ),
      'exponential',
    );
    const { analysis, optimal_config } = analyzeResults(doc, SETTINGS, NO_SLO);
    expect(analysis.band_regions[4]!.label).toBeNull();
    expect(analysis.band_regions[5]!.label).toBeNull();
    expect(analysis.band_regions[5]!.reason).toMatch(/client-bound/);
    expect(analysis.regions.flatMap((r) => r.band_ids)).not.toContain(6);
    expect(analysis.curve_fitting.excluded.map((e) => e.band_id)).toEqual([5, 6]);
    // The highest TPS was measured on a client-bound band: the optimum says so, and the workers
    // recommendation claims no confidence for it.
    expect(optimal_config!.band_id).toBe(6);
    expect(optimal_config!.reasoning).toMatch(/client-bound/);
    const workers = analysis.recommendations.find((r) => r.category === 'workers')!;
    expect(workers.confidence).toBe(0);
    expect(workers.priority).toBe('low');
  });

  it('a band past the peak that is lower but not significantly so is saturation, never "before the peak"', () => {
    // Grid along workers at 9 connections: 9 → 16 workers drops 471 → 337 TPS with ±35% noise.
    const doc = makeDoc(
      [
        bandFromSeries(1, 2, 9, [205, 198, 201, 190, 210, 199, 204, 201]),
        bandFromSeries(2, 9, 9, [470, 480, 465, 475, 468, 472, 471, 469]),
        bandFromSeries(3, 16, 9, [600, 610, 100, 90, 560, 540, 120, 80]),
      ],
      'linear',
    );
    const r = analyzeResults(doc, SETTINGS, NO_SLO).analysis.band_regions[2]!;
    expect(r.label).toBe('saturation');
    expect(r.reason).toMatch(/past the peak, but not significantly/);
    expect(r.reason).not.toMatch(/before the peak/);
  });

  it('a significant TPS change at the same database concurrency (W ≥ C, C fixed) is blamed on the client side, not PostgreSQL', () => {
    // W > C run: 8/16/32 workers on 4 connections gave 321, 155, 127 TPS.
    const doc = makeDoc(
      [
        [8, 321],
        [16, 155],
        [32, 127],
      ].map(([w, t], i) => makeBand(i + 1, { workers: w!, connections: 4, tps: t!, noise: 0.03 })),
      'exponential',
    );
    const { analysis } = analyzeResults(doc, SETTINGS, NO_SLO);
    expect(analysis.band_regions[1]!.label).toBe('degradation');
    expect(analysis.band_regions[1]!.reason).toMatch(/same concurrency \(min\(workers, connections\) = 4\)/);
    expect(analysis.warnings.some((w) => /bands 1 and 2 give the database the same concurrency/.test(w))).toBe(true);
    // Every band is pool-bound and the predicted pool wait is the closed-loop value (W − C)·S/C, near the observed one.
    for (const q of analysis.queueing_theory.bands) {
      if (q.band_id > 1) expect(q.bottleneck).toBe('pool-bound'); // band 1 waits exactly half its latency
      expect(q.prediction_method).toBe('closed-loop-bound');
      expect(q.predicted_pool_wait_ms!).toBeCloseTo(q.observed_pool_wait_ms!, 6);
    }
  });

  it('a per-second series that does not add up to the band TPS is flagged', () => {
    const band = makeBand(1, { workers: 1, connections: 1, tps: 241 });
    band.tps_series = [276, 270, 274, 259, 277, 298, 172]; // mean 261 vs 241 TPS: a second went missing
    const doc = makeDoc([band, makeBand(2, { workers: 2, connections: 2, tps: 350 })], 'exponential');
    const { analysis } = analyzeResults(doc, SETTINGS, NO_SLO);
    expect(analysis.warnings.some((w) => /band 1: its per-second series \(7 samples/.test(w))).toBe(true);
    expect(analysis.warnings.some((w) => /band 2: its per-second series/.test(w))).toBe(false);
  });

  it('noisy bands that no test can separate never make a far slower band the optimum', () => {
    // tpcb 1..32: band 4 (539 TPS, ±50%) is "not significantly below" band 5 (615 TPS), yet 12% slower.
    const series: number[][] = [
      [238, 244, 240, 243, 239, 241, 242, 240],
      [345, 352, 350, 349, 351, 348, 353, 350],
      [490, 495, 492, 494, 496, 491, 493, 494],
      [723, 725, 694, 581, 357, 374, 533, 326], // the real band 4: a long mid-band slump
      [639, 611, 696, 686, 551, 563, 581, 593],
      [379, 351, 419, 587, 441, 397, 339, 295],
    ];
    const doc = makeDoc(
      series.map((s, i) => bandFromSeries(i + 1, 2 ** i, 2 ** i, s)),
      'exponential',
    );
    const { optimal_config: o } = analyzeResults(doc, SETTINGS, NO_SLO);
    expect(o!.band_id).toBe(5);
    expect(o!.fraction_of_peak).toBe(1);
    expect(o!.reasoning).toMatch(/highest TPS measured/);
    expect(o!.objective).toMatch(/within 5% of that TPS/);
  });

  it('USL on superlinear-then-flat data reports its peak without also saying "no peak"', () => {
    const points = [
      [1, 302],
      [2, 677],
      [4, 1337],
      [8, 1576],
    ].map(([n, t], i) => ({ band_id: i + 1, concurrency: n!, tps: t!, tps_series: [], excluded_reason: null }));
    const fit = fitCurves(points, { ...SETTINGS, bootstrap_resamples: 50 });
    expect(fit.usl.superlinear).toBe(true);
    expect(fit.usl.peak_concurrency).not.toBeNull();
    expect(fit.usl.reason ?? '').not.toMatch(/no peak/);
    expect(fit.usl.notes!.some((n) => /N\* rests on κ alone/.test(n))).toBe(true);
  });

  it('USL on a grid: 3 distinct concurrencies for 3 parameters is said to be an interpolation, and replicates are named', () => {
    // Linear grid 2..16 step 7: nine bands, min(W, C) ∈ {2, 9, 16}.
    const rows: [number, number, number][] = [
      [2, 2, 260],
      [2, 9, 201],
      [2, 16, 178],
      [9, 2, 235],
      [9, 9, 471],
      [9, 16, 432],
      [16, 2, 259],
      [16, 9, 337],
      [16, 16, 462],
    ];
    const points = rows.map(([w, c, t], i) => ({
      band_id: i + 1,
      concurrency: Math.min(w, c),
      tps: t,
      tps_series: [],
      excluded_reason: null,
    }));
    const fit = fitCurves(points, { ...SETTINGS, bootstrap_resamples: 50 });
    expect(fit.usl.notes!.some((n) => /only 3 distinct concurrencies for the USL's 3 parameters/.test(n))).toBe(true);
    expect(fit.usl.notes!.some((n) => /9 bands at 3 distinct concurrencies/.test(n))).toBe(true);
  });
});
