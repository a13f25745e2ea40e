import { describe, expect, it } from 'vitest';
import { compareResults, DEFAULT_THRESHOLDS, noBaseline, validateBaseline } from '../../../src/compare/index.js';
import { studentTQuantile } from '../../../src/compare/stats.js';
import { gaussian, grid, makeDoc, rng, type BandSpecInput } from '../../support/compare-factory.js';

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
    expect(tps.reason).toContain(
      `only a drop beyond ${(tps.mde! * 100).toFixed(1)}% could have been called a regression`,
    );
    expect(c.reason).toMatch(/could only have detected a change beyond \d+\.\d%/);
  });

  it('Holm: a family of barely significant bands turns raw failures into inconclusive', () => {
    // Exact series: ten 3-second batches alternating ±e around the mean, so the relative SE of each
    // mean is e/3. Current = 0.92 × baseline. Choose e so the raw 95% upper bound is 0.945 (< 0.95).
    const df = 18; // Welch df of two equal variances with 9 df each
    const s = Math.log(0.945 / 0.92) / studentTQuantile(0.975, df) / Math.SQRT2;
    const e = 3 * s;
    const series = (m: number) =>
      Array.from({ length: 10 }, (_, b) => m * (b % 2 ? 1 + e : 1 - e)).flatMap((x) => [x, x, x]);
    const bands = (r: number, count: number): BandSpecInput[] =>
      Array.from({ length: count }, (_, i) => ({
        workers: i + 1,
        connections: i + 1,
        tps: 0,
        series: series(1000 * r),
        no_histogram: true,
      }));

    // Alone, one such band fails.
    const single = compareResults(makeDoc({ bands: bands(0.92, 1) }), makeDoc({ bands: bands(1, 1) }), T);
    expect(single.bands[0]!.tps.interval!.high).toBeCloseTo(0.945, 6);
    expect(single.bands[0]!.tps.status).toBe('fail');
    expect(single.verdict).toBe('fail');

    // Eight of them: each raw interval still lies below 0.95, but Holm needs p ≤ 0.025/8 for the first.
    const family = compareResults(makeDoc({ bands: bands(0.92, 8) }), makeDoc({ bands: bands(1, 8) }), T);
    // Eight band TPS figures (the p95 figures have no histogram or series, hence no interval). Both runs
    // peak at the same band, so peak TPS is that band's TPS figure and is not tested a second time.
    expect(family.correction.family_size).toBe(8);
    expect(family.curve!.peak_tps.status).toBe(family.bands[0]!.tps.status);
    expect(family.curve!.peak_tps.p_adjusted).toBe(family.bands[0]!.tps.p_adjusted);
    for (const b of family.bands) {
      expect(b.tps.interval!.high).toBeLessThan(0.95);
      expect(b.tps.p_value!).toBeLessThan(0.025);
      expect(b.tps.p_adjusted!).toBeGreaterThan(0.025);
      expect(b.tps.status).toBe('inconclusive');
      expect(b.tps.adjusted_interval!.high).toBeGreaterThan(0.95);
      expect(b.tps.reason).toContain('not after the Holm correction over 8 figures');
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
      expect(b.p95_latency.interval).toBeNull();
      expect(b.p95_latency.reason).toContain('baseline: no per-second p95 series');
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

  it('a USL N* shift alone never fails; with a TPS failure past N* it is named as its explanation', () => {
    const usl = (n: number, lo: number, hi: number) => ({
      peak_concurrency: n,
      peak_concurrency_ci: { low: lo, high: hi, level: 0.95 },
      sigma: 0.02,
      kappa: 0.001,
    });
    const base = makeDoc({ bands: grid(1), seed: 1, usl: usl(30, 28, 32) });
    // Same throughput, a lower N*: the curve changed shape without costing throughput.
    const shapeOnly = compareResults(makeDoc({ bands: grid(1), seed: 1, usl: usl(20, 18, 22) }), base, T);
    expect(shapeOnly.curve!.usl_peak_concurrency.status).toBe('inconclusive');
    expect(shapeOnly.curve!.usl_peak_concurrency.reason).toContain('reported, not gated');
    expect(shapeOnly.verdict).toBe('pass');
    // The same shift with TPS 20% lower at 32 workers (past N* = 20): fail, and N* names why.
    const worse = grid(1, { noise: 0.01 }).map((b) => (b.workers === 32 ? { ...b, tps: b.tps * 0.8 } : b));
    const w = compareResults(makeDoc({ bands: worse, seed: 2, usl: usl(20, 18, 22) }), base, T);
    expect(w.verdict).toBe('fail');
    expect(w.curve!.usl_peak_concurrency.status).toBe('fail');
    expect(w.curve!.usl_peak_concurrency.reason).toContain('TPS at 32 workers / 32 connections');
    const overlapping = makeDoc({ bands: grid(1), seed: 1, usl: usl(27, 22, 31) });
    const o = compareResults(overlapping, base, T);
    expect(o.curve!.usl_peak_concurrency.status).toBe('inconclusive');
    expect(o.curve!.usl_peak_concurrency.reason).toContain('More bands past N*, longer bands, or mode: ab');
    // Not gating: without a clear fail the USL shift does not make the verdict inconclusive.
    expect(o.verdict).toBe('pass');
    // σ and κ had no intervals: reported, not judged.
    expect(o.curve!.usl_sigma.reason).toContain('no interval on both sides');
  });

  it('prints USL intervals with the digits their width needs', () => {
    const k = (v: number, lo: number, hi: number) => ({ kappa: v, kappa_ci: { low: lo, high: hi, level: 0.95 } });
    const base = makeDoc({ bands: grid(1), seed: 1, usl: k(0.000512, 0.000498, 0.000527) });
    const cur = makeDoc({ bands: grid(1), seed: 1, usl: k(0.000503, 0.000489, 0.000518) });
    const r = compareResults(cur, base, T).curve!.usl_kappa.reason;
    expect(r).toContain('current 0.000503 [0.000489, 0.000518] vs baseline 0.000512 [0.000498, 0.000527]');
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
    expect(validateBaseline(cur, base)).toEqual({
      ok: true,
      changed_files: ['setup.sql', 'new.sql (added)', 'gone.sql (removed)'],
    });
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
    const base = { ...makeDoc({ bands: grid() }), schema_version: 0 } as unknown as Parameters<
      typeof validateBaseline
    >[1];
    const v = validateBaseline(cur, base);
    expect(v).toEqual({ ok: false, reason: expect.stringMatching(/schema_version 0/) });
    expect(validateBaseline(cur, null as never).ok).toBe(false);
    expect(validateBaseline(cur, { schema_version: 1 } as never)).toEqual({
      ok: false,
      reason: 'the baseline has no bands array',
    });
  });

  it('noBaseline is a verdict of its own, never a pass', () => {
    const c = noBaseline('artifact pgscale-baseline not found on branch main');
    expect(c.verdict).toBe('no-baseline');
    expect(c.reason).toContain('artifact pgscale-baseline not found on branch main');
    expect(c.reason).toContain('not a pass');
  });
});

describe('p95: judged from the per-second series, not from pooled latencies', () => {
  // Identical code on one machine: each second's latencies drift together (AR(1) on the log, 20% sd,
  // φ = 0.6) and each run sits at its own level (3% sd), as on a shared runner. Measured over 1000
  // seeds (4 bands each), this setting failed no run (with 10 batches instead of 5: 0.4% of runs).
  const drifting = (r: () => number): Partial<BandSpecInput> => ({
    p95_wobble: 0.2,
    p95_ar: 0.6,
    latency_level: Math.exp(0.03 * gaussian(r)),
    seconds: 60,
  });

  it('identical code with drifting per-second p95 never fails (50 seeds)', () => {
    let judged = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const r = rng(seed * 7919);
      const base = makeDoc({ bands: grid(1, drifting(r)), seed });
      const cur = makeDoc({ bands: grid(1, drifting(r)), seed: seed + 100_000 });
      const c = compareResults(cur, base, T);
      expect(c.verdict, `seed ${seed}: ${c.reason}`).not.toBe('fail');
      for (const b of c.bands) {
        expect(b.p95_latency.status, `seed ${seed}: ${b.p95_latency.reason}`).not.toBe('fail');
        // Every p95 figure got an interval from the series (none skipped for want of data).
        expect(b.p95_latency.interval).not.toBeNull();
        expect(b.p95_latency.method).toContain('batch means of the log per-second p95');
        if (b.p95_latency.status === 'pass') judged++;
      }
    }
    // Not merely always inconclusive: the series settles a fair share (37 of 200 with these seeds).
    expect(judged).toBeGreaterThan(20);
  });

  it('the interval is honest about drift: wider than pooled order statistics would claim', () => {
    const r = rng(3);
    const base = makeDoc({ bands: grid(1, drifting(r)), seed: 3 });
    const cur = makeDoc({ bands: grid(1, drifting(r)), seed: 4 });
    const c = compareResults(cur, base, T);
    for (const b of c.bands) {
      const i = b.p95_latency.interval!;
      // Per-run se of the mean log level with 20% sd, φ = 0.6, 60 s is ≈ 0.2·√(1.6/0.4)/√60 ≈ 0.05, so the
      // 95% interval of the ratio spans roughly ±15%; 4000 independent latencies would claim about ±5%.
      expect(Math.log(i.high / i.low)).toBeGreaterThan(0.15);
      expect(i.low).toBeLessThan(b.p95_latency.ratio!);
      expect(i.high).toBeGreaterThan(b.p95_latency.ratio!);
    }
  });

  it('bursts of slow seconds are not a p95 regression of the code (30 seeds)', () => {
    // In both runs about 6% of seconds are 5× slower: the pooled p95 sits at the edge of the burst tail,
    // so a few more slow seconds make it jump while the typical second has not changed.
    let explained = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const base = makeDoc({ bands: grid(1, { burst: { fraction: 0.06, factor: 5 }, seconds: 60 }), seed });
      const cur = makeDoc({ bands: grid(1, { burst: { fraction: 0.06, factor: 5 }, seconds: 60 }), seed: seed + 500 });
      const c = compareResults(cur, base, T);
      for (const b of c.bands) {
        expect(b.p95_latency.status, `seed ${seed}: ${b.p95_latency.reason}`).not.toBe('fail');
        if (b.p95_latency.reason.includes('minority of slow seconds')) explained++;
      }
    }
    // The pooled p95 did move beyond the threshold in some bands, and the reason says why it did not fail.
    expect(explained).toBeGreaterThan(0);
  });

  it('a real 2× p95 regression with per-second series fails, naming the bands', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const r = rng(seed);
      const base = makeDoc({ bands: grid(1, drifting(r)), seed });
      const cur = makeDoc({ bands: grid(1, { ...drifting(r), latency_level: 2 }), seed: seed + 1000 });
      const c = compareResults(cur, base, T);
      expect(c.verdict).toBe('fail');
      for (const b of c.bands) {
        const f = b.p95_latency;
        expect(f.status, `seed ${seed}: ${f.reason}`).toBe('fail');
        expect(f.ratio!).toBeGreaterThan(1.6);
        expect(f.ratio!).toBeLessThan(2.5);
        expect(f.interval!.low).toBeGreaterThan(1.1);
        expect(f.reason).toMatch(/entirely above the 10% increase threshold; the typical second's p95/);
        expect(c.failures).toContain(`p95 latency at ${b.workers} workers / ${b.connections} connections`);
      }
    }
  });

  it('a baseline without the series (older runner) leaves p95 inconclusive, never failed', () => {
    const base = makeDoc({ bands: grid(1, { no_p95_series: true }), seed: 1 });
    const cur = makeDoc({ bands: grid(1, { latency_level: 3 }), seed: 2 });
    const c = compareResults(cur, base, T);
    expect(c.verdict).toBe('inconclusive');
    for (const b of c.bands) {
      expect(b.p95_latency.status).toBe('inconclusive');
      expect(b.p95_latency.ratio!).toBeGreaterThan(2.5);
      expect(b.p95_latency.reason).toContain(
        'baseline: no per-second p95 series (p95_series_ms; the run was recorded by an older pgscale)',
      );
      // TPS is still judged.
      expect(b.tps.status).toBe('pass');
    }
    const swapped = compareResults(base, makeDoc({ bands: grid(1, { no_p95_series: true }), seed: 3 }), T);
    expect(swapped.bands[0]!.p95_latency.reason).toContain('current run: no per-second p95 series');
  });

  it('too few seconds with a p95 leave p95 inconclusive, with the count', () => {
    const base = makeDoc({ bands: grid(1, { seconds: 8 }), seed: 1 });
    const cur = makeDoc({ bands: grid(1, { seconds: 8, latency_level: 3 }), seed: 2 });
    const c = compareResults(cur, base, T);
    for (const b of c.bands) {
      expect(b.p95_latency.status).toBe('inconclusive');
      expect(b.p95_latency.reason).toContain('only 8 second(s) with a p95 and no 8 sub-second slices');
      expect(b.p95_latency.reason).toContain('or ≥ 10 s, settles it');
    }
    // Empty seconds (null) do not count.
    const sparse = makeDoc({ bands: grid(1), seed: 4 });
    for (const b of sparse.bands) b.p95_series_ms = b.p95_series_ms!.map((v, i) => (i % 4 === 0 ? v : null));
    const s = compareResults(sparse, base, T);
    expect(s.bands[0]!.p95_latency.reason).toContain('current run: only 8 second(s)');
  });
});

