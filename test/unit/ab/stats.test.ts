import { describe, expect, it } from 'vitest';
import {
  attainableLevels,
  hodgesLehmann,
  signedRankCdf,
  signedRankCounts,
  signedRankPValueAbove,
  signedRankPValueBelow,
  signFlipStepDown,
  walshAverages,
  wilcoxonInterval,
} from '../../../src/compare/paired-stats.js';
import { createRandom } from '../../../src/random.js';

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
    expect(wilcoxonInterval([-1, 2, 3], 0.95)).toMatchObject({
      low: -1,
      high: 3,
      level: 0.75,
      k: 1,
      below_requested: true,
    });
    expect(wilcoxonInterval([-1, 2, 3], 0.6)).toMatchObject({
      low: 0.5,
      high: 2.5,
      level: 0.5,
      k: 2,
      below_requested: false,
    });
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
    expect(wilcoxonInterval([1, 2, 3, 4, 5, 6], 0.95)).toMatchObject({
      level: 1 - 4 / 64,
      k: 2,
      below_requested: false,
    });
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
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
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

describe('signFlipStepDown (Westfall–Young minP over sign flips of whole rounds)', () => {
  const rounds = (n: number) => Array.from({ length: n }, (_, i) => i);
  it('a family of one gives exactly the signed-rank p-value', () => {
    const random = createRandom(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 4 + (trial % 6);
      const xs = Array.from({ length: n }, () => random.normal() - 0.5);
      const r = signFlipStepDown([{ values: xs, rounds: rounds(n), evidence: 'below' }], 1);
      expect(r.exact).toBe(true);
      expect(r.raw[0]).toBeCloseTo(signedRankPValueBelow(xs, 0), 12);
      expect(r.adjusted[0]).toBeCloseTo(r.raw[0]!, 12);
      const up = signFlipStepDown([{ values: xs, rounds: rounds(n), evidence: 'above' }], 1);
      expect(up.adjusted[0]).toBeCloseTo(signedRankPValueAbove(xs, 0), 12);
    }
  });
  it('two figures that always move together cost nothing; two whose extreme rounds differ pay Bonferroni', () => {
    const a = [-1, -2, -3, -4];
    const same = signFlipStepDown(
      [
        { values: a, rounds: rounds(4), evidence: 'below' },
        { values: a.map((x) => 2 * x), rounds: rounds(4), evidence: 'below' },
      ],
      1,
    );
    expect(same.adjusted).toEqual([1 / 16, 1 / 16]);
    // A is extreme unflipped (T⁺ = 0), B only with round 4 flipped: 2 of 16 patterns reach p ≤ 1/16.
    const b = [-1, -2, -3, 4];
    const apart = signFlipStepDown(
      [
        { values: a, rounds: rounds(4), evidence: 'below' },
        { values: b, rounds: rounds(4), evidence: 'below' },
      ],
      1,
    );
    expect(apart.raw).toEqual([1 / 16, 7 / 16]);
    expect(apart.adjusted[0]).toBeCloseTo(2 / 16, 12);
    // B's own step: patterns where B alone reaches p ≤ 7/16 (its null distribution), monotone after A's.
    expect(apart.adjusted[1]).toBeCloseTo(7 / 16, 12);
  });
  it('figures over different rounds are aligned by round id', () => {
    // A over rounds 0–3, B over rounds 1–4, both extreme when unflipped. Of the 32 patterns of 5 rounds,
    // A reaches p = 1/16 with rounds 0–3 unflipped (round 4 free), B with rounds 1–4 unflipped (round 0
    // free): 3 distinct patterns, so 3/32 (misaligned onto the same 4 rounds it would be 2/32).
    const r = signFlipStepDown(
      [
        { values: [-1, -2, -3, -4], rounds: [0, 1, 2, 3], evidence: 'below' },
        { values: [-1, -2, -3, -4], rounds: [1, 2, 3, 4], evidence: 'below' },
      ],
      1,
    );
    expect(r.raw).toEqual([1 / 16, 1 / 16]);
    expect(r.flips).toBe(32);
    expect(r.adjusted[0]).toBeCloseTo(3 / 32, 12);
    expect(r.adjusted[1]).toBeCloseTo(3 / 32, 12);
  });
  it('beyond 12 rounds: a seeded random subset of patterns, reproducible and close to the exact answer', () => {
    const random = createRandom(3);
    const xs = Array.from({ length: 16 }, () => random.normal() - 0.4);
    const one = signFlipStepDown([{ values: xs, rounds: rounds(16), evidence: 'below' }], 99);
    expect(one.exact).toBe(false);
    expect(one.flips).toBe(4096);
    expect(signFlipStepDown([{ values: xs, rounds: rounds(16), evidence: 'below' }], 99)).toEqual(one);
    const exact = signedRankPValueBelow(xs, 0);
    // Monte Carlo standard error of a proportion over 4096 draws, 4 of them.
    expect(Math.abs(one.adjusted[0]! - exact)).toBeLessThan(4 * Math.sqrt((exact * (1 - exact)) / 4096) + 1 / 4096);
  });
});
