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

/**
 * The shortest measured window (s) in which pgscale can decide a band figure against a baseline:
 * 8 slices of 250 ms give 4 batches (t with 3 df). Shorter bands leave TPS and p95 inconclusive.
 */
export const MIN_DECIDABLE_WINDOW_S = 2;

/** The warning for a plan whose bands are too short to be judged against a baseline, or null. */
export function shortBandWarning(bandDurationS: number): string | null {
  if (bandDurationS >= MIN_DECIDABLE_WINDOW_S) return null;
  return (
    `band_duration ${bandDurationS}s is below ${MIN_DECIDABLE_WINDOW_S}s, the shortest band pgscale can judge ` +
    `against a baseline: every TPS and p95 figure would be inconclusive. Use band_duration: ` +
    `${MIN_DECIDABLE_WINDOW_S}s or more (a band of a few seconds decides only gross changes)`
  );
}

/** Fewest batches of whole seconds worth using before falling back to sub-second slices. */
const MIN_SECOND_BATCHES = 3;

/** One side's series at one resolution: per second, or per slice of `slice_ms`. */
interface Resolution {
  unit: 's' | 'slice';
  label: string;
  tps: readonly number[];
  p95: unknown;
}

function resolutions(b: BandResult): { seconds: Resolution; slices: Resolution | null } {
  const seconds: Resolution = {
    unit: 's',
    label: 's',
    tps: Array.isArray(b.tps_series) ? b.tps_series : [],
    p95: (b as { p95_series_ms?: unknown }).p95_series_ms,
  };
  const width = b.slice_ms;
  const slices =
    finite(width) && width > 0 && Array.isArray(b.tps_slices)
      ? { unit: 'slice' as const, label: `×${width} ms`, tps: b.tps_slices, p95: b.p95_slices_ms }
      : null;
  return { seconds, slices };
}

/**
 * Batch means of a TPS series: of whole seconds when they make at least MIN_SECOND_BATCHES batches,
 * else of the 250 ms slices (a band of 2–5 s), so a short band still yields an interval. Batches of
 * slices are shorter, so their means are less independent; only a gross change clears the threshold
 * with so few batches and a t quantile of few df, which is what a short band can honestly decide.
 */
function tpsBatches(b: BandResult, batches: number): { est: BatchMeansEstimate; label: string } | null {
  const { seconds, slices } = resolutions(b);
  const s = batchMeans(seconds.tps, batches);
  if (s && s.batches >= MIN_SECOND_BATCHES) return { est: s, label: `${s.batches}×${s.batch_size} s` };
  const sl = slices ? batchMeans(slices.tps, batches) : null;
  if (sl && slices && sl.batches > (s?.batches ?? 0) && slices.tps.length * (b.slice_ms ?? 0) >= 2000)
    return { est: sl, label: `${sl.batches}×${sl.batch_size}${slices.label}` };
  return s ? { est: s, label: `${s.batches}×${s.batch_size} s` } : null;
}

/** TPS evidence from two bands' per-second (or, for short bands, per-slice) series: batch means, Welch df. */
export function tpsEvidence(cur: BandResult, base: BandResult, batches: number): LogRatioEvidence | string {
  if (!(finite(cur.total_tps) && finite(base.total_tps))) return 'TPS is not a finite number in one of the runs';
  if (base.total_tps <= 0) return 'the baseline measured 0 TPS in this band';
  if (cur.total_tps <= 0) return 'the current run measured 0 TPS in this band';
  const c = tpsBatches(cur, batches);
  const b = tpsBatches(base, batches);
  if (!c || !b) {
    const which = !c ? 'current run' : 'baseline';
    return (
      `the ${which}'s TPS series is too short for an interval (a measured window of ` +
      `≥ ${MIN_DECIDABLE_WINDOW_S} s is needed; a longer band_duration settles it)`
    );
  }
  if (c.est.mean <= 0 || b.est.mean <= 0) return 'a TPS series averages 0';
  const v1 = (c.est.standard_error / c.est.mean) ** 2;
  const v2 = (b.est.standard_error / b.est.mean) ** 2;
  return {
    log_ratio: Math.log(cur.total_tps / base.total_tps),
    se: Math.sqrt(v1 + v2),
    df: welchDf(v1, c.est.df, v2, b.est.df),
    method: `log TPS ratio; batch means (${c.label} current, ${b.label} baseline), Welch df, t quantile`,
  };
}

