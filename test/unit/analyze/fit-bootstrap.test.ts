import { describe, expect, it } from 'vitest';
import { fitCurves } from '../../../src/analyze/fit.js';
import { levenbergMarquardt } from '../../../src/analyze/nls.js';
import { createRandom } from '../../../src/random.js';
import { uslPeak } from '../../../src/analyze/usl.js';
import type { Interval } from '../../../src/results/types.js';
import { SETTINGS, expectCleanJson, noisyBands, pointsOf, uslCurve } from '../../support/analyze-fit-helpers.js';

const truth = { lambda: 1000, sigma: 0.05, kappa: 0.002 };
const truePeak = uslPeak(truth);
const ns = [1, 2, 4, 8, 16, 32, 64];
const inside = (ci: Interval | null, value: number): boolean => ci !== null && ci.low <= value && value <= ci.high;

describe('USL bootstrap intervals on synthetic curves with known parameters', () => {
  it('cover the true σ, κ, N* and peak TPS in most of 20 seeded experiments, with useful widths', () => {
    // 60-second bands, AR(1) noise with φ = 0.3 and 3% standard deviation. With series this short a
    // moving-block bootstrap runs a little narrow (≈ 90% actual for 95% nominal in a 100-seed run),
    // so the bar is 16 of 20, not 19 of 20.
    const covered = { sigma: 0, kappa: 0, peakN: 0, peakTps: 0 };
    const relativeWidths: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const fit = fitCurves(noisyBands(seed, ns, uslCurve(truth)), { ...SETTINGS, bootstrap_resamples: 200, seed });
      const u = fit.usl;
      expect(u.bootstrap?.method).toBe('moving-block');
      expect(u.sigma_ci?.level).toBe(0.95);
      if (inside(u.sigma_ci, truth.sigma)) covered.sigma++;
      if (inside(u.kappa_ci, truth.kappa)) covered.kappa++;
      if (inside(u.peak_concurrency_ci, truePeak.concurrency!)) covered.peakN++;
      if (inside(u.peak_tps_ci, truePeak.tps!)) covered.peakTps++;
      if (u.peak_concurrency_ci)
        relativeWidths.push((u.peak_concurrency_ci.high - u.peak_concurrency_ci.low) / truePeak.concurrency!);
      // The point estimate sits inside its own interval.
      expect(inside(u.sigma_ci, u.sigma!)).toBe(true);
      expect(inside(u.peak_concurrency_ci, u.peak_concurrency!)).toBe(true);
    }
    expect(covered.sigma).toBeGreaterThanOrEqual(16);
    expect(covered.kappa).toBeGreaterThanOrEqual(16);
    expect(covered.peakN).toBeGreaterThanOrEqual(16);
    expect(covered.peakTps).toBeGreaterThanOrEqual(16);
    // Not trivially wide: N* is pinned to within a few percent with 3% noise.
    expect(Math.max(...relativeWidths)).toBeLessThan(0.15);
    expect(relativeWidths.length).toBe(20);
  });

  it('widen when the per-second noise grows', () => {
    const width = (noise: number): number => {
      const fit = fitCurves(noisyBands(4, ns, uslCurve(truth), { relativeNoise: noise }), {
        ...SETTINGS,
        bootstrap_resamples: 200,
      });
      return fit.usl.kappa_ci!.high - fit.usl.kappa_ci!.low;
    };
    expect(width(0.06)).toBeGreaterThan(1.5 * width(0.02));
  });

  it('are reproducible from the seed, and change with it', () => {
    const points = noisyBands(9, ns, uslCurve(truth));
    const a = fitCurves(points, { ...SETTINGS, bootstrap_resamples: 100, seed: 1 });
    const b = fitCurves(points, { ...SETTINGS, bootstrap_resamples: 100, seed: 1 });
    const c = fitCurves(points, { ...SETTINGS, bootstrap_resamples: 100, seed: 2 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(c.usl.sigma).toBe(a.usl.sigma);
    expect(c.usl.sigma_ci).not.toEqual(a.usl.sigma_ci);
  });

  it('use the confidence level from the settings', () => {
    const points = noisyBands(9, ns, uslCurve(truth));
    const wide = fitCurves(points, { ...SETTINGS, bootstrap_resamples: 200, confidence: 0.99 }).usl.sigma_ci!;
    const narrow = fitCurves(points, { ...SETTINGS, bootstrap_resamples: 200, confidence: 0.8 }).usl.sigma_ci!;
    expect(wide.level).toBe(0.99);
    expect(narrow.level).toBe(0.8);
    expect(wide.high - wide.low).toBeGreaterThan(narrow.high - narrow.low);
  });

  it('fall back to a residual bootstrap, and say so, when per-second series are missing', () => {
    const noisy = noisyBands(2, ns, uslCurve(truth));
    const fit = fitCurves(
      pointsOf(
        ns,
        noisy.map((p) => p.tps),
      ),
      { ...SETTINGS, bootstrap_resamples: 200 },
    );
    expect(fit.usl.bootstrap?.method).toBe('residual');
    expect(fit.usl.bootstrap?.description).toMatch(/missing or shorter than 5 s/);
    expect(fit.usl.notes?.some((n) => n.includes('residual bootstrap'))).toBe(true);
    expect(fit.usl.sigma_ci).not.toBeNull();
    expectCleanJson(fit);
  });

  it('are withheld with a reason when there are neither series nor enough residuals', () => {
    const fit = fitCurves(pointsOf([1, 4, 16, 64], [1, 4, 16, 64].map(uslCurve(truth))), {
      ...SETTINGS,
      bootstrap_resamples: 100,
    });
    expect(fit.usl.sigma).not.toBeNull();
    expect(fit.usl.sigma_ci).toBeNull();
    expect(fit.usl.bootstrap).toBeNull();
    expect(fit.usl.reason).toMatch(/too few residuals/);
  });

  it('are withheld with a reason when resampling is disabled', () => {
    const fit = fitCurves(noisyBands(2, ns, uslCurve(truth)), { ...SETTINGS, bootstrap_resamples: 0 });
    expect(fit.usl.peak_concurrency).not.toBeNull();
    expect(fit.usl.peak_concurrency_ci).toBeNull();
    expect(fit.usl.reason).toMatch(/bootstrap resampling is disabled/);
  });

  it('report an unbounded N* interval as null when many resamples have no peak', () => {
    // Nearly flat-topped data: κ is barely distinguishable from 0, so many resamples lose the peak.
    const weak = { lambda: 1000, sigma: 0.08, kappa: 0.00012 };
    const fit = fitCurves(noisyBands(3, [1, 2, 4, 8, 16, 32, 64], uslCurve(weak), { relativeNoise: 0.08 }), {
      ...SETTINGS,
      bootstrap_resamples: 200,
    });
    expectCleanJson(fit);
    // The point estimate has a peak inside 2 × 64, but over 2.5% of resamples have none.
    expect(fit.usl.peak_concurrency!).toBeGreaterThan(64);
    expect(fit.usl.peak_concurrency!).toBeLessThan(128);
    expect(fit.usl.peak_concurrency_ci).toBeNull();
    expect(fit.usl.peak_tps_ci).toBeNull();
    expect(fit.usl.reason).toMatch(/unbounded above: too many resamples \(\d+ of 200\) have no peak/);
    expect(fit.usl.notes?.some((n) => /of 200 resamples have no peak within the model/.test(n))).toBe(true);
    // σ and κ still get their intervals; κ's reaches down to its bound.
    expect(fit.usl.kappa_ci!.low).toBe(0);
  });
});

describe('bounded Levenberg–Marquardt', () => {
  it('stops a parameter at its bound when the unconstrained optimum lies outside', () => {
    // y = 2x fitted with a ≤ 1: the constrained least-squares answer is a = 1 exactly.
    const xs = [1, 2, 3, 4];
    const result = levenbergMarquardt(
      {
        m: xs.length,
        lower: [0],
        upper: [1],
        evaluate(p, r, j) {
          xs.forEach((x, i) => {
            r[i] = p[0]! * x - 2 * x;
            if (j) j[i] = x;
          });
          return true;
        },
      },
      [0.2],
    )!;
    expect(result.params[0]).toBe(1);
    expect(result.atUpper[0]).toBe(true);
    expect(result.gradient[0]).toBeLessThan(0);
    expect(result.converged).toBe(true);
  });

  it('solves a badly scaled two-parameter problem (Rosenbrock as least squares) from a far start', () => {
    const result = levenbergMarquardt(
      {
        m: 2,
        lower: [-Infinity, -Infinity],
        upper: [Infinity, Infinity],
        evaluate(p, r, j) {
          r[0] = 10 * (p[1]! - p[0]! * p[0]!);
          r[1] = 1 - p[0]!;
          if (j) {
            j[0] = -20 * p[0]!;
            j[1] = 10;
            j[2] = -1;
            j[3] = 0;
          }
          return true;
        },
      },
      [-1.2, 1],
    )!;
    expect(result.params[0]).toBeCloseTo(1, 8);
    expect(result.params[1]).toBeCloseTo(1, 8);
  });

  it('seeded normals have mean 0 and variance 1', () => {
    const random = createRandom(123);
    const draws = Array.from({ length: 20000 }, () => random.normal());
    const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
    const variance = draws.reduce((s, v) => s + (v - mean) ** 2, 0) / draws.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.04);
  });
});
