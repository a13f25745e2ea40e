import { describe, expect, it } from 'vitest';
import {
  batchMeans,
  holmAdjust,
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
  welchDf,
} from '../../../src/compare/stats.js';

describe('distributions (textbook values)', () => {
  it('normal quantile and CDF', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
  });

  it('Student t quantiles match the tables', () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(studentTQuantile(0.975, 9)).toBeCloseTo(2.262157, 5);
    expect(studentTQuantile(0.975, 18)).toBeCloseTo(2.100922, 5);
    expect(studentTQuantile(0.995, 30)).toBeCloseTo(2.749996, 5);
    expect(studentTQuantile(0.025, 9)).toBeCloseTo(-2.262157, 5);
    // Fractional df (Welch) lies between its neighbours.
    const q = studentTQuantile(0.975, 9.5);
    expect(q).toBeLessThan(2.262157);
    expect(q).toBeGreaterThan(2.228139);
  });

  it('Student t CDF inverts the quantile', () => {
    for (const df of [2, 5, 17.3, 200]) {
      for (const p of [0.01, 0.2, 0.9, 0.999]) expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 8);
    }
  });
});

describe('batch means', () => {
  it('uses the spread of batch means, not of single seconds', () => {
    // Ten batches of three seconds; batch means alternate 90 / 110, seconds inside a batch are equal.
    const series = Array.from({ length: 10 }, (_, b) => (b % 2 ? 110 : 90)).flatMap((m) => [m, m, m]);
    const est = batchMeans(series, 10)!;
    expect(est.mean).toBe(100);
    expect(est.batches).toBe(10);
    expect(est.batch_size).toBe(3);
    expect(est.df).toBe(9);
    // Sample sd of the batch means = 10·sqrt(10/9); SE = that / sqrt(10) = 10/3.
    expect(est.standard_error).toBeCloseTo(10 / 3, 10);
  });

  it('drops the oldest seconds when the length is not a multiple of the batch count', () => {
    const est = batchMeans([1000, ...Array.from({ length: 20 }, () => 50)], 10)!;
    expect(est.mean).toBe(50);
    expect(est.standard_error).toBe(0);
  });

  it('refuses series too short for two batches of two', () => {
    expect(batchMeans([1, 2, 3], 10)).toBeNull();
    expect(batchMeans([1, 2, 3, 4], 10)).not.toBeNull();
    expect(batchMeans([1, 2, Number.NaN, 4, 5], 10)).toBeNull();
  });

  it('Welch df of two equal variances with 9 df each is 18', () => {
    expect(welchDf(0.5, 9, 0.5, 9)).toBeCloseTo(18, 10);
    expect(welchDf(1, 9, 0, 9)).toBeCloseTo(9, 10);
  });
});

describe('Holm adjustment', () => {
  it('matches a worked example', () => {
    // Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, max(0.06, 0.04·1) = 0.06.
    const { adjusted, rank } = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    expect(adjusted.map((x) => Number(x.toFixed(10)))).toEqual([0.03, 0.06, 0.06, 0.02]);
    expect(rank).toEqual([2, 4, 3, 1]);
  });

  it('caps at 1', () => {
    expect(holmAdjust([0.6, 0.7]).adjusted).toEqual([1, 1]);
  });
});
