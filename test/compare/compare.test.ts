import { describe, expect, it } from 'vitest';
import { compareResults, DEFAULT_THRESHOLDS, noBaseline, validateBaseline } from '../../src/compare/index.js';
import { studentTQuantile } from '../../src/compare/stats.js';
import { grid, makeDoc, type BandSpecInput } from './factory.js';

const T = DEFAULT_THRESHOLDS;

describe('compareResults: known answers', () => {
  it('the same document against itself passes with a ratio of exactly 1', () => {
    const doc = makeDoc({ bands: grid(), seed: 7 });
    const c = compareResults(doc, doc, T);
    expect(c.verdict).toBe('pass');
    for (const b of c.bands) {
      expect(b.tps.ratio).toBe(1);
      expect(b.tps.status).toBe('pass');
      expect(b.p95_latency.ratio).toBe(1);
      expect(b.p95_latency.status).toBe('pass');
      expect(b.tps.interval!.low).toBeLessThan(1);
      expect(b.tps.interval!.high).toBeGreaterThan(1);
    }
    expect(c.failures).toEqual([]);
  });

  it('two runs of the same truth never fail (20 seeds)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const base = makeDoc({ bands: grid(1, { noise: 0.05 }), seed });
      const cur = makeDoc({ bands: grid(1, { noise: 0.05 }), seed: seed + 1000 });
      const c = compareResults(cur, base, T);
      expect(c.verdict, `seed ${seed}: ${c.reason}`).not.toBe('fail');
      expect(['pass', 'inconclusive']).toContain(c.verdict);
    }
  });

  it('a 20% TPS drop with low noise fails, naming every band', () => {
    const base = makeDoc({ bands: grid(1, { noise: 0.01 }), seed: 1 });
    const cur = makeDoc({ bands: grid(0.8, { noise: 0.01 }), seed: 2 });
    const c = compareResults(cur, base, T);
    expect(c.verdict).toBe('fail');
    for (const w of [4, 8, 16, 32]) expect(c.failures).toContain(`TPS at ${w} workers / ${w} connections`);
    for (const b of c.bands) {
      expect(b.tps.status).toBe('fail');
      expect(b.tps.ratio!).toBeGreaterThan(0.78);
      expect(b.tps.ratio!).toBeLessThan(0.82);
      expect(b.tps.interval!.high).toBeLessThan(0.95);
      expect(b.tps.reason).toMatch(/fell (19|2\d)\.\d%/);
      expect(b.tps.reason).toMatch(/entirely below the 5% drop threshold/);
    }
    expect(c.curve!.peak_tps.status).toBe('fail');
    expect(c.reason).toMatch(/TPS at 4 workers \/ 4 connections \(−(19|2\d)\.\d%\)/);
  });

  it('a 3% drop under a 5% threshold never fails (10 seeds)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const base = makeDoc({ bands: grid(1), seed });
      const cur = makeDoc({ bands: grid(0.97), seed: seed + 500 });
      const c = compareResults(cur, base, T);
      expect(c.verdict).not.toBe('fail');
      for (const b of c.bands) expect(b.tps.status).not.toBe('fail');
    }
  });

  it('a 3% drop with low noise passes: the interval sits inside the threshold', () => {
    const base = makeDoc({ bands: grid(1, { noise: 0.005 }), seed: 3 });
    const cur = makeDoc({ bands: grid(0.97, { noise: 0.005 }), seed: 4 });
    const c = compareResults(cur, base, T);
    for (const b of c.bands) {
      expect(b.tps.status).toBe('pass');
      expect(b.tps.interval!.low).toBeGreaterThanOrEqual(0.95);
      expect(b.tps.interval!.high).toBeLessThan(1);
    }
  });

  it('very noisy data is inconclusive and states the minimum detectable effect', () => {
    const base = makeDoc({ bands: grid(1, { noise: 0.6 }), seed: 5 });
    const cur = makeDoc({ bands: grid(0.9, { noise: 0.6 }), seed: 6 });
    const c = compareResults(cur, base, T);
    expect(c.verdict).toBe('inconclusive');
    const tps = c.bands[0]!.tps;
    expect(tps.status).toBe('inconclusive');
    expect(tps.mde!).toBeGreaterThan(0.1);
    expect(tps.noise!).toBeGreaterThan(0.05);
    expect(tps.reason).toContain(`only a drop beyond ${(tps.mde! * 100).toFixed(1)}% could have been called a regression`);
    expect(c.reason).toMatch(/could only have detected a change beyond \d+\.\d%/);
  });

  it('Holm: a family of barely significant bands turns raw failures into inconclusive', () => {
    // Exact series: ten 3-second batches alternating ±e around the mean, so the relative SE of each
    // mean is e/3. Current = 0.92 × baseline. Choose e so the raw 95% upper bound is 0.945 (< 0.95).
    const df = 18; // Welch df of two equal variances with 9 df each
    const s = Math.log(0.945 / 0.92) / studentTQuantile(0.975, df) / Math.SQRT2;
    const e = 3 * s;
    const series = (m: number) => Array.from({ length: 10 }, (_, b) => m * (b % 2 ? 1 + e : 1 - e)).flatMap((x) => [x, x, x]);
    const bands = (r: number, count: number): BandSpecInput[] =>
      Array.from({ length: count }, (_, i) => ({ workers: i + 1, connections: i + 1, tps: 0, series: series(1000 * r), no_histogram: true }));

    // Alone, one such band fails.
    const single = compareResults(makeDoc({ bands: bands(0.92, 1) }), makeDoc({ bands: bands(1, 1) }), T);
    expect(single.bands[0]!.tps.interval!.high).toBeCloseTo(0.945, 6);
    expect(single.bands[0]!.tps.status).toBe('fail');
    expect(single.verdict).toBe('fail');

    // Eight of them: each raw interval still lies below 0.95, but Holm needs p ≤ 0.025/8 for the first.
    const family = compareResults(makeDoc({ bands: bands(0.92, 8) }), makeDoc({ bands: bands(1, 8) }), T);
    // Eight band TPS figures plus peak TPS (the p95 figures have no histogram, hence no interval).
    expect(family.correction.family_size).toBe(9);
    for (const b of family.bands) {
      expect(b.tps.interval!.high).toBeLessThan(0.95);
      expect(b.tps.p_value!).toBeLessThan(0.025);
      expect(b.tps.p_adjusted!).toBeGreaterThan(0.025);
      expect(b.tps.status).toBe('inconclusive');
      expect(b.tps.adjusted_interval!.high).toBeGreaterThan(0.95);
      expect(b.tps.reason).toContain('not after the Holm correction over 9 figures');
    }
    expect(family.curve!.peak_tps.status).toBe('inconclusive');
    expect(family.verdict).not.toBe('fail');
  });

  it('flags improvements without failing', () => {
    const base = makeDoc({ bands: grid(1, { noise: 0.01 }), seed: 8 });
    const cur = makeDoc({ bands: grid(1.3, { noise: 0.01 }), seed: 9 });
    const c = compareResults(cur, base, T);
    expect(c.verdict).toBe('pass');
    for (const b of c.bands) expect(b.tps.improved).toBe(true);
    expect(c.improvements).toContain('TPS at 8 workers / 8 connections');
    expect(c.curve!.peak_tps.improved).toBe(true);
    expect(c.reason).toContain('Improved:');
  });

  it('a p95 latency regression fails; lower p95 is an improvement', () => {
    const base = makeDoc({ bands: grid(1, { median_ms: 5, latencies: 20000 }), seed: 10 });
    const slow = makeDoc({ bands: grid(1, { median_ms: 7, latencies: 20000 }), seed: 11 });
    const c = compareResults(slow, base, T);
    expect(c.verdict).toBe('fail');
    for (const b of c.bands) {
      expect(b.p95_latency.status).toBe('fail');
      expect(b.p95_latency.ratio!).toBeGreaterThan(1.3);
      expect(b.p95_latency.ratio!).toBeLessThan(1.5);
      expect(b.tps.status).not.toBe('fail');
    }
    const fast = makeDoc({ bands: grid(1, { median_ms: 3.5, latencies: 20000 }), seed: 12 });
    const f = compareResults(fast, base, T);
    expect(f.bands.every((b) => b.p95_latency.improved)).toBe(true);
  });

  it('missing histograms make p95 inconclusive with the reason, never a pass', () => {
    const base = makeDoc({ bands: grid(1, { no_histogram: true }), seed: 1 });
    const cur = makeDoc({ bands: grid(1), seed: 2 });
    const c = compareResults(cur, base, T);
    expect(c.verdict).toBe('inconclusive');
    for (const b of c.bands) {
      expect(b.p95_latency.status).toBe('inconclusive');
      expect(b.p95_latency.reason).toContain('baseline: no latency_histogram');
    }
  });

  it('a failed band is inconclusive, not compared', () => {
    const specs = grid(1);
    const base = makeDoc({ bands: specs, seed: 1 });
    const cur = makeDoc({ bands: specs.map((b, i) => (i === 1 ? { ...b, status: 'failed' as const } : b)), seed: 2 });
    const c = compareResults(cur, base, T);
    expect(c.bands[1]!.tps.status).toBe('inconclusive');
    expect(c.bands[1]!.tps.reason).toContain('the band failed in the current run');
  });

  it('USL N* shift fails only when the intervals disagree beyond the threshold', () => {
    const usl = (n: number, lo: number, hi: number) => ({ peak_concurrency: n, peak_concurrency_ci: { low: lo, high: hi, level: 0.95 }, sigma: 0.02, kappa: 0.001 });
    const base = makeDoc({ bands: grid(1), seed: 1, usl: usl(30, 28, 32) });
    const dropped = makeDoc({ bands: grid(1), seed: 1, usl: usl(20, 18, 22) });
    const c = compareResults(dropped, base, T);
    expect(c.curve!.usl_peak_concurrency.status).toBe('fail');
    expect(c.verdict).toBe('fail');
    const overlapping = makeDoc({ bands: grid(1), seed: 1, usl: usl(27, 22, 31) });
    const o = compareResults(overlapping, base, T);
    expect(o.curve!.usl_peak_concurrency.status).toBe('inconclusive');
    // Not gating: without a clear fail the USL shift does not make the verdict inconclusive.
    expect(o.verdict).toBe('pass');
    // σ and κ had no intervals: reported, not judged.
    expect(o.curve!.usl_sigma.reason).toContain('no interval on both sides');
  });

  it('reports a shift of the optimal configuration without failing on it', () => {
    const base = makeDoc({ bands: grid(1), seed: 1, optimal: { workers: 16, connections: 16, tps: 13000 } });
    const cur = makeDoc({ bands: grid(1), seed: 1, optimal: { workers: 8, connections: 8, tps: 7000 } });
    const c = compareResults(cur, base, T);
    expect(c.curve!.optimal.shifted).toBe(true);
    expect(c.curve!.optimal.message).toContain('moved from 16 workers / 16 connections');
    expect(c.verdict).toBe('pass');
    expect(c.notes.join(' ')).toContain('moved from');
  });

  it('is deterministic and never emits NaN or Infinity', () => {
    const base = makeDoc({ bands: [...grid(1), { workers: 64, connections: 64, tps: 0 }], seed: 1 });
    const cur = makeDoc({ bands: grid(0.9), seed: 2 });
    const a = compareResults(cur, base, T);
    const b = compareResults(cur, base, T);
    expect(a).toEqual(b);
    const json = JSON.stringify(a, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? `BAD:${v}` : v));
    expect(json).not.toContain('BAD:');
    expect(a.unmatched.baseline_only).toEqual([{ band_id: 5, workers: 64, connections: 64 }]);
  });

  it('rejects nonsensical thresholds', () => {
    const doc = makeDoc({ bands: grid(), seed: 1 });
    expect(() => compareResults(doc, doc, { ...T, max_tps_drop: 5 })).toThrow(/max_tps_drop/);
  });
});

