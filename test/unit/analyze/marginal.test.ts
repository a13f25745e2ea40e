import { describe, expect, it } from 'vitest';
import { summarizeBand } from '../../../src/analyze/bands.js';
import { buildLines, computeMarginalGains } from '../../../src/analyze/marginal.js';
import { findInflections } from '../../../src/analyze/inflection.js';
import { batchMeans, combineErrors, tCritical } from '../../../src/analyze/stats.js';
import { makeBand, SETTINGS } from '../../support/analyze-factory.js';

// TPS at (workers, connections) for a 3 × 2 grid, numbered workers outer, connections inner.
const GRID: [number, number, number][] = [
  [10, 20, 1000],
  [10, 40, 1010],
  [20, 20, 1800],
  [20, 40, 1900],
  [30, 20, 2100],
  [30, 40, 2500],
];

function summaries(rows: [number, number, number][], noise = 0) {
  return rows.map(([w, c, t], i) =>
    summarizeBand(makeBand(i + 1, { workers: w, connections: c, tps: t, noise }), SETTINGS),
  );
}

describe('marginal gains on a grid', () => {
  const s = summaries(GRID);
  const lines = buildLines(s, 'linear');
  const gains = computeMarginalGains(lines, 0.95).map((g) => g.result);

  it('reads workers at fixed connections and connections at fixed workers', () => {
    expect(lines.map((l) => `${l.axis}@${l.fixed}:${l.values.join(',')}`)).toEqual([
      'workers@20:10,20,30',
      'workers@40:10,20,30',
      'connections@10:20,40',
      'connections@20:20,40',
      'connections@30:20,40',
    ]);
    expect(gains).toHaveLength(7);
  });
  it('computes exact ΔTPS/Δaxis and normalised gains', () => {
    const w20 = gains.filter((g) => g.axis === 'workers' && g.fixed === 20);
    expect(w20.map((g) => g.gain.value)).toEqual([80, 30]); // (1800−1000)/10, (2100−1800)/10
    // Normalised by the first band's per-worker throughput on the line, 1000/10 = 100.
    expect(w20.map((g) => g.normalized_gain.value)).toEqual([0.8, 0.3]);
    const w40 = gains.filter((g) => g.axis === 'workers' && g.fixed === 40);
    expect(w40.map((g) => g.gain.value)).toEqual([89, 60]);
    expect(w40[1]!.normalized_gain.value).toBeCloseTo(60 / (1010 / 10), 12);
    const c = gains.filter((g) => g.axis === 'connections');
    expect(c.map((g) => [g.fixed, g.from_band, g.to_band, g.gain.value])).toEqual([
      [10, 1, 2, 0.5],
      [20, 3, 4, 5],
      [30, 5, 6, 20],
    ]);
    expect(c[2]!.normalized_gain.value).toBeCloseTo(20 / (2100 / 20), 12);
  });
  it('carries zero-width intervals for noiseless series, so any change is significant', () => {
    for (const g of gains) {
      expect(g.gain.interval?.low).toBeCloseTo(g.gain.value!, 9);
      expect(g.significant).toBe(true);
    }
  });
});

describe('marginal gain uncertainty', () => {
  it("combines both bands' batch-means errors with Welch df", () => {
    const s = summaries(
      [
        [10, 10, 1000],
        [20, 20, 1500],
      ],
      0.05,
    );
    const g = computeMarginalGains(buildLines(s, 'exponential'), 0.95).find((x) => x.result.axis === 'concurrency')!;
    const e1 = batchMeans(s[0]!.band.tps_series, 10).estimate!;
    const e2 = batchMeans(s[1]!.band.tps_series, 10).estimate!;
    const c = combineErrors([
      { coefficient: 1, se: e1.se, df: e1.df },
      { coefficient: 1, se: e2.se, df: e2.df },
    ]);
    const value = (s[1]!.band.total_tps - s[0]!.band.total_tps) / 10;
    const half = (tCritical(0.95, c.df) * c.se) / 10;
    expect(g.result.gain.value).toBeCloseTo(value, 9);
    expect(g.result.gain.interval!.low).toBeCloseTo(value - half, 9);
    expect(g.result.gain.interval!.high).toBeCloseTo(value + half, 9);
    expect(c.df).toBeGreaterThan(9);
    expect(c.df).toBeLessThanOrEqual(18);
    expect(g.result.significant).toBe(g.result.gain.interval!.low > 0);
  });
  it('diagonal plans are read along concurrency; an unchanged concurrency moves to a workers line', () => {
    // exponential: workers 5→80, connections 10→40 paired, the shorter holding its last value.
    const rows: [number, number, number][] = [
      [5, 10, 500],
      [10, 20, 950],
      [20, 40, 1700],
      [40, 40, 2600],
      [80, 40, 2500],
    ];
    const s = summaries(rows);
    const lines = buildLines(s, 'exponential');
    const conc = lines.find((l) => l.axis === 'concurrency')!;
    expect(conc.values).toEqual([5, 10, 20, 40]);
    const w40 = lines.find((l) => l.axis === 'workers' && l.fixed === 40)!;
    expect(w40.values).toEqual([20, 40, 80]);
  });
  it('untested without per-second series: no interval, not significant, with a reason', () => {
    const s = [1000, 1800].map((t, i) =>
      summarizeBand(
        makeBand(i + 1, { workers: 10 * (i + 1), connections: 10 * (i + 1), tps: t, seconds: 0 }),
        SETTINGS,
      ),
    );
    const g = computeMarginalGains(buildLines(s, 'exponential'), 0.95)[0]!.result;
    expect(g.gain.value).toBe(80);
    expect(g.gain.interval).toBeNull();
    expect(g.gain.reason).toMatch(/per-second series/);
    expect(g.significant).toBe(false);
  });
});

