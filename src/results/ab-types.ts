// The A/B document, ab-results.json: its `ab` section, from the paired rounds of a same-runner
// A/B run (base and head measured in one job) to its verdict. Types only.

import type { Comparison, FigureStatus, Thresholds, Verdict } from './comparison-types.js';
import type { Interval, SCHEMA_VERSION, UslFit } from './types.js';

/** The two sides of an A/B run. */
export type Side = 'base' | 'head';

/** One side's measurement of one band in one round, reduced to what the statistics need. */
export interface AbSideMeasurement {
  tps: number;
  p95_ms: number | null;
  status: 'complete' | 'partial' | 'failed';
  client_bound: boolean;
  error_rate: number;
}

export interface AbPair {
  band_index: number;
  round: number;
  phase: 'main' | 'confirm';
  order: [Side, Side];
  base: AbSideMeasurement;
  head: AbSideMeasurement;
}

export type AbFigureKind = 'tps' | 'p95_latency';

/** The paired statistics of one figure of one band (over the main or the confirmation rounds). */
export interface AbFigureStats {
  figure: AbFigureKind;
  /** Paired blocks with a usable value on both sides (the field keeps its first name). */
  rounds: number;
  /** ln(head / base) per usable block, in block order. */
  log_ratios: number[];
  /** The round each log-ratio came from (rounds flip together in the family test). */
  round_ids: number[];
  /** Hodges–Lehmann estimate of the log-ratio, and exp() of it. */
  hl_log_ratio: number | null;
  ratio: number | null;
  /**
   * Exact signed-rank interval of the ratio at the smallest attainable level ≥ the requested one (the widest when none
   * reaches it).
   */
  interval: (Interval & { requested_level: number; k: number; below_requested: boolean }) | null;
  /** Median |dᵣ − HL|: the typical noise of one paired round, as a log-ratio (≈ a fraction). */
  mad_log_ratio: number | null;
  /** Exact one-sided p-value of "no regression beyond the threshold". */
  p_value: number | null;
}

export interface AbBandSection {
  band_id: number;
  workers: number;
  connections: number;
  /** Mean TPS / p95 over the main rounds, per side. */
  base_tps: number | null;
  head_tps: number | null;
  base_p95_ms: number | null;
  head_p95_ms: number | null;
  tps: AbFigureStats;
  p95_latency: AbFigureStats;
  status: { tps: FigureStatus; p95_latency: FigureStatus };
  confirmation: {
    rounds: number;
    tps: AbFigureStats;
    p95_latency: AbFigureStats;
    /** Per figure that failed in the main rounds: did the confirmation fail it again? */
    reproduced: Partial<Record<AbFigureKind, boolean>>;
  } | null;
}

export interface AbCurveSide {
  peak_tps_measured: number | null;
  /** The USL's point figures, without the intervals a run's own fit carries. */
  usl: Pick<UslFit, 'sigma' | 'kappa' | 'lambda' | 'peak_concurrency' | 'peak_tps' | 'r_squared' | 'reason'>;
}

export interface AbCurveSection {
  base: AbCurveSide;
  head: AbCurveSide;
  /** head ÷ base, with percentile intervals of a paired round bootstrap (null when unavailable). */
  peak_tps_ratio: { ratio: number | null; interval: Interval | null; method: string; reason: string | null };
  peak_concurrency_ratio: { ratio: number | null; interval: Interval | null; method: string; reason: string | null };
  bootstrap: { resamples: number; usable: number; seed: number } | null;
}

export interface AbNoise {
  /** Median over bands of the TPS MAD of the paired log-ratios (null without bands). */
  tps_mad_log_ratio: number | null;
  /** Median over bands of the TPS interval half-width (as a fraction of the ratio). */
  tps_interval_half_width: number | null;
  /**
   * Paired blocks per band that would bring the noisiest band's minimum detectable TPS drop down to
   * twice the threshold, at this run's noise (width shrinks as 1/√R); null when it already is there.
   */
  rounds_for_twice_threshold: number | null;
  /** Largest minimum detectable TPS drop over the bands, at the level each was judged. */
  tps_mde: number | null;
  sentence: string;
}

/** The `ab` section of ab-results.json. */
export interface AbSection {
  kind: 'pgscale-ab';
  version: 1;
  method: string;
  /** Rounds per band: each one reset, both pools opened, a warm-up, then `blocks_per_round` ABBA blocks. */
  rounds: number;
  /** Paired observations per round: ABBA blocks of turns (TURN_MS each), one per second of band_duration. */
  blocks_per_round: number;
  /** Width of one turn (ms). */
  turn_ms: number;
  /**
   * Wall time (s) spent on each band of the plan, every round's database reset, pool opening, warm-up
   * and turns included (confirmation rounds too). Absent when the analysis ran without a measurement.
   */
  band_wall_s?: number[];
  order: 'rounds outer, bands inner; inside a round, ABBA blocks of turns';
  confirm: boolean;
  confidence: number;
  level_rule: 'smallest attainable level >= requested (widest interval when none is)';
  thresholds: Thresholds;
  sides: Record<Side, { source: string; database: string }>;
  pairs: AbPair[];
  bands: AbBandSection[];
  curve: AbCurveSection;
  noise: AbNoise;
  verdict: Verdict;
  reason: string;
}

/** ab-results.json (and `pgscale ab --json`): the A/B section and the comparison it ends in. */
export interface AbResultsDocument {
  kind: 'pgscale-ab-results';
  schema_version: typeof SCHEMA_VERSION;
  ab: AbSection;
  comparison: Comparison;
}
