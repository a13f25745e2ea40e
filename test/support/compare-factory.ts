// Builds results documents with known truth: per-second TPS series around a chosen mean with a chosen
// noise, and latencies from a chosen distribution second by second (with optional drift and bursts),
// pooled into the histogram and summarised as the per-second p95 series, all from a seeded generator.

import * as hdr from 'hdr-histogram-js';
import type { UslFit, BandResult, ResultsDocument } from '../../src/results/types.js';
import { documentShell, environment, normalDraw, rng } from './fixtures.js';

export { rng } from './fixtures.js';

export const gaussian = normalDraw;

export interface BandSpecInput {
  workers: number;
  connections: number;
  /** True mean TPS. */
  tps: number;
  /** Standard deviation of the per-second TPS, as a fraction of the mean (default 0.02). */
  noise?: number;
  /** Median latency in ms (log-normal, σ = 0.5): p95 ≈ median × 2.28. Default 5 ms. */
  median_ms?: number;
  /** Latencies recorded in the histogram (default 4000), spread evenly over the seconds. */
  latencies?: number;
  /** Omit the histogram and the per-second p95 series (e.g. a CSV-born baseline). */
  no_histogram?: boolean;
  /** Omit only the per-second p95 series (a document from an older runner). */
  no_p95_series?: boolean;
  /**
   * Every latency of the run multiplied by this (default 1): a run-level shift, e.g. 2 for a real
   * p95 regression, or a few percent either way for the level differences of identical code.
   */
  latency_level?: number;
  /** Stationary sd of an AR(1) process on the log latency of each second (default 0: no drift). */
  p95_wobble?: number;
  /** AR(1) coefficient of that process (default 0.6: slow seconds come in runs). */
  p95_ar?: number;
  /** A fraction of seconds (chosen at random) whose latencies are multiplied by factor: bursts. */
  burst?: { fraction: number; factor: number };
  seconds?: number;
  /**
   * Also record sub-second slices of this width (ms, e.g. 250), as the runner does: the TPS noise and
   * the latency drift then apply per slice, and the per-second series are the slices summed.
   */
  slice_ms?: number;
  status?: BandResult['status'];
  /** Use this per-second series as is (tps and noise are then ignored). */
  series?: number[];
  client_bound?: boolean;
}

const p95Of = (us: number[]): number => {
  const sorted = [...us].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1]! / 1000;
};

function band(id: number, spec: BandSpecInput, rand: () => number): BandResult {
  const seconds = spec.seconds ?? 30;
  const noise = spec.noise ?? 0.02;
  // The unit of generation: a second, or a slice when slices are recorded.
  const perUnit = spec.slice_ms ? spec.slice_ms / 1000 : 1;
  const unitsPerSecond = Math.round(1 / perUnit);
  const units: number[] = [];
  if (spec.series) units.push(...spec.series);
  else
    for (let s = 0; s < seconds * unitsPerSecond; s++)
      units.push(Math.max(0, Math.round(spec.tps * perUnit * (1 + noise * gaussian(rand)))));
  const group = <T>(xs: T[]): T[][] =>
    Array.from({ length: Math.floor(xs.length / unitsPerSecond) }, (_, i) =>
      xs.slice(i * unitsPerSecond, (i + 1) * unitsPerSecond),
    );
  const series = spec.slice_ms ? group(units).map((g) => g.reduce((a, b) => a + b, 0)) : units;
  const transactions = series.reduce((a, b) => a + b, 0);
  const median = spec.median_ms ?? 5;
  let encoded = '';
  let p95: number | null = null;
  let p95Series: (number | null)[] | undefined;
  let p95Slices: (number | null)[] | undefined;
  if (!spec.no_histogram) {
    const h = hdr.build({ numberOfSignificantValueDigits: 3 });
    const perSecond = Math.max(1, Math.ceil((spec.latencies ?? 4000) / series.length));
    const perSlice = Math.max(1, Math.ceil(perSecond / unitsPerSecond));
    const wobble = spec.p95_wobble ?? 0;
    const phi = spec.p95_ar ?? 0.6;
    const level = Math.log(spec.latency_level ?? 1);
    const unitLatencies: number[][] = [];
    let drift = wobble * gaussian(rand); // start in the stationary distribution
    for (let s = 0; s < units.length; s++) {
      if (s > 0) drift = phi * drift + wobble * Math.sqrt(1 - phi * phi) * gaussian(rand);
      const burst = spec.burst && rand() < spec.burst.fraction ? Math.log(spec.burst.factor) : 0;
      const unit: number[] = [];
      for (let i = 0; i < perSlice; i++) {
        const us = Math.max(1, Math.round(median * 1000 * Math.exp(0.5 * gaussian(rand) + level + drift + burst)));
        h.recordValue(us);
        unit.push(us);
      }
      unitLatencies.push(unit);
    }
    p95Series = (spec.slice_ms ? group(unitLatencies).map((g) => g.flat()) : unitLatencies).map(p95Of);
    if (spec.slice_ms) p95Slices = unitLatencies.map(p95Of);
    encoded = hdr.encodeIntoCompressedBase64(h);
    p95 = h.getValueAtPercentile(95) / 1000;
    h.destroy();
    if (spec.no_p95_series) p95Series = undefined;
  }
  const latency = {
    count: transactions,
    mean_ms: median,
    stddev_ms: null,
    p50_ms: median,
    p95_ms: p95 ?? median * 2.28,
    p99_ms: null,
    max_ms: null,
  };
  return {
    band_id: id,
    workers: spec.workers,
    connections: spec.connections,
    status: spec.status ?? 'complete',
    started_at: '2025-01-01T00:00:00.000Z',
    duration_s: series.length,
    transactions,
    failed_transactions: 0,
    statements: transactions,
    total_tps: transactions / series.length,
    total_qps: transactions / series.length,
    latency,
    pool_wait: { ...latency },
    service_time: { ...latency },
    tps_series: series,
    ...(p95Series ? { p95_series_ms: p95Series } : {}),
    ...(spec.slice_ms ? { slice_ms: spec.slice_ms, tps_slices: units } : {}),
    ...(p95Slices ? { p95_slices_ms: p95Slices } : {}),
    latency_histogram: encoded,
    errors: {},
    error_rate: 0,
    degraded: false,
    client: {
      event_loop_utilization: null,
      event_loop_delay_p99_ms: null,
      cpu_us_per_tx: null,
      client_bound: spec.client_bound ?? false,
    },
    pg_stats: null,
    rate: null,
  };
}

