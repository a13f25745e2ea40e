import { describe, expect, it } from 'vitest';
import { analyzeAb, type AbPair } from '../../src/ab/analyze.js';
import { DEFAULT_THRESHOLDS } from '../../src/compare/types.js';
import type { AnalysisSettings, BandSpec } from '../../src/types.js';

const settings: AnalysisSettings = { linear_min_efficiency: 0.75, saturation_tolerance: 0.05, confidence: 0.95, batches: 10, bootstrap_resamples: 200, seed: 42 };
const sides = { base: { source: 'base', database: 'b' }, head: { source: 'head', database: 'h' } };

/** Pairs for bands with head/base TPS ratios per round (p95 moves inversely). */
function pairs(bands: BandSpec[], ratios: number[][], phase: 'main' | 'confirm' = 'main', firstRound = 0): AbPair[] {
  const out: AbPair[] = [];
  ratios.forEach((rs, band_index) => {
    rs.forEach((r, i) => {
      const baseTps = 1000 * bands[band_index]!.workers * (1 + 0.01 * (i % 3)); // rounds differ; pairs cancel it
      out.push({
        band_index,
        round: firstRound + i,
        phase,
        order: i % 2 ? ['head', 'base'] : ['base', 'head'],
        base: { tps: baseTps, p95_ms: 4, status: 'complete', client_bound: false, error_rate: 0 },
        head: { tps: baseTps * r, p95_ms: 4 / r, status: 'complete', client_bound: false, error_rate: 0 },
      });
    });
  });
  return out;
}

const one: BandSpec[] = [{ band_id: 1, workers: 4, connections: 4 }];
const three: BandSpec[] = [1, 2, 4].map((w, i) => ({ band_id: i + 1, workers: w, connections: w }));
const run = (bands: BandSpec[], ps: AbPair[], rounds: number, confirm = false) =>
  analyzeAb({ bands, pairs: ps, rounds, confirm, thresholds: DEFAULT_THRESHOLDS, settings, sides });