describe('inflection points', () => {
  const diag = (tps: number[], noise = 0.01, seedBase = 0) =>
    tps.map((t, i) =>
      summarizeBand(
        makeBand(i + 1, { workers: (i + 1) * 10, connections: (i + 1) * 10, tps: t, noise, seed: seedBase + i }),
        SETTINGS,
      ),
    );

  it('flags a peak at the top of a rise-and-fall, with numbers in the explanation', () => {
    const s = diag([1000, 2000, 3000, 2000, 1000]);
    const found = findInflections(buildLines(s, 'exponential'), 0.95).points;
    const peak = found.find((p) => p.type === 'peak')!;
    expect(peak.band_id).toBe(3);
    expect(peak.second_difference).toBeLessThan(0);
    expect(peak.z_score).toBeGreaterThan(tCritical(0.95, 9));
    expect(peak.explanation).toMatch(/significant after Holm correction over 3 tests/);
    expect(peak.explanation).toMatch(/band 3 \(30 workers \/ 30 connections\)/);
    expect(peak.explanation).toMatch(/TPS per unit of concurrency/);
    expect(found.every((p) => p.band_id !== 1 && p.band_id !== 5)).toBe(true);
  });
  it('uses the step-scaled second difference for irregular spacing', () => {
    // x = 1, 2, 4 with y = x² : g1 = 3, g2 = 6, Δ² = (6 − 3)/((4 − 1)/2) = 2 = y″.
    const s = [1, 2, 4].map((n, i) =>
      summarizeBand(makeBand(i + 1, { workers: n, connections: n, tps: 100 * n * n, noise: 0 }), SETTINGS),
    );
    const p = findInflections(buildLines(s, 'exponential'), 0.95).points;
    expect(p).toHaveLength(1);
    expect(p[0]!.type).toBe('acceleration');
    expect(p[0]!.second_difference).toBeCloseTo(200, 9);
  });
  it('classifies deceleration and collapse', () => {
    const dec = findInflections(buildLines(diag([1000, 2000, 2200]), 'exponential'), 0.95).points;
    expect(dec.map((p) => p.type)).toEqual(['deceleration']);
    const col = findInflections(buildLines(diag([3000, 2900, 1500]), 'exponential'), 0.95).points;
    expect(col.map((p) => p.type)).toEqual(['collapse']);
  });
  it('calls a flattening with a noise-level dip a deceleration, not a peak', () => {
    const found = findInflections(buildLines(diag([1000, 2000, 1999]), 'exponential'), 0.95).points;
    expect(found.map((p) => [p.band_id, p.type])).toEqual([[2, 'deceleration']]);
  });
  it('does not flag noise: straight lines with 2% noise are flagged at about the nominal 5% rate', () => {
    let flagged = 0;
    let tested = 0;
    for (let seed = 0; seed < 60; seed++) {
      const s = diag([1000, 2000, 3000, 4000, 5000], 0.02, seed * 10);
      flagged += findInflections(buildLines(s, 'exponential'), 0.95).points.length;
      tested += 3;
    }
    expect(flagged / tested).toBeLessThan(0.12);
  });
  it('controls false inflections across a whole grid (Holm): a noisy plane shows none in most runs', () => {
    let docsWithFalseFlags = 0;
    let tests = 0;
    for (let seed = 0; seed < 10; seed++) {
      const rows: [number, number, number][] = [];
      for (const w of [10, 20, 30, 40, 50, 60])
        for (const c of [10, 20, 30, 40, 50, 60]) rows.push([w, c, 50 * w + 10 * c]);
      const s = rows.map(([w, c, t], i) =>
        summarizeBand(
          makeBand(i + 1, { workers: w, connections: c, tps: t, noise: 0.02, seed: seed * 100 + i }),
          SETTINGS,
        ),
      );
      const r = findInflections(buildLines(s, 'linear'), 0.95);
      tests += 1;
      if (r.points.length > 0) docsWithFalseFlags++;
    }
    // 48 second differences per grid: without correction most grids would show a false inflection.
    expect(docsWithFalseFlags).toBeLessThanOrEqual(2);
    expect(tests).toBe(10);
  });
  it('does not test lines without standard errors', () => {
    const s = [1000, 2000, 2100].map((t, i) =>
      summarizeBand(makeBand(i + 1, { workers: i + 1, connections: i + 1, tps: t, seconds: 0 }), SETTINGS),
    );
    const r = findInflections(buildLines(s, 'exponential'), 0.95);
    expect(r.points).toEqual([]);
    expect(r.untested).toBe(1);
  });
});
