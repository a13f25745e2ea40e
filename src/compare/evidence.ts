// The evidence behind one figure of a comparison against a stored baseline: a log-ratio current ÷
// baseline with its standard error and degrees of freedom, from batch means over each run's
// per-second TPS or p95 series, and the interval and one-sided p-values it gives. Pure.

import * as hdr from 'hdr-histogram-js';
import type { Interval } from '../results/types.js';
import type { BandResult } from '../results/types.js';
import {
  batchMeans,
  type BatchMeansEstimate,
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
  welchDf,
} from './stats.js';
import { thresholdRatio } from './verdict.js';
import { isFiniteNumber as finite } from '../analyze/stats.js';

/** A log-ratio with its standard error and degrees of freedom (Infinity = normal). */
export interface LogRatioEvidence {
  log_ratio: number;
  se: number;
  df: number;
  method: string;
}

export type Direction = 'higher-is-better' | 'lower-is-better';

/** Interval of exp(L ± q·se). */
export function expInterval(ev: LogRatioEvidence, level: number): Interval {
  const q = quantile(1 - (1 - level) / 2, ev.df);
  return { low: Math.exp(ev.log_ratio - q * ev.se), high: Math.exp(ev.log_ratio + q * ev.se), level };
}

export function quantile(p: number, df: number): number {
  return Number.isFinite(df) ? studentTQuantile(p, df) : normalQuantile(p);
}

function cdf(t: number, df: number): number {
  return Number.isFinite(df) ? studentTCdf(t, df) : normalCdf(t);
}

/** One-sided p-values: of "no regression beyond the threshold" and of "no improvement beyond it". */
export function pValues(
  ev: LogRatioEvidence,
  threshold: number,
  direction: Direction,
): { regression: number; improvement: number } {
  const badBound = Math.log(thresholdRatio(direction === 'higher-is-better', threshold, 'bad'));
  const goodBound = Math.log(thresholdRatio(direction === 'higher-is-better', threshold, 'good'));
  const tail = (bound: number, below: boolean) => {
    if (ev.se === 0) return (below ? ev.log_ratio < bound : ev.log_ratio > bound) ? 0 : 1;
    const t = (ev.log_ratio - bound) / ev.se;
    return below ? cdf(t, ev.df) : 1 - cdf(t, ev.df);
  };
  return direction === 'higher-is-better'
    ? { regression: tail(badBound, true), improvement: tail(goodBound, false) }
    : { regression: tail(badBound, false), improvement: tail(goodBound, true) };
}

/** TPS evidence from two bands' per-second series (batch means, Welch df). */
export function tpsEvidence(cur: BandResult, base: BandResult, batches: number): LogRatioEvidence | string {
  if (!(finite(cur.total_tps) && finite(base.total_tps))) return 'TPS is not a finite number in one of the runs';
  if (base.total_tps <= 0) return 'the baseline measured 0 TPS in this band';
  if (cur.total_tps <= 0) return 'the current run measured 0 TPS in this band';
  const c = batchMeans(Array.isArray(cur.tps_series) ? cur.tps_series : [], batches);
  const b = batchMeans(Array.isArray(base.tps_series) ? base.tps_series : [], batches);
  if (!c || !b) {
    const which = !c ? 'current run' : 'baseline';
    return `the ${which}'s per-second TPS series is too short for an interval (need ≥ 4 seconds)`;
  }
  if (c.mean <= 0 || b.mean <= 0) return 'a per-second TPS series averages 0';
  const v1 = (c.standard_error / c.mean) ** 2;
  const v2 = (b.standard_error / b.mean) ** 2;
  return {
    log_ratio: Math.log(cur.total_tps / base.total_tps),
    se: Math.sqrt(v1 + v2),
    df: welchDf(v1, c.df, v2, b.df),
    method:
      `log TPS ratio; batch means (${c.batches}×${c.batch_size} s current, ` +
      `${b.batches}×${b.batch_size} s baseline), Welch df, t quantile`,
  };
}

/** Fewer non-empty seconds than this leave the spread of the per-second p95 too poorly known to judge. */
export const MIN_P95_SECONDS = 10;

/**
 * At most this many batches for the per-second p95 (TPS uses 10): p95 drifts more slowly than TPS
 * (slow spells last several seconds), so batches must be longer for their means to be nearly
 * independent. In simulation (AR(1) drift, φ = 0.6, 60 s bands) 10 batches failed identical code in
 * 0.4% of runs, 5 in none of 1000, while a 2× regression still failed every run.
 */
export const P95_MAX_BATCHES = 5;

