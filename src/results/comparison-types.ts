// The comparison document: a run against its baseline (or head against base in A/B mode), every
// figure with its interval, its three-way status and the sentence behind it, then one verdict. Plain
// data, so the summary, the PR comment, the annotations and the outputs are all views of it.

import type { Interval } from './types.js';

/** Gate thresholds, as fractions: 0.05 = 5%. */
export interface Thresholds {
  /** A TPS ratio below 1 − max_tps_drop is a regression (per band, peak TPS, USL N*). */
  max_tps_drop: number;
  /** A p95 ratio above 1 + max_p95_increase is a regression (per band). */
  max_p95_increase: number;
  /** Confidence level of every interval and the family-wise level of the Holm correction, e.g. 0.95. */
  confidence: number;
}

export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'no-baseline';
export type FigureStatus = 'pass' | 'fail' | 'inconclusive';

export type FigureKind = 'tps' | 'p95_latency' | 'peak_tps' | 'usl_peak_concurrency' | 'usl_sigma' | 'usl_kappa';

/**
 * One compared figure. `ratio` is current ÷ baseline; `interval` is the interval of that ratio at
 * `thresholds.confidence`. Status rules (d = the figure's threshold):
 * - higher is better (TPS, N*): fail when interval.high < 1 − d; pass when interval.low ≥ 1 − d;
 * - lower is better (p95, σ, κ): fail when interval.low > 1 + d; pass when interval.high ≤ 1 + d;
 * - otherwise inconclusive, with `mde` (the smallest change that this noise could have called a failure).
 * Band figures and peak TPS are failed only after the Holm correction (`p_adjusted`, `adjusted_interval`).
 */
export interface FigureComparison {
  figure: FigureKind;
  /** Human label, e.g. "TPS at 20 workers / 40 connections". */
  label: string;
  /** Set for band figures. */
  band: { workers: number; connections: number; current_band_id: number; baseline_band_id: number } | null;
  current: number | null;
  baseline: number | null;
  unit: string;
  /** current ÷ baseline. */
  ratio: number | null;
  /** (ratio − 1) × 100. */
  change_pct: number | null;
  /** Interval of the ratio at the configured confidence (unadjusted). */
  interval: Interval | null;
  /** Interval of the ratio at this figure's Holm step level (family members only; null otherwise). */
  adjusted_interval: Interval | null;
  /** How the interval was obtained, in words. */
  method: string;
  direction: 'higher-is-better' | 'lower-is-better';
  /** The figure's threshold as a fraction. */
  threshold: number;
  status: FigureStatus;
  /** The whole interval lies beyond the threshold on the good side (Holm-corrected for band figures). */
  improved: boolean;
  /** Whether an inconclusive status makes the overall verdict inconclusive (σ, κ, N* only gate on a clear fail). */
  gating: boolean;
  /** One-sided p-value of "no regression beyond the threshold" (small = evidence of a regression). */
  p_value: number | null;
  /** Holm-adjusted p_value within the family (band figures and peak TPS); null for the USL figures. */
  p_adjusted: number | null;
  /** Half-width of the interval as a fraction of the ratio (the measurement noise at this confidence). */
  noise: number | null;
  /** Minimum detectable effect: the smallest regression (fraction) this noise lets us call a failure. */
  mde: number | null;
  /** One sentence that quotes the numbers behind the status. */
  reason: string;
}

export interface BandComparison {
  workers: number;
  connections: number;
  current_band_id: number;
  baseline_band_id: number;
  tps: FigureComparison;
  p95_latency: FigureComparison;
  notes: string[];
}

export interface OptimalShift {
  current: { band_id: number; workers: number; connections: number; tps: number } | null;
  baseline: { band_id: number; workers: number; connections: number; tps: number } | null;
  shifted: boolean;
  /** Informational: a shift alone never fails the gate (a peak drop does, through peak_tps). */
  message: string;
}

export interface CurveComparison {
  peak_tps: FigureComparison;
  usl_peak_concurrency: FigureComparison;
  usl_sigma: FigureComparison;
  usl_kappa: FigureComparison;
  optimal: OptimalShift;
}

export interface Comparison {
  verdict: Verdict;
  /** The sentence shown next to the verdict. */
  reason: string;
  thresholds: Thresholds;
  correction: {
    /** Holm over t-based intervals (compare mode); exact sign-flip step-down minP (A/B mode). */
    method: 'holm' | 'two-step-sign-flip';
    /** Number of figures in the family (band TPS and p95 over matched bands, plus peak TPS) that had an interval. */
    family_size: number;
    /** Family-wise error rate for calling failures: 1 − confidence, split over both tails. */
    alpha: number;
    explanation: string;
  };
  bands: BandComparison[];
  unmatched: {
    current_only: { band_id: number; workers: number; connections: number }[];
    baseline_only: { band_id: number; workers: number; connections: number }[];
  };
  curve: CurveComparison | null;
  /** Labels of failing, inconclusive (gating) and improved figures. */
  failures: string[];
  inconclusive: string[];
  improvements: string[];
  /** Workload files (setup SQL, scripts) whose content differs from the baseline's. */
  changed_files: string[];
  /**
   * What differs between the baseline's environment and this run's (client CPU model and count,
   * PostgreSQL version, server settings…), each as "baseline vs current". When non-empty, every
   * `fail` is reported as `inconclusive`: another machine explains a shift as well as the code does.
   * Optional for comparisons built elsewhere (mode ab compares on one runner).
   */
  environment_differences?: string[];
  baseline_info: { test_start_time: string; tool_version: string } | null;
  notes: string[];
}
