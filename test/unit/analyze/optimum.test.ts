import { describe, expect, it } from 'vitest';
import { analyzeResults } from '../../../src/analyze/index.js';
import { diagonalDoc, makeBand, makeDoc, NO_SLO, SETTINGS } from '../../support/analyze-factory.js';

const NS = [1, 2, 4, 8, 16, 32];

describe('optimal configuration', () => {
  it('on a saturating curve picks the knee, not the smallest band and not the largest', () => {
    const doc = diagonalDoc(NS, (n) => 125 * Math.min(n, 8));
    const { optimal_config: o, analysis } = analyzeResults(doc, SETTINGS, NO_SLO);
    expect(o).not.toBeNull();
    expect(o!.workers).toBe(8);
    expect(o!.connections).toBe(8);
    expect(o!.band_id).toBe(4);
    const peak = Math.max(...doc.bands.map((b) => b.total_tps));
    expect(o!.fraction_of_peak).toBeCloseTo(doc.bands[3]!.total_tps / peak, 12);
    expect(o!.fraction_of_peak).toBeGreaterThan(0.97);
    expect(o!.reasoning).toMatch(
      /^8 workers \/ 8 connections reach 9\d(\.\d)?% of peak TPS \(\d[\d,]* vs 1,0\d\d\) at p95 1\d ms/,
    );
    expect(o!.reasoning).toMatch(/beyond it each extra unit of concurrency adds/);
    expect(o!.slo_met).toBe(true);
    expect(analysis.optimal_reason).toBeNull();
  });
  it('on a steadily rising curve picks the largest band', () => {
    const o = analyzeResults(
      diagonalDoc(NS, (n) => 100 * Math.sqrt(n)),
      SETTINGS,
      NO_SLO,
    ).optimal_config!;
    expect(o.band_id).toBe(6);
    expect(o.fraction_of_peak).toBe(1);
    expect(o.reasoning).toMatch(/^32 workers \/ 32 connections give the highest TPS measured \(56\d\)/);
    expect(o.reasoning).toMatch(/largest configuration tested/);
  });
  it('respects a p95 SLO', () => {
    // Closed loop: R = N/X = 10·√N ms, p95 = 2R = 20·√N ms; p95 ≤ 60 ms allows N ≤ 9.
    const doc = diagonalDoc(NS, (n) => 100 * Math.sqrt(n));
    const { optimal_config: o } = analyzeResults(doc, SETTINGS, { p95_latency_ms: 60, error_rate: null });
    expect(o!.band_id).toBe(4);
    expect(o!.p95_latency_ms).toBeLessThanOrEqual(60);
    expect(o!.objective).toMatch(/p95 ≤ 60 ms/);
    expect(o!.reasoning).toMatch(/the peak band 6 misses the SLO \(p95 \d+\.?\d* ms > 60 ms\)/);
  });
  it('respects an error-rate SLO', () => {
    const bands = [1, 2, 4, 8].map((n, i) =>
      makeBand(i + 1, { workers: n, connections: n, tps: 100 * n, overrides: { error_rate: n >= 8 ? 0.05 : 0.001 } }),
    );
    const o = analyzeResults(makeDoc(bands, 'exponential'), SETTINGS, {
      p95_latency_ms: null,
      error_rate: 0.01,
    }).optimal_config!;
    expect(o.band_id).toBe(3);
  });
  it('never recommends a degraded band, however fast: the fastest band that is not degraded wins', () => {
    // Band 4 is the fastest, but 45% of its transactions failed (the run marked it degraded).
    const bands = [1, 2, 4, 8].map((n, i) =>
      makeBand(i + 1, {
        workers: n,
        connections: n,
        tps: 100 * n,
        overrides: n === 8 ? { error_rate: 0.45, degraded: true } : {},
      }),
    );
    const o = analyzeResults(makeDoc(bands, 'exponential'), SETTINGS, NO_SLO).optimal_config!;
    expect(o.band_id).toBe(3);
    const all = bands.map((b) => ({ ...b, degraded: true }));
    const r = analyzeResults(makeDoc(all, 'exponential'), SETTINGS, NO_SLO);
    expect(r.optimal_config).toBeNull();
    expect(r.analysis.optimal_reason).toBe(
      'every band with a positive TPS is degraded (bands 1, 2, 3, 4): no configuration to recommend',
    );
  });
  it('is null with the reason when no band meets the SLO', () => {
    const r = analyzeResults(
      diagonalDoc(NS, (n) => 100 * n),
      SETTINGS,
      { p95_latency_ms: 1, error_rate: null },
    );
    expect(r.optimal_config).toBeNull();
    expect(r.analysis.optimal_reason).toMatch(/no band meets the SLO \(band 1: p95 20 ms > 1 ms/);
  });
  it('uses fewest connections, then workers, among equivalent bands of a grid', () => {
    const rows: [number, number, number][] = [
      [10, 10, 1000],
      [10, 20, 1000],
      [20, 10, 1000],
      [20, 20, 1000],
    ];
    const doc = makeDoc(
      rows.map(([w, c, t], i) => makeBand(i + 1, { workers: w, connections: c, tps: t, noise: 0.01 })),
      'linear',
    );
    const o = analyzeResults(doc, SETTINGS, NO_SLO).optimal_config!;
    expect([o.workers, o.connections]).toEqual([10, 10]);
  });
});