export interface DocInput {
  bands: BandSpecInput[];
  /** Replaces parts of the environment (default: 2 unnamed CPUs, PostgreSQL 15, no settings). */
  environment?: Partial<ResultsDocument['environment']>;
  seed?: number;
  workload?: string;
  scale?: number;
  fingerprint?: string;
  files?: { path: string; role: 'script' | 'setup'; sha256: string }[];
  usl?: Partial<UslFit> | null;
  optimal?: { workers: number; connections: number; tps: number } | null;
}

export function makeDoc(input: DocInput): ResultsDocument {
  const rand = rng(input.seed ?? 1);
  const bands = input.bands.map((b, i) => band(i + 1, b, rand));
  const usl: UslFit | null = input.usl
    ? {
        sigma: null,
        kappa: null,
        lambda: null,
        peak_concurrency: null,
        peak_tps: null,
        r_squared: null,
        sigma_ci: null,
        kappa_ci: null,
        peak_concurrency_ci: null,
        peak_tps_ci: null,
        reason: null,
        ...input.usl,
      }
    : null;
  const opt = input.optimal;
  return documentShell({
    test_start_time: '2025-01-01T00:00:00.000Z',
    test_end_time: '2025-01-01T00:10:00.000Z',
    workload: input.workload ?? 'tpcb',
    scale: input.scale ?? 10,
    plan_fingerprint: input.fingerprint ?? 'f'.repeat(64),
    workload_files: input.files ?? [],
    environment: environment(input.environment),
    bands,
    // Only the parts compare reads are filled; the rest of Analysis is not needed here.
    analysis: usl ? ({ curve_fitting: { usl } } as unknown as ResultsDocument['analysis']) : null,
    optimal_config: opt
      ? {
          band_id: bands.find((b) => b.workers === opt.workers && b.connections === opt.connections)?.band_id ?? 1,
          workers: opt.workers,
          connections: opt.connections,
          tps: opt.tps,
          p95_latency_ms: null,
          fraction_of_peak: 1,
          objective: '',
          reasoning: '',
          slo_met: true,
        }
      : null,
  });
}

/** A grid of bands: TPS rises then flattens, like a real scaling curve. */
export function grid(scale = 1, opts: Partial<BandSpecInput> = {}): BandSpecInput[] {
  const out: BandSpecInput[] = [];
  for (const workers of [4, 8, 16, 32]) {
    const tps = (1000 * Math.min(workers, 16)) / (1 + 0.02 * (workers - 1));
    out.push({ workers, connections: workers, tps: tps * scale, ...opts });
  }
  return out;
}