describe('A/B verdict rules', () => {
  it('a consistent 15% drop over 6 rounds fails TPS (whole interval below 0.95)', () => {
    const { comparison, ab } = run(one, pairs(one, [[0.85, 0.86, 0.84, 0.85, 0.87, 0.85]]), 6);
    expect(comparison.verdict).toBe('fail');
    const tps = comparison.bands[0]!.tps;
    expect(tps.status).toBe('fail');
    expect(tps.interval!.high).toBeLessThan(0.95);
    expect(tps.ratio!).toBeCloseTo(0.85, 2);
    expect(ab.bands[0]!.tps.interval!.level).toBeCloseTo(1 - 4 / 64, 12);
    expect(comparison.failures).toContain('TPS at 4 workers / 4 connections');
  });
  it('identical sides within ±1% pass', () => {
    const { comparison } = run(one, pairs(one, [[1.01, 0.99, 1.0, 1.005, 0.995, 1.0]]), 6);
    expect(comparison.verdict).toBe('pass');
    expect(comparison.bands[0]!.tps.interval!.low).toBeGreaterThanOrEqual(0.95);
  });
  it('a drop that straddles the threshold is inconclusive, with a minimum detectable effect', () => {
    const { comparison } = run(one, pairs(one, [[0.9, 1.0, 0.93, 0.97, 0.91, 0.99]]), 6);
    expect(comparison.bands[0]!.tps.status).toBe('inconclusive');
    expect(comparison.verdict).toBe('inconclusive');
    expect(comparison.bands[0]!.tps.mde!).toBeGreaterThan(0.05);
  });
  it('discrete levels: one mildly-off round (0.97) is tolerated at 7 rounds (k = 2) but not at 6 (k = 1)', () => {
    // One band: the family is TPS and p95 (m = 2), so the first Holm step asks for 97.5%. With 7 rounds the
    // largest attainable level not above it is 1 − 4/128 (k = 2); with 6 rounds only 1 − 2/64 (k = 1).
    const seven = run(one, pairs(one, [[0.85, 0.86, 0.97, 0.85, 0.87, 0.85, 0.86]]), 7).comparison.bands[0]!.tps;
    expect(seven.status).toBe('fail');
    expect(seven.adjusted_interval!.level).toBeCloseTo(1 - 4 / 128, 12);
    const six = run(one, pairs(one, [[0.85, 0.86, 0.97, 0.85, 0.87, 0.85]]), 6).comparison.bands[0]!.tps;
    expect(six.adjusted_interval!.level).toBeCloseTo(1 - 2 / 64, 12);
    expect(six.status).toBe('inconclusive');
  });
  it('fewer rounds than 6: the widest interval is used and its exact level reported', () => {
    const { ab, comparison } = run(one, pairs(one, [[0.85, 0.86, 0.84, 0.85, 0.87]]), 5);
    expect(ab.bands[0]!.tps.interval).toMatchObject({ level: 1 - 2 / 32, below_requested: true, k: 1 });
    expect(comparison.verdict).toBe('fail');
    expect(comparison.notes.join(' ')).toMatch(/cannot reach 95%/);
  });
  it('Holm: a figure that fails alone at its level is not failed when it ranks behind a non-rejection', () => {
    // 7 rounds: smallest attainable one-sided p = 1/128. Band 1 clearly fails; band 2 has one round above
    // the threshold (p = 2/128); with m = 6 figures the Holm levels tighten enough to stop there.
    const ps = pairs(three, [
      [0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8],
      [0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.96],
      [1, 1, 1, 1, 1, 1, 1],
    ]);
    const { comparison } = run(three, ps, 7);
    const [b1, b2, b3] = comparison.bands;
    expect(b1!.tps.status).toBe('fail');
    expect(b3!.tps.status).toBe('pass');
    // Unadjusted, band 2's 95% interval (k = 3 of 28) is below 0.95 …
    expect(b2!.tps.interval!.high).toBeLessThan(0.95);
    // … but at its Holm step level it is not, so it is not failed.
    expect(b2!.tps.status).not.toBe('fail');
    expect(comparison.correction.family_size).toBe(6);
  });
  it('confirmation: a failure that does not reproduce does not fail the gate; one that does, does', () => {
    const main = pairs(one, [[0.85, 0.86, 0.84, 0.85, 0.87, 0.85]]);
    const gone = pairs(one, [[1, 0.99, 1.01, 1, 1, 0.99]], 'confirm', 6);
    const again = pairs(one, [[0.86, 0.85, 0.84, 0.86, 0.85, 0.86]], 'confirm', 6);
    const notReproduced = run(one, [...main, ...gone], 6, true);
    expect(notReproduced.comparison.verdict).not.toBe('fail');
    expect(notReproduced.comparison.bands[0]!.tps.reason).toMatch(/Not reproduced/);
    expect(notReproduced.ab.bands[0]!.confirmation!.reproduced.tps).toBe(false);
    const reproduced = run(one, [...main, ...again], 6, true);
    expect(reproduced.comparison.verdict).toBe('fail');
    expect(reproduced.ab.bands[0]!.confirmation!.reproduced.tps).toBe(true);
  });
  it('curve level: peak TPS ratio with a seeded paired-bootstrap interval, reproducible and never gating', () => {
    const ps = pairs(three, [[0.9, 0.91, 0.9, 0.89, 0.9, 0.9], [0.9, 0.9, 0.91, 0.9, 0.89, 0.9], [0.9, 0.9, 0.9, 0.91, 0.9, 0.9]]);
    const a = run(three, ps, 6);
    const b = run(three, ps, 6);
    const peak = a.comparison.curve!.peak_tps;
    expect(peak.ratio!).toBeCloseTo(0.9, 2);
    expect(peak.interval!.low).toBeLessThanOrEqual(peak.ratio!);
    expect(peak.interval!.high).toBeGreaterThanOrEqual(peak.ratio!);
    expect(peak.gating).toBe(false);
    expect(peak.status).not.toBe('fail');
    expect(b.comparison.curve!.peak_tps.interval).toEqual(peak.interval);
    expect(a.ab.noise.sentence).toMatch(/Same-runner A\/B run.*6 ABBA round/);
  });
  it('too few usable rounds: inconclusive, never pass or fail', () => {
    const { comparison } = run(one, pairs(one, [[0.5, 0.5]]), 2);
    expect(comparison.verdict).toBe('inconclusive');
    expect(comparison.bands[0]!.tps.interval).toBeNull();
  });
});
