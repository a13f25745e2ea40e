import { describe, expect, it } from 'vitest';
import { fitCurves, predictionGrid, type FitPoint } from '../../../src/analyze/fit.js';
import type { CurveFitting } from '../../../src/results/types.js';
import { SETTINGS, expectCleanJson, noisyBands, pointsOf, uslCurve } from '../../support/analyze-fit-helpers.js';

const fast = { ...SETTINGS, bootstrap_resamples: 40 };

/** Every null figure of a fitted or unfitted model sits beside a stated reason. */
function expectReasons(fit: CurveFitting): void {
  expect(fit.best_model_reason.length).toBeGreaterThan(10);
  for (const m of fit.models) {
    if (m.reason !== null) {
      expect(m.parameters).toEqual({});
      expect([m.r_squared, m.rmse, m.aicc]).toEqual([null, null, null]);
    } else {
      if (m.r_squared === null) expect(m.notes?.some((n) => n.startsWith('R² is undefined'))).toBe(true);
      if (m.aicc === null) expect(m.notes?.some((n) => n.startsWith('AICc is undefined'))).toBe(true);
    }
  }
  const u = fit.usl;
  const anyNull = [
    u.sigma,
    u.kappa,
    u.lambda,
    u.peak_concurrency,
    u.peak_tps,
    u.r_squared,
    u.sigma_ci,
    u.kappa_ci,
    u.peak_concurrency_ci,
    u.peak_tps_ci,
  ].some((v) => v === null);
  if (anyNull) expect(u.reason).toBeTruthy();
  if (fit.best_model === null) expect(fit.best_model_reason).toMatch(/no model/);
}

describe('degenerate inputs give nulls with reasons, never NaN or Infinity', () => {
  it('no points', () => {
    const fit = fitCurves([], fast);
    expectCleanJson(fit);
    expectReasons(fit);
    expect(fit.points_used).toBe(0);
    expect(fit.best_model).toBeNull();
    expect(fit.predictions).toEqual([]);
    expect(fit.usl.reason).toMatch(/no usable points/);
  });

  it('a single band', () => {
    const fit = fitCurves(pointsOf([8], [1200]), fast);
    expectCleanJson(fit);
    expectReasons(fit);
    expect(fit.models.every((m) => m.reason !== null)).toBe(true);
    expect(fit.best_model_reason).toMatch(/1 point at 1 distinct concurrency/);
  });

  it('two bands: two-parameter curves pass through both points but no AICc, so no best model', () => {
    const fit = fitCurves(pointsOf([4, 8], [400, 700]), fast);
    expectCleanJson(fit);
    expectReasons(fit);
    const linear = fit.models.find((m) => m.model === 'linear')!;
    expect(linear.parameters).toEqual({ a: 75, b: 100 });
    expect(linear.aicc).toBeNull();
    expect(fit.best_model).toBeNull();
    expect(fit.usl.reason).toMatch(/needs at least 3 distinct concurrencies/);
  });

  it('all-equal TPS: R² undefined, flat curves fit exactly, linear preferred, USL has no peak', () => {
    const fit = fitCurves(
      noisyBands(1, [1, 2, 4, 8, 16], () => 500, { relativeNoise: 0 }),
      fast,
    );
    expectCleanJson(fit);
    expectReasons(fit);
    expect(fit.models.every((m) => m.r_squared === null)).toBe(true);
    expect(fit.best_model).toBe('linear');
    expect(fit.best_model_reason).toMatch(/fits every point exactly/);
    expect(fit.usl.sigma).toBe(1);
    expect(fit.usl.peak_concurrency).toBeNull();
    expect(fit.predictions.every((p) => p.tps === 500)).toBe(true);
  });

  it('all-zero TPS bands are excluded as zero TPS, even when the caller did not flag them', () => {
    const fit = fitCurves(pointsOf([1, 2, 4], [0, 0, 0]), fast);
    expectCleanJson(fit);
    expectReasons(fit);
    expect(fit.excluded).toEqual([
      { band_id: 1, reason: 'zero TPS' },
      { band_id: 2, reason: 'zero TPS' },
      { band_id: 3, reason: 'zero TPS' },
    ]);
    expect(fit.points_used).toBe(0);
  });

  it('superlinear data: σ held at 0, flagged superlinear, no peak, and the reason says so', () => {
    const fit = fitCurves(
      noisyBands(3, [1, 2, 4, 8, 16, 32], (n) => 10 * n ** 1.3, { relativeNoise: 0.01 }),
      fast,
    );
    expectCleanJson(fit);
    expectReasons(fit);
    expect(fit.usl.sigma).toBe(0);
    expect(fit.usl.superlinear).toBe(true);
    expect(fit.usl.peak_concurrency).toBeNull();
    expect(fit.usl.reason).toMatch(/superlinear/);
    expect(fit.best_model).not.toBe('usl');
  });

  it('exponential growth that would overflow is bounded and stays finite', () => {
    const fit = fitCurves(pointsOf([1000, 2000, 4000, 8000], [1, 1e3, 1e150, 1e300]), fast);
    expectCleanJson(fit);
    expectReasons(fit);
    const exp = fit.models.find((m) => m.model === 'exponential')!;
    expect(exp.notes?.some((n) => n.includes('growth rate b is held'))).toBe(true);
  });

  it('non-finite inputs are excluded, not propagated', () => {
    const points: FitPoint[] = [
      ...pointsOf([1, 2, 4, 8], [100, 190, 350, 600]),
      { band_id: 9, concurrency: Number.NaN, tps: 5, tps_series: [], excluded_reason: null },
      { band_id: 10, concurrency: 16, tps: Number.POSITIVE_INFINITY, tps_series: [], excluded_reason: null },
      {
        band_id: 11,
        concurrency: 16,
        tps: 700,
        tps_series: [Number.NaN, 700, 700, 700, 700, 700],
        excluded_reason: null,
      },
    ];
    const fit = fitCurves(points, fast);
    expectCleanJson(fit);
    expect(fit.excluded.map((e) => e.band_id)).toEqual([9, 10]);
    expect(fit.points_used).toBe(5);
  });
});

