// Short bands (a few seconds) against a stored baseline: the 250 ms slices give batch means an
// interval, so a gross change is decided, while identical code still does not fail.
import { describe, expect, it } from 'vitest';
import { compareResults, DEFAULT_THRESHOLDS } from '../../../src/compare/index.js';
import { grid, makeDoc, type BandSpecInput } from '../../support/compare-factory.js';

const T = DEFAULT_THRESHOLDS;
// 3 s bands with 250 ms slices, as the runner records them; latency drifts per slice (AR(1), φ 0.6).
const SHORT: Partial<BandSpecInput> = { seconds: 3, slice_ms: 250, noise: 0.1, p95_wobble: 0.15, latencies: 600 };

describe('3 s bands with 250 ms slices', () => {
  it('a 99.5% TPS drop with p95 ×200 (an index dropped) fails every band', () => {
    const base = makeDoc({ bands: grid(1, SHORT), seed: 1 });
    const cur = makeDoc({ bands: grid(0.005, { ...SHORT, latency_level: 200, median_ms: 5 }), seed: 2 });
    const c = compareResults(cur, base, T);
    expect(c.verdict).toBe('fail');
    for (const b of c.bands) {
      expect(b.tps.status, b.tps.reason).toBe('fail');
      expect(b.tps.method).toMatch(/×2×250 ms current/);
      expect(b.p95_latency.status, b.p95_latency.reason).toBe('fail');
      expect(b.p95_latency.method).toContain('non-empty 250 ms slices');
    }
  });

  it('the reverse (an index added: TPS ×100, p95 ÷100) passes as improved, nothing inconclusive', () => {
    const base = makeDoc({ bands: grid(0.01, { ...SHORT, latency_level: 100 }), seed: 3 });
    const cur = makeDoc({ bands: grid(1, SHORT), seed: 4 });
    const c = compareResults(cur, base, T);
    expect(c.verdict, c.reason).toBe('pass');
    expect(c.inconclusive).toEqual([]);
    for (const b of c.bands) {
      expect(b.tps.improved).toBe(true);
      expect(b.p95_latency.status).toBe('pass');
      expect(b.p95_latency.improved).toBe(true);
    }
  });

  it('identical truth fails at most 1 of 200 pairs of short runs (α/2 = 2.5% per family)', () => {
    let fails = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const base = makeDoc({ bands: grid(1, SHORT), seed });
      const cur = makeDoc({ bands: grid(1, SHORT), seed: seed + 5000 });
      if (compareResults(cur, base, T).verdict === 'fail') fails++;
    }
    // Measured: 0 of 200 (seeds 1–200).
    expect(fails).toBeLessThanOrEqual(1);
  });

  it('a band under the 2 s minimum is inconclusive and names the band length that settles it', () => {
    const one: Partial<BandSpecInput> = { ...SHORT, seconds: 1 };
    const base = makeDoc({ bands: grid(1, one), seed: 5 });
    const cur = makeDoc({ bands: grid(0.005, one), seed: 6 });
    const c = compareResults(cur, base, T);
    expect(c.verdict).toBe('inconclusive');
    expect(c.bands[0]!.tps.reason).toContain('a measured window of ≥ 2 s is needed; a longer band_duration');
  });
});
