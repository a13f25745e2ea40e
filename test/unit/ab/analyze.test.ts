import { describe, expect, it } from 'vitest';
import type { AbPair } from '../../../src/results/ab-types.js';
import { analyzeAb } from '../../../src/compare/paired.js';
import { SCHEMA_VERSION } from '../../../src/results/types.js';
import { abResultsJson } from '../../../src/results/write.js';
import { DEFAULT_THRESHOLDS } from '../../../src/compare/thresholds.js';
import { createRandom } from '../../../src/random.js';
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
const two: BandSpec[] = [1, 2].map((w, i) => ({ band_id: i + 1, workers: w, connections: w }));
const three: BandSpec[] = [1, 2, 4].map((w, i) => ({ band_id: i + 1, workers: w, connections: w }));
const run = (bands: BandSpec[], ps: AbPair[], rounds: number, confirm = false) =>
  analyzeAb({ bands, pairs: ps, rounds, confirm, thresholds: DEFAULT_THRESHOLDS, settings, sides });

/** R rounds of one band: head = base × ratio, with independent relative noise on each figure. */
function noisyPairs(rounds: number, tpsRatio: number, p95Ratio: number, noise: number, seed: number): AbPair[] {
  const random = createRandom(seed);
  return Array.from({ length: rounds }, (_, round) => {
    const baseTps = 4000 * (1 + 0.02 * random.normal());
    const baseP95 = 2 * (1 + 0.02 * random.normal());
    return {
      band_index: 0,
      round,
      phase: 'main',
      order: round % 2 ? ['head', 'base'] : ['base', 'head'],
      base: { tps: baseTps, p95_ms: baseP95, status: 'complete', client_bound: false, error_rate: 0 },
      head: {
        tps: baseTps * tpsRatio * Math.exp(noise * random.normal()),
        p95_ms: baseP95 * p95Ratio * Math.exp(noise * random.normal()),
        status: 'complete',
        client_bound: false,
        error_rate: 0,
      },
    };
  });
}

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
  it('a drop that straddles the threshold is inconclusive, and says whether the family could fail at all', () => {
    const { comparison } = run(one, pairs(one, [[0.9, 1.0, 0.93, 0.97, 0.91, 0.99]]), 6);
    const tps = comparison.bands[0]!.tps;
    expect(tps.status).toBe('inconclusive');
    expect(comparison.verdict).toBe('inconclusive');
    // p95 (= 4/TPS) crosses its 10% threshold in round 1 and is not clearly healthy, and its rounds rank
    // differently from TPS's: the family's smallest p-value, 1/64, falls on 2 of the 64 patterns, 2/64 > 0.02475.
    expect(tps.mde).toBeNull();
    expect(tps.reason).toMatch(/with 6 blocks the family's adjusted test cannot reach that level for this figure/);
    // The same noise beside a clearly healthy p95 can fail a drop past the minimum detectable one.
    const quiet = run(one, pairs(one, [[0.9, 0.95, 0.93, 0.94, 0.91, 0.95]]), 6).comparison.bands[0]!.tps;
    expect(quiet.mde!).toBeGreaterThan(0.05);
  });

  it('a noisy run says how many rounds would bring the minimum detectable drop to twice the threshold', () => {
    // 6 rounds, k = 1: the interval is [0.8, 1.1], log half-width 0.15923; 2 × 5% needs ln(0.95/0.90) = 0.05407,
    // so 6 · (0.15923 / 0.05407)² = 52.04 → 53 rounds.
    const { ab, comparison } = run(one, pairs(one, [[0.8, 1.1, 0.9, 1.05, 0.85, 1.0]]), 6);
    expect(ab.noise.rounds_for_twice_threshold).toBe(53);
    expect(comparison.notes[0]).toMatch(
      /About 53 paired blocks per band \(more rounds, or a longer band_duration: one block per second\) would bring that down to 10%\./,
    );
    // A quiet run needs no advice.
    expect(
      run(one, pairs(one, [[1.01, 0.99, 1.0, 1.005, 0.995, 1.0]]), 6).ab.noise.rounds_for_twice_threshold,
    ).toBeNull();
  });
  it('discrete p-values: one mildly-off round (0.97) still fails at 7 rounds but not at 6', () => {
    // The off round has the smallest |d − ln 0.95|, so TPS has T⁺ = 1: raw p = P(T⁺ ≤ 1) = 2/2^R, against the
    // step-down's level 0.99 · 0.025 = 0.02475 (one side of 95%, less the two-step method's first share).
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
  it('6 rounds, TPS 0.70× ± 1% beside a healthy p95: fails, adjusted p = 2⁻⁶ (the old sign flip could not fail)', () => {
    const { comparison } = run(one, noisyPairs(6, 0.7, 1, 0.01, 14), 6);
    const { tps, p95_latency } = comparison.bands[0]!;
    expect(tps.interval!.high).toBeLessThan(0.95);
    expect(tps.p_adjusted).toBeCloseTo(1 / 64, 12);
    expect(tps.status).toBe('fail');
    expect(p95_latency.status).toBe('pass');
    expect(comparison.verdict).toBe('fail');
  });
  it('6 rounds, a 100× slowdown with independent ±20% noise on TPS and p95: both fail at 2⁻⁶', () => {
    // Every d − b of both figures lies on the bad side, so both reach their extreme under the same pattern.
    const { comparison } = run(one, noisyPairs(6, 0.01, 100, 0.2, 3), 6);
    for (const f of [comparison.bands[0]!.tps, comparison.bands[0]!.p95_latency]) {
      expect(f.p_adjusted).toBeCloseTo(1 / 64, 12);
      expect(f.status).toBe('fail');
    }
  });
  it('an interval past the threshold that the adjusted test does not reject says exactly that, and what would settle it', () => {
    // 2 bands × 7 rounds. In each band one round sits just past the boundary (0.945, rank 1) and one just
    // short of it (0.965, rank 2): T⁺ = 2, raw p = 3/128 = 0.0234, and the 95.31% interval (k = 3) lies below
    // 0.95. Alone each would fail (≤ 0.02475); but the two bands' off rounds differ, so the family's smallest
    // p-values fall on more sign patterns, and the adjusted p-value rises above the level.
    const ps = pairs(two, [
      [0.85, 0.945, 0.965, 0.85, 0.86, 0.85, 0.86],
      [0.85, 0.86, 0.85, 0.86, 0.945, 0.965, 0.85],
    ]);
    const { comparison } = run(two, ps, 7);
    for (const band of comparison.bands) {
      const tps = band.tps;
      expect(tps.p_value).toBeCloseTo(3 / 128, 12);
      expect(tps.p_adjusted!).toBeGreaterThan(0.02475);
      expect(tps.interval!.high).toBeLessThan(0.95);
      expect(tps.status).toBe('inconclusive');
      expect(tps.reason).toMatch(/lies entirely below the 5% drop threshold, but the step-down/);
      expect(tps.reason).toMatch(/at most 0\.025, so it does not fail/);
      expect(tps.reason).toMatch(/About \d+ paired blocks would settle it/);
      expect(tps.reason).not.toMatch(/straddles/);
    }
  });

  it('a straddling figure names the rounds that would settle it', () => {
    const { comparison } = run(one, pairs(one, [[0.9, 1.0, 0.93, 0.97, 0.91, 0.99]]), 6);
    const tps = comparison.bands[0]!.tps;
    expect(tps.reason).toMatch(/straddles the 5% drop threshold/);
    const settle = Number(/About (\d+) paired blocks would settle it/.exec(tps.reason)![1]);
    expect(settle).toBeGreaterThan(6);
  });
  it('fewer rounds than 6: the widest interval is reported at its exact level, and nothing can fail', () => {
    const { ab, comparison } = run(one, pairs(one, [[0.85, 0.86, 0.84, 0.85, 0.87]]), 5);
    expect(ab.bands[0]!.tps.interval).toMatchObject({ level: 1 - 2 / 32, below_requested: true, k: 1 });
    // The smallest one-sided p-value with 5 rounds is 1/32 > 0.025.
    expect(comparison.bands[0]!.tps.p_adjusted).toBeCloseTo(1 / 32, 12);
    expect(comparison.verdict).toBe('inconclusive');
    expect(comparison.notes.join(' ')).toMatch(/cannot reach 95%.*no figure can fail.*Use 6 or more blocks/);
    expect(comparison.bands[0]!.tps.reason).toMatch(
      /with 5 blocks the family's adjusted test cannot reach that level for this figure/,
    );
    expect(comparison.bands[0]!.tps.mde).toBeNull();
  });
  it('the family test flips whole rounds: figures that move together are not charged as independent', () => {
    // 3 bands × (TPS, p95) = 6 figures over 7 rounds. Band 2 has one round above the threshold: raw p = 2/128.
    // Holm would judge it at α/(2·5) and not fail it. Flipping whole rounds, the smallest p-values of the
    // family come from exactly 2 of the 128 sign patterns (band 1 unflipped, band 2 with round 7 flipped), so
    // every failing figure's adjusted p is 2/128 ≤ 0.02475. Band 3 sits 5% inside both thresholds: its null is
    // moved there by its slack, so it never scores (flipping d − b alone, as before, it scored with every
    // round flipped, and the adjusted p was 3/128).
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
    expect(b2!.tps.p_adjusted).toBeCloseTo(2 / 128, 12);
    expect(b1!.tps.p_adjusted).toBeCloseTo(2 / 128, 12);
    expect(b2!.tps.status).toBe('fail');
    expect(comparison.correction).toMatchObject({ method: 'two-step-sign-flip', family_size: 6 });
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
    expect(a.ab.noise.sentence).toMatch(/Same-runner A\/B run.*6 round\(s\) × 1 block\(s\) per band/);
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
