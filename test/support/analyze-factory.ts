// Synthetic BandResults and results documents for the analysis tests. Everything is seeded, so a
// test sees the same numbers on every run.

import type { AnalysisSettings, SloConfig } from '../../src/config/types.js';
import type { BandResult, ResultsDocument, Strategy } from '../../src/results/types.js';
import { documentShell, environment, normalDraw, rng } from './fixtures.js';

export { rng } from './fixtures.js';

/** Standard normal draws by Box–Muller from a seeded uniform source. */
export function gaussian(uniform: () => number): () => number {
  return () => normalDraw(uniform);
}

/** x_t = mean + φ(x_{t−1} − mean) + ε_t, ε ~ N(0, sd²), started from the stationary distribution. */
export function ar1Series(n: number, mean: number, phi: number, sd: number, seed: number): number[] {
  const g = gaussian(rng(seed));
  const out: number[] = [];
  let dev = (g() * sd) / Math.sqrt(1 - phi * phi);
  for (let i = 0; i < n; i++) {
    out.push(mean + dev);
    dev = phi * dev + g() * sd;
  }
  return out;
}

export const SETTINGS: AnalysisSettings = {
  linear_min_efficiency: 0.75,
  saturation_tolerance: 0.05,
  confidence: 0.95,
  batches: 10,
  bootstrap_resamples: 100,
  seed: 42,
};

export const NO_SLO: SloConfig = { p95_latency_ms: null, error_rate: null };

export interface BandSpecLite {
  workers: number;
  connections: number;
  /** True mean TPS; the series scatters around it. */
  tps: number;
  /** Per-second noise sd as a fraction of TPS (default 0.01); 0 gives a constant series. */
  noise?: number;
  /** Series length in seconds (default 60); 0 gives an empty series. */
  seconds?: number;
  /** AR(1) coefficient of the noise (default 0.3). */
  phi?: number;
  /** Noise seed (default 1000 + band_id). */
  seed?: number;
  overrides?: Partial<BandResult>;
}

/**
 * A closed-loop band consistent with Little's law: R = W / X, service time = min(W, C) / X,
 * pool wait = R − service time; p50/p95/p99 fixed multiples of the mean.
 */
export function makeBand(band_id: number, spec: BandSpecLite): BandResult {
  const seconds = spec.seconds ?? 60;
  const noise = spec.noise ?? 0.01;
  const series =
    seconds > 0
      ? ar1Series(seconds, spec.tps, spec.phi ?? 0.3, noise * spec.tps, spec.seed ?? 1000 + band_id).map((v) =>
          Math.max(0, v),
        )
      : [];
  const total = series.length > 0 ? series.reduce((s, v) => s + v, 0) / series.length : spec.tps;
  const x = total;
  const latencyMs = x > 0 ? (spec.workers / x) * 1000 : null;
  const serviceMs = x > 0 ? (Math.min(spec.workers, spec.connections) / x) * 1000 : null;
  const poolMs = latencyMs !== null && serviceMs !== null ? latencyMs - serviceMs : null;
  const summary = (m: number | null) => ({
    count: Math.round(x * seconds),
    mean_ms: m,
    stddev_ms: m === null ? null : 0.8 * m,
    p50_ms: m === null ? null : 0.9 * m,
    p95_ms: m === null ? null : 2 * m,
    p99_ms: m === null ? null : 3 * m,
    max_ms: m === null ? null : 6 * m,
  });
  const duration = seconds > 0 ? seconds : 60;
  const base: BandResult = {
    band_id,
    workers: spec.workers,
    connections: spec.connections,
    status: 'complete',
    started_at: '2025-01-15T10:30:00.000Z',
    duration_s: duration,
    transactions: Math.round(total * duration),
    failed_transactions: 0,
    statements: Math.round(total * duration) * 3,
    total_tps: total,
    total_qps: total * 3,
    latency: summary(latencyMs),
    pool_wait: summary(poolMs),
    service_time: summary(serviceMs),
    tps_series: series,
    latency_histogram: '',
    errors: {},
    error_rate: 0,
    degraded: false,
    client: { event_loop_utilization: 0.4, event_loop_delay_p99_ms: 2, cpu_us_per_tx: 50, client_bound: false },
    pg_stats: null,
    rate: null,
  };
  // total_tps must equal transactions / duration for the utilisation arithmetic to be exact.
  base.transactions = total * duration;
  return { ...base, ...spec.overrides };
}

export function makeDoc(bands: BandResult[], strategy: Strategy = 'linear'): ResultsDocument {
  return documentShell({
    schema_version: 1,
    tool: { name: 'pgscale', version: '0.0.0-test' },
    test_start_time: '2025-01-15T10:30:00Z',
    test_end_time: '2025-01-15T10:40:00Z',
    strategy,
    plan_fingerprint: 'test',
    environment: environment({ server_version: '15.0', settings: { shared_buffers: '128MB', max_connections: '100' } }),
    bands,
  });
}

/** A diagonal (concurrency) plan: workers = connections = n for each n, TPS from f(n). */
export function diagonalDoc(
  ns: number[],
  f: (n: number) => number,
  opts: Partial<BandSpecLite> = {},
  strategy: Strategy = 'exponential',
): ResultsDocument {
  return makeDoc(
    ns.map((n, i) => makeBand(i + 1, { workers: n, connections: n, tps: f(n), ...opts })),
    strategy,
  );
}

/** Every number anywhere in a value, with its path; used to prove there is no NaN or Infinity. */
export function nonFiniteNumbers(value: unknown, path = '$'): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [`${path} = ${value}`];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFiniteNumbers(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => nonFiniteNumbers(v, `${path}.${k}`));
  return [];
}