describe('environment: a baseline from another machine never fails the gate', () => {
  const epyc = {
    client_cpu_model: 'AMD EPYC 7763 64-Core Processor',
    client_cpus: 4,
    settings: { shared_buffers: '128MB', max_connections: '100', fsync: 'on' },
  };
  const xeon = {
    client_cpu_model: 'Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz',
    client_cpus: 2,
    settings: { shared_buffers: '1GB', max_connections: '100', fsync: 'on' },
  };

  it('downgrades a fail to inconclusive and names what differed', () => {
    const base = makeDoc({ bands: grid(1, { noise: 0.01 }), seed: 1, environment: epyc });
    const cur = makeDoc({ bands: grid(0.8, { noise: 0.01 }), seed: 2, environment: xeon });
    const c = compareResults(cur, base, T);
    expect(c.environment_differences).toEqual([
      'client machine AMD EPYC 7763 64-Core Processor ×4 vs Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz ×2',
      'shared_buffers 128MB vs 1GB',
    ]);
    expect(c.verdict).toBe('inconclusive');
    expect(c.failures).toEqual([]);
    expect(c.reason).toMatch(
      /^Baseline measured on a different machine or server setup: client machine AMD EPYC 7763 .* ×4 vs Intel.* ×2; shared_buffers 128MB vs 1GB \(baseline vs current\)\./,
    );
    expect(c.reason).toContain('a same-runner A/B run (mode: ab) can tell');
    expect(c.reason).toContain('TPS at 4 workers / 4 connections (−');
    for (const b of c.bands) {
      expect(b.tps.status).toBe('inconclusive');
      expect(b.tps.reason).toMatch(/^Not called a regression: the baseline was measured on a different machine/);
      expect(b.tps.reason).toContain('entirely below the 5% drop threshold');
    }
    expect(c.inconclusive).toContain('Peak TPS (at 16 workers / 16 connections)');
    expect(c.notes.join(' ')).toContain('shared_buffers 128MB vs 1GB');
  });

  it('keeps the fail when the environments match', () => {
    const base = makeDoc({ bands: grid(1, { noise: 0.01 }), seed: 1, environment: epyc });
    const cur = makeDoc({ bands: grid(0.8, { noise: 0.01 }), seed: 2, environment: epyc });
    const c = compareResults(cur, base, T);
    expect(c.environment_differences).toEqual([]);
    expect(c.verdict).toBe('fail');
  });

  it('compares server version, settings and server kind; unknown facts are not differences', () => {
    const base = makeDoc({
      bands: grid(),
      seed: 1,
      environment: {
        server_version: '15.4',
        server_version_num: 150004,
        settings: { synchronous_commit: 'on', fsync: 'on', work_mem: '4MB' },
      },
    });
    const cur = makeDoc({
      bands: grid(),
      seed: 1,
      environment: {
        server_version: '16.2',
        server_version_num: 160002,
        embedded_server: true,
        settings: { synchronous_commit: 'off', fsync: 'off', jit: 'on' },
      },
    });
    expect(compareResults(cur, base, T).environment_differences).toEqual([
      'PostgreSQL 15.4 vs 16.2',
      'external server vs embedded server',
      'fsync on vs off',
      'synchronous_commit on vs off',
    ]);
    // A CSV import or an older runner leaves facts unknown (null model, 0 CPUs, 'unknown' platform).
    const unknown = makeDoc({
      bands: grid(),
      seed: 1,
      environment: { client_cpu_model: null, client_cpus: 0, platform: 'unknown', server_version_num: null },
    });
    const known = makeDoc({ bands: grid(), seed: 1, environment: epyc });
    expect(compareResults(known, unknown, T).environment_differences).toEqual([]);
  });

  it('a pass stays a pass, with the differences noted', () => {
    const base = makeDoc({ bands: grid(), seed: 1, environment: epyc });
    const c = compareResults(base, makeDoc({ bands: grid(), seed: 1, environment: xeon }), T);
    expect(c.verdict).toBe('pass');
    expect(c.notes.join(' ')).toContain('different machine or server setup');
  });
});

describe('summary markdown shows environment differences', () => {
  it('renders one line naming them next to the verdict (escaped), and none when they match', async () => {
    const { renderComparisonMarkdown } = await import('../../../src/report/comparison.js');
    const base = makeDoc({
      bands: grid(1, { noise: 0.01 }),
      seed: 1,
      environment: { client_cpu_model: 'AMD EPYC 7763', client_cpus: 4 },
    });
    const cur = makeDoc({
      bands: grid(0.8, { noise: 0.01 }),
      seed: 2,
      environment: { client_cpu_model: 'Intel Xeon 8370C', client_cpus: 2 },
    });
    const md = renderComparisonMarkdown({ comparison: compareResults(cur, base, T), current: cur, baseline: base });
    expect(md).toContain('**Verdict: INCONCLUSIVE**');
    expect(md).toContain(
      '**Baseline measured on a different machine or server setup** (baseline vs current): client machine AMD EPYC 7763 ×4 vs Intel Xeon 8370C ×2.',
    );
    expect(md).toContain('(`mode: ab`) can tell');
    const same = renderComparisonMarkdown({ comparison: compareResults(cur, cur, T), current: cur, baseline: cur });
    expect(same).not.toContain('different machine');
  });
});