describe('exclusions, duplicates and predictions', () => {
  const truth = { lambda: 800, sigma: 0.04, kappa: 0.001 };

  it('lists caller-excluded bands with their reasons and ignores their TPS', () => {
    const clean = noisyBands(5, [1, 2, 4, 8, 16, 32, 64], uslCurve(truth));
    const withOutliers: FitPoint[] = [
      ...clean,
      { band_id: 100, concurrency: 32, tps: 1, tps_series: [1, 1, 1, 1, 1], excluded_reason: 'client-bound' },
      { band_id: 101, concurrency: 64, tps: 99999, tps_series: [], excluded_reason: 'failed' },
    ];
    const a = fitCurves(clean, fast);
    const b = fitCurves(withOutliers, fast);
    expect(b.excluded).toEqual([
      { band_id: 100, reason: 'client-bound' },
      { band_id: 101, reason: 'failed' },
    ]);
    expect(b.points_used).toBe(7);
    expect(b.usl).toEqual(a.usl);
    expect(b.models).toEqual(a.models);
  });

  it('fits every band of a grid, duplicates of min(W, C) included', () => {
    const ns: number[] = [];
    for (const w of [2, 4, 8, 16, 32]) for (const c of [2, 4, 8, 16, 32]) ns.push(Math.min(w, c));
    const fit = fitCurves(noisyBands(11, ns, uslCurve(truth)), SETTINGS);
    expect(fit.points_used).toBe(25);
    expect(fit.usl.sigma!).toBeGreaterThan(0.02);
    expect(fit.usl.sigma!).toBeLessThan(0.06);
    expect(fit.usl.kappa!).toBeGreaterThan(0.0005);
    expect(fit.usl.kappa!).toBeLessThan(0.002);
    expect(fit.usl.bootstrap?.method).toBe('moving-block');
    expectCleanJson(fit);
  });

  it('predicts only from 1 up to 2× the largest measured concurrency, for the best model and the USL', () => {
    const fit = fitCurves(
      noisyBands(5, [1, 2, 4, 8, 16, 24], (n) => 900 * Math.log(n) + 500, { relativeNoise: 0.005 }),
      fast,
    );
    expect(fit.best_model).toBe('logarithmic');
    const models = new Set(fit.predictions.map((p) => p.model));
    expect([...models].sort()).toEqual(['logarithmic', 'usl']);
    for (const p of fit.predictions) {
      expect(p.concurrency).toBeGreaterThanOrEqual(1);
      expect(p.concurrency).toBeLessThanOrEqual(48);
    }
    const log = fit.predictions.filter((p) => p.model === 'logarithmic');
    expect(log[log.length - 1]!.concurrency).toBe(48);
    const a = fit.models.find((m) => m.model === 'logarithmic')!.parameters;
    for (const p of log) expect(p.tps).toBeCloseTo(a.a! * Math.log(p.concurrency) + a.b!, 9);
  });

  it('builds round prediction grids ending exactly at 2× the maximum', () => {
    expect(predictionGrid(4)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const wide = predictionGrid(500);
    expect(wide[0]).toBe(1);
    expect(wide[1]).toBe(50);
    expect(wide[wide.length - 1]).toBe(1000);
    expect(wide.length).toBeLessThanOrEqual(50);
    expect(predictionGrid(0)).toEqual([]);
  });

  it('does not report a USL peak that lies beyond 2× the largest measured concurrency', () => {
    // Peak of this curve is at √(0.99/1e-6) ≈ 995, far beyond 2 × 16.
    const fit = fitCurves(
      pointsOf([1, 2, 4, 8, 12, 16], [1, 2, 4, 8, 12, 16].map(uslCurve({ lambda: 100, sigma: 0.01, kappa: 1e-6 }))),
      fast,
    );
    expect(fit.usl.kappa!).toBeGreaterThan(0);
    expect(fit.usl.peak_concurrency).toBeNull();
    expect(fit.usl.peak_concurrency_ci).toBeNull();
    expect(fit.usl.reason).toMatch(/beyond 2× the largest measured concurrency \(32\)/);
  });
});
