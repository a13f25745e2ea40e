import { describe, expect, it } from 'vitest';
import {
  attainableLevels,
  centredStepDown,
  SLACK_SHARE,
  hodgesLehmann,
  signedRankCdf,
  signedRankCounts,
  signedRankPValueAbove,
  signedRankPValueBelow,
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

describe('centredStepDown (Romano–Wolf max-T over values centred on their own estimate)', () => {
  const rounds = (n: number) => Array.from({ length: n }, (_, i) => i);
  const below = (values: number[], boundary: number, ids = rounds(values.length)) =>
    ({ values, rounds: ids, boundary, evidence: 'below' }) as const;
  it('a family of one is never below its own exact signed-rank p-value, and equals it for a gross effect', () => {
    const random = createRandom(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 4 + (trial % 6);
      const xs = Array.from({ length: n }, () => random.normal() - 0.5);
      const r = centredStepDown([below(xs, 0)], 1);
      expect(r.exact).toBe(true);
      expect(r.raw[0]).toBeCloseTo(signedRankPValueBelow(xs, 0), 12);
      expect(r.adjusted[0]!).toBeGreaterThanOrEqual(r.raw[0]! - 1e-12);
      const up = centredStepDown([{ values: xs, rounds: rounds(n), boundary: 0, evidence: 'above' }], 1);
      expect(up.raw[0]).toBeCloseTo(signedRankPValueAbove(xs, 0), 12);
      expect(up.adjusted[0]!).toBeGreaterThanOrEqual(up.raw[0]! - 1e-12);
    }
    // Every value far below the boundary: the exact floor 2⁻⁶ is the answer.
    const gross = centredStepDown([below([-0.36, -0.35, -0.37, -0.36, -0.34, -0.36], Math.log(0.95))], 1);
    expect(gross.adjusted[0]).toBeCloseTo(1 / 64, 12);
  });
  it('6 rounds, TPS 0.70× ± 1% beside a healthy p95: TPS reaches 1/64, below α/2 = 0.025 (the sign-flip test could not)', () => {
    const random = createRandom(11);
    const tps = rounds(6).map(() => Math.log(0.7) + 0.01 * random.normal());
    // p95 well inside a +10% threshold, every round on the same side: under a sign-flip null centred on the
    // boundary it reached the extreme statistic under every pattern and charged TPS for it.
    const p95 = rounds(6).map(() => Math.log(0.98) + 0.01 * random.normal());
    const r = centredStepDown(
      [below(tps, Math.log(0.95)), { values: p95, rounds: rounds(6), boundary: Math.log(1.1), evidence: 'above' }],
      5,
      0.025,
    );
    expect(r.adjusted[0]).toBeCloseTo(1 / 64, 12);
    expect(r.adjusted[1]!).toBeGreaterThan(0.5);
    // The healthy p95 is moved inside its threshold for the null; the TPS figure is not (it is past its own).
    expect(r.slack[1]!).toBeGreaterThan(0.05);
    expect(r.slack[0]).toBe(0);
    expect(r.raw[0]!).toBeLessThanOrEqual(r.critical!);
  });
  it('families on their boundaries (least favourable) and A/A families reject at most α/2, simulated', () => {
    // 2 bands × (TPS, p95), TPS and p95 of a band correlated through the round as in a closed loop.
    // Simulated rates on this seed, 1200 runs each: on the boundaries 6 rounds 0, 8 rounds 0.017,
    // 10 rounds 0.025 (binomial SE 0.0045); A/A (no change: 5% and 10% inside) 0 at 6, 7 and 10 rounds.
    const random = createRandom(2026);
    const alpha = 0.025;
    const decide = alpha * (1 - SLACK_SHARE);
    const cases = [6, 8, 10]
      .map((n) => ({ n, centre: 'boundary' }))
      .concat([6, 7, 10].map((n) => ({ n, centre: 'aa' })));
    for (const { n, centre } of cases) {
      const [tpsCentre, p95Centre] = centre === 'aa' ? [0, 0] : [Math.log(0.95), Math.log(1.1)];
      const trials = 1200;
      let familyWiseErrors = 0;
      for (let t = 0; t < trials; t++) {
        const figures = [0, 1].flatMap(() => {
          const tps: number[] = [];
          const p95: number[] = [];
          for (let r = 0; r < n; r++) {
            const shared = random.normal() * 0.03;
            tps.push(tpsCentre + shared + 0.01 * random.normal());
            p95.push(p95Centre - shared + 0.02 * random.normal());
          }
          return [
            below(tps, Math.log(0.95)),
            { values: p95, rounds: rounds(n), boundary: Math.log(1.1), evidence: 'above' as const },
          ];
        });
        const r = centredStepDown(figures, t, alpha);
        if (r.adjusted.some((p) => p <= decide + 1e-12)) familyWiseErrors++;
      }
      const rate = familyWiseErrors / trials;
      // Binomial standard error at α over 1200 runs is 0.0045; allow 3 of them.
      expect(rate, `${centre}, n = ${n}: simulated family-wise rate ${rate}`).toBeLessThanOrEqual(
        alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / trials),
      );
    }
  });
  it('figures over different rounds are aligned by round id, whatever order their values come in', () => {
    const a = below([-0.2, -0.1, -0.3, -0.25, -0.15], -0.05, [0, 1, 2, 3, 4]);
    const b = below([-0.12, -0.3, -0.2, -0.22, -0.18], -0.05, [1, 2, 3, 4, 5]);
    const shuffled = below([-0.18, -0.12, -0.22, -0.3, -0.2], -0.05, [5, 1, 4, 2, 3]);
    const r = centredStepDown([a, b], 1);
    expect(r.flips).toBe(64);
    expect(centredStepDown([a, shuffled], 1).adjusted).toEqual(r.adjusted);
  });
  it('beyond 12 rounds: a seeded random subset of patterns, reproducible, and close across seeds', () => {
    const random = createRandom(3);
    const xs = Array.from({ length: 16 }, () => 0.05 * random.normal() - 0.02);
    const one = centredStepDown([below(xs, 0)], 99);
    expect(one.exact).toBe(false);
    expect(one.flips).toBe(4096);
    expect(centredStepDown([below(xs, 0)], 99)).toEqual(one);
    const other = centredStepDown([below(xs, 0)], 100);
    const p = one.adjusted[0]!;
    // Two estimates of one proportion over 4096 draws each differ by less than 4 standard errors of the difference.
    expect(Math.abs(other.adjusted[0]! - p)).toBeLessThan(4 * Math.sqrt((2 * p * (1 - p)) / 4096) + 2 / 4096);
  });
});