describe('baseline validation', () => {
  const cur = makeDoc({
    bands: grid(),
    files: [
      { path: 'setup.sql', role: 'setup', sha256: 'aaa' },
      { path: 'lookup.sql', role: 'script', sha256: 'bbb' },
      { path: 'new.sql', role: 'script', sha256: 'ccc' },
    ],
  });

  it('accepts a comparable baseline and lists changed workload files', () => {
    const base = makeDoc({
      bands: grid(),
      files: [
        { path: 'setup.sql', role: 'setup', sha256: 'OLD' },
        { path: 'lookup.sql', role: 'script', sha256: 'bbb' },
        { path: 'gone.sql', role: 'script', sha256: 'ddd' },
      ],
    });
    expect(validateBaseline(cur, base)).toEqual({ ok: true, changed_files: ['setup.sql', 'new.sql (added)', 'gone.sql (removed)'] });
    expect(compareResults(cur, base, T).changed_files).toEqual(['setup.sql', 'new.sql (added)', 'gone.sql (removed)']);
  });

  it.each([
    ['fingerprint', { fingerprint: 'e'.repeat(64) }, /different plan/],
    ['workload', { workload: 'select-only' }, /workload "select-only"/],
    ['scale', { scale: 100 }, /scale 100/],
  ])('refuses a different %s', (_name, change, message) => {
    const base = makeDoc({ bands: grid(), ...change });
    const v = validateBaseline(cur, base);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toMatch(message);
    const c = compareResults(cur, base, T);
    expect(c.verdict).toBe('no-baseline');
    expect(c.reason).toMatch(message);
  });

  it('refuses another schema version and non-documents', () => {
    const base = { ...makeDoc({ bands: grid() }), schema_version: 0 } as unknown as Parameters<typeof validateBaseline>[1];
    const v = validateBaseline(cur, base);
    expect(v).toEqual({ ok: false, reason: expect.stringMatching(/schema_version 0/) });
    expect(validateBaseline(cur, null as never).ok).toBe(false);
    expect(validateBaseline(cur, { schema_version: 1 } as never)).toEqual({ ok: false, reason: 'the baseline has no bands array' });
  });

  it('noBaseline is a verdict of its own, never a pass', () => {
    const c = noBaseline('artifact pgscale-baseline not found on branch main');
    expect(c.verdict).toBe('no-baseline');
    expect(c.reason).toContain('artifact pgscale-baseline not found on branch main');
    expect(c.reason).toContain('not a pass');
  });
});