/** Per-second p95 values are rounded by the runner; below 1 µs (the histogram's unit) they are clamped. */
const MIN_P95_MS = 0.001;

/** Batch means of the log per-second p95 of one band, or why there are none. */
function logP95Series(b: BandResult, batches: number): BatchMeansEstimate | string {
  const raw: unknown = (b as { p95_series_ms?: unknown }).p95_series_ms;
  if (raw === undefined || raw === null)
    return 'no per-second p95 series (p95_series_ms; the run was recorded by an older pgscale)';
  if (!Array.isArray(raw)) return 'p95_series_ms is not an array';
  const logs: number[] = [];
  for (const v of raw) {
    if (v === null) continue; // a second in which nothing committed
    if (!finite(v) || v < 0) return 'p95_series_ms holds a value that is not a latency in ms';
    logs.push(Math.log(Math.max(v, MIN_P95_MS)));
  }
  if (logs.length < MIN_P95_SECONDS) {
    return (
      `only ${logs.length} second(s) with a per-second p95 (need ` +
      `≥ ${MIN_P95_SECONDS} to see how p95 moves over time)`
    );
  }
  return (
    batchMeans(logs, Math.min(batches, P95_MAX_BATCHES)) ?? `the per-second p95 series is too short for batch means`
  );
}

/** The band's overall p95 in ms: the recorded summary, else the histogram's. */
function overallP95Ms(b: BandResult): number | string {
  const recorded: unknown = (b.latency as { p95_ms?: unknown } | null | undefined)?.p95_ms;
  if (finite(recorded) && recorded > 0) return recorded;
  const encoded: unknown = b.latency_histogram;
  if (typeof encoded !== 'string' || encoded.length === 0) return 'no p95 latency recorded';
  let h: hdr.Histogram;
  try {
    h = hdr.decodeFromCompressedBase64(encoded);
  } catch (error) {
    return `latency_histogram could not be decoded (${error instanceof Error ? error.message : String(error)})`;
  }
  try {
    const q = h.totalCount > 0 ? h.getValueAtPercentile(95) : 0;
    return q > 0 ? q / 1000 : 'the p95 latency is 0 µs';
  } finally {
    h.destroy();
  }
}

/**
 * p95 evidence. p95 moves with time (bursts, background load, checkpoints), so the thousands of latencies
 * in a band are not independent draws: an interval from the pooled histogram's order statistics is far
 * too narrow and fails identical code. Instead each run's per-second p95 series is the sample: batch
 * means of its log give the standard error of the run's p95 level (autocorrelated seconds within a batch
 * do not shrink it), Welch df, t quantile. The interval is centred on the ratio of the bands' overall p95.
 * `typical` is the same test on the ratio of the geometric means of the per-second p95: a failure must
 * show there too (intersection–union, p = max of both), because the pooled p95 jumps when a few more
 * seconds are slow (it crosses into the burst tail) while the typical second has not changed.
 */
export function p95Evidence(
  cur: BandResult,
  base: BandResult,
  batches: number,
): { ev: LogRatioEvidence; typical: LogRatioEvidence; cur_ms: number; base_ms: number } | string {
  const cm = overallP95Ms(cur);
  if (typeof cm === 'string') return `current run: ${cm}`;
  const bm = overallP95Ms(base);
  if (typeof bm === 'string') return `baseline: ${bm}`;
  const c = logP95Series(cur, batches);
  if (typeof c === 'string') return `current run: ${c}`;
  const b = logP95Series(base, batches);
  if (typeof b === 'string') return `baseline: ${b}`;
  // HDR buckets resolve ~0.1%: never claim more precision than that, even for a flat series.
  const v1 = Math.max(c.standard_error, 0.001) ** 2;
  const v2 = Math.max(b.standard_error, 0.001) ** 2;
  const se = Math.sqrt(v1 + v2);
  const df = welchDf(v1, c.df, v2, b.df);
  return {
    ev: {
      log_ratio: Math.log(cm / bm),
      se,
      df,
      method:
        `log ratio of the bands' p95; standard error from batch means of the log per-second p95 ` +
        (`(${c.batches}×${c.batch_size} non-empty seconds current, ` +
          `${b.batches}×${b.batch_size} baseline), Welch df, t quantile; `) +
        `a failure must also show in the typical second's p95 (geometric mean of the per-second values)`,
    },
    typical: { log_ratio: c.mean - b.mean, se, df, method: 'log ratio of the geometric means of the per-second p95' },
    cur_ms: cm,
    base_ms: bm,
  };
}
