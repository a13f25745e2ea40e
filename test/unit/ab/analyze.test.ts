import { describe, expect, it } from 'vitest';
import type { AbPair } from '../../../src/results/ab-types.js';
import { analyzeAb } from '../../../src/compare/paired.js';
import { SCHEMA_VERSION } from '../../../src/results/types.js';
import { abResultsJson } from '../../../src/results/write.js';
import { DEFAULT_THRESHOLDS } from '../../../src/compare/thresholds.js';
import type { AnalysisSettings } from '../../../src/config/types.js';
import type { BandSpec } from '../../../src/plan/types.js';

const settings: AnalysisSettings = {
  linear_min_efficiency: 0.75,
  saturation_tolerance: 0.05,
  confidence: 0.95,
  batches: 10,
  bootstrap_resamples: 200,
  seed: 42,
};
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
    // 6 rounds: the smallest exact level ≥ 95% is the widest interval, 1 − 2/64 (k = 1).
    expect(ab.bands[0]!.tps.interval!.level).toBeCloseTo(1 - 2 / 64, 12);
    // TPS and p95 move together, so the family of two costs nothing: adjusted p = raw p = 1/64.
    expect(tps.p_value).toBeCloseTo(1 / 64, 12);
    expect(tps.p_adjusted).toBeCloseTo(1 / 64, 12);
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
  it('a noisy run says how many rounds would bring the minimum detectable drop to twice the threshold', () => {
    // 6 rounds, k = 1: the interval is [0.8, 1.1], log half-width 0.15923; 2 × 5% needs ln(0.95/0.90) = 0.05407,
    // so 6 · (0.15923 / 0.05407)² = 52.04 → 53 rounds.
    const { ab, comparison } = run(one, pairs(one, [[0.8, 1.1, 0.9, 1.05, 0.85, 1.0]]), 6);
    expect(ab.noise.rounds_for_twice_threshold).toBe(53);
    expect(comparison.notes[0]).toMatch(/About 53 rounds \(shorter bands are fine\) would bring that down to 10%\./);
    // A quiet run needs no advice.
    expect(
      run(one, pairs(one, [[1.01, 0.99, 1.0, 1.005, 0.995, 1.0]]), 6).ab.noise.rounds_for_twice_threshold,
    ).toBeNull();
  });
  it('discrete p-values: one mildly-off round (0.97) still fails at 7 rounds but not at 6', () => {
    // The off round has the smallest |d − ln 0.95|, so TPS has T⁺ = 1: raw p = P(T⁺ ≤ 1) = 2/2^R, against α/2 = 0.025.
    // Against its own 10% threshold, p95's off round ranks second (the 0.87 round is closer), so the pair of
    // figures reaches p ≤ 2/128 under 3 sign patterns (none, round 3, rounds 3 and 5): adjusted p = 3/128.
    const seven = run(one, pairs(one, [[0.85, 0.86, 0.97, 0.85, 0.87, 0.85, 0.86]]), 7).comparison.bands[0]!.tps;
    expect(seven.p_value).toBeCloseTo(2 / 128, 12);
    expect(seven.p_adjusted).toBeCloseTo(3 / 128, 12);
    expect(seven.status).toBe('fail');
    const six = run(one, pairs(one, [[0.85, 0.86, 0.97, 0.85, 0.87, 0.85]]), 6).comparison.bands[0]!.tps;
    expect(six.p_value).toBeCloseTo(2 / 64, 12);
    expect(six.status).toBe('inconclusive');
  });
  it('fewer rounds than 6: the widest interval is reported at its exact level, and nothing can fail', () => {
    const { ab, comparison } = run(one, pairs(one, [[0.85, 0.86, 0.84, 0.85, 0.87]]), 5);
    expect(ab.bands[0]!.tps.interval).toMatchObject({ level: 1 - 2 / 32, below_requested: true, k: 1 });
    // The smallest one-sided p-value with 5 rounds is 1/32 > 0.025.
    expect(comparison.bands[0]!.tps.p_adjusted).toBeCloseTo(1 / 32, 12);
    expect(comparison.verdict).toBe('inconclusive');
    expect(comparison.notes.join(' ')).toMatch(/cannot reach 95%.*no figure can fail.*Use 6 or more rounds/);
  });
  it('the family test flips whole rounds: figures that move together are not charged as independent', () => {
    // 3 bands × (TPS, p95) = 6 figures over 7 rounds. Band 2 has one round above the threshold: raw p = 2/128.
    // Holm would judge it at α/(2·5) and not fail it. Flipping whole rounds, the smallest p-values of the
    // family come from exactly 3 of the 128 sign patterns (band 1 unflipped, band 2 with round 7 flipped,
    // band 3 all flipped), so every failing figure's adjusted p is 3/128 ≤ 0.025.
    const ps = pairs(three, [
      [0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8],
      [0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.96],
      [1, 1, 1, 1, 1, 1, 1],
    ]);
    const { comparison } = run(three, ps, 7);
    const [b1, b2, b3] = comparison.bands;
    expect(b1!.tps.status).toBe('fail');
    expect(b3!.tps.status).toBe('pass');
    expect(b2!.tps.p_value).toBeCloseTo(2 / 128, 12);
    expect(b2!.tps.p_adjusted).toBeCloseTo(3 / 128, 12);
    expect(b1!.tps.p_adjusted).toBeCloseTo(3 / 128, 12);
    expect(b2!.tps.status).toBe('fail');
    expect(comparison.correction).toMatchObject({ method: 'sign-flip-step-down', family_size: 6 });
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
    const ps = pairs(three, [
      [0.9, 0.91, 0.9, 0.89, 0.9, 0.9],
      [0.9, 0.9, 0.91, 0.9, 0.89, 0.9],
      [0.9, 0.9, 0.9, 0.91, 0.9, 0.9],
    ]);
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

describe('ab-results.json', () => {
  it('carries schema_version and its kind, and holds the A/B section and the comparison', () => {
    const { ab, comparison } = run(one, pairs(one, [[0.85, 0.86, 0.84, 0.85, 0.87, 0.85]]), 6);
    const text = abResultsJson(ab, comparison);
    const doc = JSON.parse(text) as {
      kind: string;
      schema_version: number;
      ab: { rounds: number };
      comparison: { verdict: string };
    };
    expect(doc.schema_version).toBe(SCHEMA_VERSION);
    expect(doc.kind).toBe('pgscale-ab-results');
    expect(doc.ab.rounds).toBe(6);
    expect(doc.comparison.verdict).toBe('fail');
    expect(text.endsWith('}\n')).toBe(true);
  });
  it('refuses a non-finite number as every document does, naming its path', () => {
    const { ab, comparison } = run(one, pairs(one, [[1, 1, 1, 1, 1, 1]]), 6);
    ab.noise.tps_mde = Number.NaN;
    expect(() => abResultsJson(ab, comparison)).toThrow(
      /internal error: A\/B results document holds a non-finite number at ab\.noise\.tps_mde = NaN/,
    );
  });
});
