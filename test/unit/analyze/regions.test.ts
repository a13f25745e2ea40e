import { describe, expect, it } from 'vitest';
import { analyzeResults } from '../../../src/analyze/index.js';
import { diagonalDoc, makeBand, makeDoc, NO_SLO, SETTINGS } from '../../support/analyze-factory.js';

const NS = [1, 2, 4, 8, 16, 32, 64];
const labels = (doc: ReturnType<typeof diagonalDoc>) =>
  analyzeResults(doc, SETTINGS, NO_SLO).analysis.band_regions.map((r) => r.label);

describe('region labels on synthetic curves', () => {
  it('linear: TPS = 100·N', () => {
    const a = analyzeResults(
      diagonalDoc(NS, (n) => 100 * n),
      SETTINGS,
      NO_SLO,
    ).analysis;
    expect(a.band_regions.map((r) => r.label)).toEqual(Array(NS.length).fill('linear'));
    expect(a.regions).toEqual([{ label: 'linear', from_band: 1, to_band: 7, band_ids: [1, 2, 3, 4, 5, 6, 7] }]);
    expect(a.band_regions[0]!.reason).toMatch(/first band along concurrency; labelled from the next step/);
  });
  it('superlinear data is linear, said so', () => {
    const a = analyzeResults(
      diagonalDoc([1, 2, 4, 8], (n) => 100 * n ** 1.3),
      SETTINGS,
      NO_SLO,
    ).analysis;
    expect(a.band_regions.map((r) => r.label)).toEqual(['linear', 'linear', 'linear', 'linear']);
    expect(a.band_regions[3]!.reason).toMatch(/superlinear/);
  });
  it('diminishing: TPS = 100·√N', () => {
    expect(labels(diagonalDoc(NS, (n) => 100 * Math.sqrt(n)))).toEqual(Array(NS.length).fill('diminishing'));
  });
  it('saturated: linear up to 8, flat beyond', () => {
    expect(labels(diagonalDoc(NS, (n) => 125 * Math.min(n, 8)))).toEqual([
      'linear',
      'linear',
      'linear',
      'linear',
      'saturation',
      'saturation',
      'saturation',
    ]);
    const a = analyzeResults(
      diagonalDoc(NS, (n) => 125 * Math.min(n, 8)),
      SETTINGS,
      NO_SLO,
    ).analysis;
    expect(a.regions.map((r) => [r.label, r.from_band, r.to_band])).toEqual([
      ['linear', 1, 4],
      ['saturation', 5, 7],
    ]);
    expect(a.band_regions[5]!.reason).toMatch(/not a significant rise/);
  });
  it('degrading: USL with κ > 0 falls past its peak N* ≈ 22', () => {
    const usl = (n: number) => (100 * n) / (1 + 0.02 * (n - 1) + 0.002 * n * (n - 1));
    const l = labels(diagonalDoc([...NS, 128], usl));
    expect(l.slice(0, 3)).toEqual(['linear', 'linear', 'linear']);
    expect(l.slice(-2)).toEqual(['degradation', 'degradation']);
    const a = analyzeResults(diagonalDoc([...NS, 128], usl), SETTINGS, NO_SLO).analysis;
    expect(a.regions.at(-1)!.label).toBe('degradation');
    expect(a.band_regions.at(-1)!.reason).toMatch(/significantly below the peak and past it/);
  });
  it('thresholds are configurable: with linear_min_efficiency 0.3 the √N curve starts linear', () => {
    const a = analyzeResults(
      diagonalDoc(NS, (n) => 100 * Math.sqrt(n)),
      { ...SETTINGS, linear_min_efficiency: 0.3 },
      NO_SLO,
    ).analysis;
    expect(a.band_regions[1]!.label).toBe('linear'); // 1→2: 0.41 of ideal
    expect(a.band_regions[6]!.label).toBe('diminishing'); // 32→64: 0.07 of ideal
  });
  it('labels a grid along workers at fixed connections', () => {
    const rows: [number, number, number][] = [
      [10, 50, 1000],
      [20, 50, 2000],
      [30, 50, 3000],
      [40, 50, 3003],
      [50, 50, 2998],
    ];
    const doc = makeDoc(
      rows.map(([w, c, t], i) => makeBand(i + 1, { workers: w, connections: c, tps: t, noise: 0.01 })),
      'linear',
    );
    const l = analyzeResults(doc, SETTINGS, NO_SLO).analysis.band_regions.map((r) => r.label);
    expect(l).toEqual(['linear', 'linear', 'linear', 'saturation', 'saturation']);
  });
  it('without per-second series, labels from point estimates and says there was no test', () => {
    const a = analyzeResults(
      diagonalDoc(NS, (n) => 125 * Math.min(n, 8), { seconds: 0 }),
      SETTINGS,
      NO_SLO,
    ).analysis;
    expect(a.band_regions.map((r) => r.label)).toEqual([
      'linear',
      'linear',
      'linear',
      'linear',
      'saturation',
      'saturation',
      'saturation',
    ]);
    expect(a.band_regions[5]!.reason).toMatch(/no significance test/);
  });
});