/** Fewer non-empty seconds than this leave the spread of the per-second p95 too poorly known to judge. */
export const MIN_P95_SECONDS = 10;

/** Fewest non-empty slices for a p95 interval from sub-second slices (2 s of 250 ms slices). */
const MIN_P95_SLICES = 8;

/**
 * At most this many batches for the per-second p95 (TPS uses 10): p95 drifts more slowly than TPS
 * (slow spells last several seconds), so batches must be longer for their means to be nearly
 * independent. In simulation (AR(1) drift, φ = 0.6, 60 s bands) 10 batches failed identical code in
 * 0.4% of runs, 5 in none of 1000, while a 2× regression still failed every run.
 */
export const P95_MAX_BATCHES = 5;

/** Per-second p95 values are rounded by the runner; below 1 µs (the histogram's unit) they are clamped. */
const MIN_P95_MS = 0.001;

/** The log of a p95 series' non-empty entries, or why the series is unusable. */
function logP95(raw: unknown, name: string): number[] | string {
  if (!Array.isArray(raw)) return `${name} is not an array`;
  const logs: number[] = [];
  for (const v of raw) {
    if (v === null) continue; // a second (or slice) in which nothing committed
    if (!finite(v) || v < 0) return `${name} holds a value that is not a latency in ms`;
    logs.push(Math.log(Math.max(v, MIN_P95_MS)));
  }
  return logs;
}

/**
 * Batch means of the log p95 series of both bands, at one resolution for both (a slice's p95 and a
 * second's differ in level): whole seconds when each band has MIN_P95_SECONDS of them, else 250 ms
 * slices when each has MIN_P95_SLICES, else why neither will do.
 */
function logP95Pair(
  cur: BandResult,
  base: BandResult,
  batches: number,
): { c: BatchMeansEstimate; b: BatchMeansEstimate; unit: string } | string {
  const sides = [
    { who: 'current run', r: resolutions(cur) },
    { who: 'baseline', r: resolutions(base) },
  ];
  for (const { who, r } of sides) {
    if (r.seconds.p95 === undefined || r.seconds.p95 === null)
      return `${who}: no per-second p95 series (p95_series_ms; the run was recorded by an older pgscale)`;
  }
  const bySeconds = sides.map(({ who, r }) => ({ who, logs: logP95(r.seconds.p95, 'p95_series_ms') }));
  for (const { who, logs } of bySeconds) if (typeof logs === 'string') return `${who}: ${logs}`;
  const k = Math.min(batches, P95_MAX_BATCHES);
  const pair = (logs: number[][], unit: string) => {
    const [c, b] = logs.map((l) => batchMeans(l, k));
    return c && b ? { c, b, unit } : null;
  };
  const secondLogs = bySeconds.map((s) => s.logs as number[]);
  if (secondLogs.every((l) => l.length >= MIN_P95_SECONDS)) {
    const p = pair(secondLogs, 'non-empty seconds');
    if (p) return p;
  }
  const bySlices = sides.map(({ r }) => (r.slices ? logP95(r.slices.p95, 'p95_slices_ms') : null));
  if (bySlices.every((l): l is number[] => Array.isArray(l) && l.length >= MIN_P95_SLICES)) {
    const p = pair(bySlices, `non-empty ${cur.slice_ms} ms slices`);
    if (p) return p;
  }
  const short = bySeconds.find((s) => (s.logs as number[]).length < MIN_P95_SECONDS) ?? bySeconds[0]!;
  return (
    `${short.who}: only ${(short.logs as number[]).length} second(s) with a p95 and no ` +
    `${MIN_P95_SLICES} sub-second slices on both sides (a measured window of ≥ ${MIN_DECIDABLE_WINDOW_S} s ` +
    `recorded by this pgscale, or ≥ ${MIN_P95_SECONDS} s, settles it)`
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
  const series = logP95Pair(cur, base, batches);
  if (typeof series === 'string') return series;
  const { c, b } = series;
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
        (`(${c.batches}×${c.batch_size} ${series.unit} current, ` +
          `${b.batches}×${b.batch_size} baseline), Welch df, t quantile; `) +
        `a failure must also show in the typical second's p95 (geometric mean of the per-second values)`,
    },
    typical: { log_ratio: c.mean - b.mean, se, df, method: 'log ratio of the geometric means of the per-second p95' },
    cur_ms: cm,
    base_ms: bm,
  };
}
