import { describe, expect, it } from 'vitest';
import {
  attainableLevels,
  hodgesLehmann,
  signedRankCdf,
  signedRankCounts,
  signedRankPValueAbove,
  signedRankPValueBelow,
  walshAverages,
  wilcoxonInterval,
} from '../../src/ab/stats.js';

// Hollander & Wolfe (1973, p. 29), the depression-scale data of R's ?wilcox.test example:
// wilcox.test(x, y, paired = TRUE, alternative = "greater") gives V = 40, p-value = 0.01953;
// with conf.int = TRUE (two-sided, 95%) the estimate is 0.46 and the interval 0.0100 to 0.7860.
const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
const d = x.map((v, i) => v - y[i]!);

describe('signed-rank null distribution', () => {
  it('matches the published table for n = 10 (critical value 8 at 5% two-sided)', () => {
    expect(signedRankCdf(8, 10)).toBeCloseTo(25 / 1024, 12);
    expect(signedRankCdf(10, 10)).toBeCloseTo(43 / 1024, 12);
  });
  it('counts sum to 2^n and are symmetric', () => {
    for (const n of [1, 3, 7, 12]) {
      const c = signedRankCounts(n);
      expect(c.reduce((a, b) => a + b, 0)).toBe(2 ** n);
      expect(c).toEqual([...c].reverse());
    }
  });
  it('agrees with brute-force enumeration of sign patterns for n = 6', () => {
    const n = 6;
    const counts = new Array(22).fill(0);
    for (let mask = 0; mask < 2 ** n; mask++) {
      let t = 0;
      for (let i = 0; i < n; i++) if (mask & (1 << i)) t += i + 1;
      counts[t]++;
    }
    expect(signedRankCounts(n)).toEqual(counts);
  });
});

describe('Hodges–Lehmann and the exact interval (known answers)', () => {
  it('hand-computed tiny example: d = [-1, 2, 3]', () => {
    expect(walshAverages([-1, 2, 3])).toEqual([-1, 0.5, 1, 2, 2.5, 3]);
    expect(hodgesLehmann([-1, 2, 3])).toBe(1.5);
    // n = 3: the widest interval has level 1 − 2/8 = 0.75; the next 1 − 4/8 = 0.5.
    expect(wilcoxonInterval([-1, 2, 3], 0.95)).toMatchObject({ low: -1, high: 3, level: 0.75, k: 1, below_requested: true });
    expect(wilcoxonInterval([-1, 2, 3], 0.6)).toMatchObject({ low: 0.5, high: 2.5, level: 0.5, k: 2, below_requested: false });
  });
  it("reproduces R's wilcox.test(paired, conf.int = TRUE) on Hollander & Wolfe's data", () => {
    expect(hodgesLehmann(d)).toBeCloseTo(0.46, 10);
    const r = wilcoxonInterval(d, 0.95, 'at-least');
    expect(r.low).toBeCloseTo(0.01, 10);
    expect(r.high).toBeCloseTo(0.786, 10);
    expect(r.level).toBeCloseTo(1 - 20 / 512, 12);
    // The brief's rule: the largest attainable level not above 95% (1 − 28/512 = 94.53%), one step narrower.
    const m = wilcoxonInterval(d, 0.95);
    expect(m.level).toBeCloseTo(1 - 28 / 512, 12);
    expect(m.low).toBeCloseTo(0.1415, 10);
    expect(m.high).toBeCloseTo(0.771, 10);
  });
  it('one-sided exact p-values: V = 40, p = 0.01953 (alternative greater)', () => {
    expect(signedRankPValueAbove(d, 0)).toBeCloseTo(10 / 512, 12);
    expect(signedRankPValueBelow(d, 0)).toBeCloseTo(1 - 7 / 512, 12);
  });
  it('attainable levels: fewer than 6 pairs cannot reach 95%', () => {
    expect(attainableLevels(5)[0]!.level).toBeCloseTo(1 - 2 / 32, 12);
    expect(attainableLevels(6)[0]!.level).toBeCloseTo(1 - 2 / 64, 12);
    expect(wilcoxonInterval([1, 2, 3, 4, 5], 0.95).below_requested).toBe(true);
    expect(wilcoxonInterval([1, 2, 3, 4, 5, 6], 0.95)).toMatchObject({ level: 1 - 4 / 64, k: 2, below_requested: false });
  });
  it('interval and p-value are dual: the interval lies below c exactly when p ≤ (1 − level)/2', () => {
    const data = [-0.08, -0.11, -0.06, -0.12, -0.09, -0.04, -0.1];
    for (const c of [-0.2, -0.1, -0.07, -0.05, -0.03, 0]) {
      const iv = wilcoxonInterval(data, 0.95);
      const p = signedRankPValueBelow(data, c);
      expect(iv.high < c).toBe(p <= (1 - iv.level) / 2 + 1e-12);
    }
  });
  it('empirical coverage of the 87.5% interval (n = 5, widest is 93.75%) on symmetric noise', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let covered = 0;
    const trials = 4000;
    for (let t = 0; t < trials; t++) {
      const xs = Array.from({ length: 5 }, () => rnd() - 0.5);
      const iv = wilcoxonInterval(xs, 0.9);
      if (iv.low <= 0 && 0 <= iv.high) covered++;
    }
    expect(wilcoxonInterval([1, 2, 3, 4, 5], 0.9).level).toBeCloseTo(0.875, 12);
    expect(covered / trials).toBeGreaterThan(0.855);
    expect(covered / trials).toBeLessThan(0.895);
  });
});
