import { describe, expect, it } from 'vitest';
import {
  batchMeans,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
  tCritical,
  twoSidedPValue,
} from '../../../src/analyze/stats.js';
import { ar1Series } from '../../support/analyze-factory.js';

describe('Student t quantile', () => {
  // Two-sided 95% and 99% critical values from a standard t table.
  const table: [number, number, number][] = [
    [1, 12.706, 63.657],
    [2, 4.303, 9.925],
    [5, 2.571, 4.032],
    [9, 2.262, 3.25],
    [10, 2.228, 3.169],
    [30, 2.042, 2.75],
    [120, 1.98, 2.617],
  ];
  it.each(table)('df %i matches the table', (df, t975, t995) => {
    expect(studentTQuantile(0.975, df)).toBeCloseTo(t975, 3);
    expect(studentTQuantile(0.995, df)).toBeCloseTo(t995, 3);
  });
  it('one-sided 95% at df 9 is 1.833 and the lower tail is symmetric', () => {
    expect(studentTQuantile(0.95, 9)).toBeCloseTo(1.833, 3);
    expect(studentTQuantile(0.025, 9)).toBeCloseTo(-2.262, 3);
    expect(tCritical(0.95, 9)).toBeCloseTo(2.262, 3);
  });
  it('inverts the CDF and tends to the normal for large df', () => {
    for (const df of [1, 3.5, 17, 400]) {
      for (const p of [0.6, 0.9, 0.999]) expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 9);
    }
    expect(studentTQuantile(0.975, 1e9)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
  });
  it('gives two-sided p-values: t = 2.262 at df 9 is p = 0.05', () => {
    expect(twoSidedPValue(2.262157, 9)).toBeCloseTo(0.05, 5);
    expect(twoSidedPValue(0, 9)).toBe(1);
  });
  it('rejects p outside (0, 1)', () => {
    expect(() => studentTQuantile(1, 5)).toThrow(RangeError);
    expect(() => studentTQuantile(0.5, 0)).toThrow(RangeError);
  });
});

describe('batch means', () => {
  it('computes batch means, standard error and df exactly', () => {
    const r = batchMeans([1, 2, 3, 4, 5, 6, 7, 8], 2);
    expect(r.batch_means).toEqual([2.5, 6.5]);
    expect(r.estimate?.mean).toBe(4.5);
    expect(r.estimate?.se).toBeCloseTo(2, 12); // sd(2.5, 6.5) = 2.828…, / √2
    expect(r.estimate?.df).toBe(1);
  });
  it('uses fewer batches for a short series and drops the leading remainder', () => {
    const r = batchMeans([100, 1, 2, 3, 4, 5, 6], 10); // 7 samples → 3 batches of 2, the first sample dropped
    expect(r.batches_used).toBe(3);
    expect(r.batch_size).toBe(2);
    expect(r.batch_means).toEqual([1.5, 3.5, 5.5]);
  });
  it('gives no estimate, with a reason, below 4 samples', () => {
    expect(batchMeans([], 10).estimate).toBeNull();
    expect(batchMeans([], 10).reason).toMatch(/no per-second samples/);
    expect(batchMeans([1, 2, 3], 10).reason).toMatch(/only 3/);
  });
  it('covers the true mean of an AR(1) series ~95% of the time where an iid interval under-covers', () => {
    const trueMean = 1000;
    let batchCovered = 0;
    let naiveCovered = 0;
    const trials = 200;
    for (let seed = 1; seed <= trials; seed++) {
      const series = ar1Series(600, trueMean, 0.7, 10, seed);
      const r = batchMeans(series, 10);
      const e = r.estimate!;
      const half = tCritical(0.95, e.df) * e.se;
      if (Math.abs(e.mean - trueMean) <= half) batchCovered++;
      const n = series.length;
      const mean = series.reduce((s, v) => s + v, 0) / n;
      const sd = Math.sqrt(series.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
      if (Math.abs(mean - trueMean) <= 1.96 * (sd / Math.sqrt(n))) naiveCovered++;
    }
    expect(batchCovered / trials).toBeGreaterThanOrEqual(0.85);
    // With φ = 0.7 the iid standard error is √((1−φ)/(1+φ)) ≈ 0.42 of the truth: coverage ≈ 60%.
    expect(naiveCovered / trials).toBeLessThan(0.8);
  });
});
