// Curves simulated from the USL, X(N) = λN / (1 + σ(N − 1) + κN(N − 1)), analysed by the real analysis
// (USL fit with bootstrap intervals) and compared as the action and `pgscale compare` do. σ and κ trade
// off in the fit; a changed shape is no regression while throughput holds where the shape matters.
import { describe, expect, it } from 'vitest';
import { analyzeResults } from '../../../src/analyze/index.js';
import { compareResults, DEFAULT_THRESHOLDS } from '../../../src/compare/index.js';
import type { ResultsDocument } from '../../../src/results/types.js';
import { makeDoc } from '../../support/compare-factory.js';
import { NO_SLO, SETTINGS } from '../../support/analyze-factory.js';

const NS = [1, 2, 4, 8, 16, 24, 32, 48];
const usl = (lambda: number, sigma: number, kappa: number) => (n: number) =>
  (lambda * n) / (1 + sigma * (n - 1) + kappa * n * (n - 1));

/** 8 bands of 60 s with 2% per-second noise, analysed. */
function curve(x: (n: number) => number, seed: number): ResultsDocument {
  const doc = makeDoc({
    bands: NS.map((n) => ({ workers: n, connections: n, tps: x(n), noise: 0.02, seconds: 60, latencies: 30_000 })),
    seed,
  });
  const { analysis, optimal_config } = analyzeResults(doc, { ...SETTINGS, bootstrap_resamples: 200 }, NO_SLO);
  return { ...doc, analysis, optimal_config };
}

const BASE = usl(1000, 0.02, 0.0005); // N* = √((1 − σ)/κ) ≈ 44.3

describe('simulated USL curves through the comparison', () => {
  it('better everywhere with a lower N* and a higher κ (σ 0.02 → 0.01, κ ×1.4) passes', () => {
    const better = usl(1000, 0.01, 0.0007); // N* ≈ 37.6; X is higher at every N in NS
    for (const n of NS) expect(better(n)).toBeGreaterThanOrEqual(BASE(n));
    const c = compareResults(curve(better, 2), curve(BASE, 1), DEFAULT_THRESHOLDS);
    expect(c.verdict, c.reason).toBe('pass');
    expect(c.failures).toEqual([]);
    expect(c.curve!.usl_kappa.status).not.toBe('fail');
    expect(c.curve!.usl_peak_concurrency.status).not.toBe('fail');
  });

  it('worse past N* (κ ×3: TPS −19% at 48) fails on TPS at the high bands', () => {
    const worse = usl(1000, 0.02, 0.0015);
    expect(worse(48) / BASE(48)).toBeLessThan(0.85);
    const c = compareResults(curve(worse, 3), curve(BASE, 1), DEFAULT_THRESHOLDS);
    expect(c.verdict).toBe('fail');
    expect(c.failures).toContain('TPS at 48 workers / 48 connections');
    expect(c.failures).toContain('TPS at 32 workers / 32 connections');
    expect(c.failures).not.toContain('TPS at 1 workers / 1 connections');
  });

  it('the same curve measured twice never fails (10 seeds)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const c = compareResults(curve(BASE, seed + 100), curve(BASE, seed), DEFAULT_THRESHOLDS);
      expect(c.verdict, `seed ${seed}: ${c.reason}`).not.toBe('fail');
    }
  });
});
