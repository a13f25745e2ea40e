// The statistics of a same-runner A/B run, from paired rounds to one verdict. Pure.
//
// Per band and figure (TPS, p95 latency): the paired per-round log-ratios dᵣ = ln(head/base), the
// Hodges–Lehmann estimate (median of Walsh averages) and the exact Wilcoxon signed-rank interval
// at the smallest attainable level ≥ the requested one (the widest interval when none reaches it:
// fewer than 6 rounds for 95%). Gating: each figure's exact one-sided signed-rank p-value of "no
// regression beyond the threshold", adjusted across the family (TPS and p95 of every band) by the
// Westfall–Young step-down minP method over sign flips of whole rounds (stats.ts); a figure fails
// when its adjusted p-value is at most α/2, passes when its interval lies within the threshold, and
// is inconclusive otherwise. Flipping whole rounds keeps the dependence between figures: TPS and p95
// of a band move together in a closed loop, and Holm would charge for two independent tests, which
// with 6–7 rounds leaves only the most extreme Walsh averages usable. With `confirm`, a failing
// figure fails the gate only when the confirmation rounds fail it again (a family of their own).
// Curve level: USL fitted to each side's band means (fitCurves), and a paired bootstrap over whole
// rounds (same rounds for both sides, fixed seed) for the ratios of measured peak TPS and USL N*.
// Curve figures are reported, never gated: a bootstrap over a handful of rounds is too coarse.

import { fitCurves, type FitPoint } from '../analyze/fit.js';
import { databaseConcurrency } from '../analyze/laws.js';
import { createRandom } from '../random.js';
import type { CurveFitting, Interval } from '../analyze/types.js';
import { fitUslModel, uslPeak } from '../analyze/usl.js';
import { changedWorkloadFiles } from '../compare/validate.js';
import type { BandComparison, Comparison, FigureComparison, FigureStatus, OptimalShift, Thresholds, Verdict } from '../compare/types.js';
import type { AnalysisSettings, BandSpec, ResultsDocument } from '../types.js';
import type { Side } from './plan.js';
import {
  hodgesLehmann,
  medianAbsoluteDeviation,
  percentileInterval,
  signedRankPValueAbove,
  signedRankPValueBelow,
  signFlipStepDown,
  wilcoxonInterval,
  type FlipFigure,
  type WilcoxonInterval,
} from './stats.js';

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
  /** Rounds with a usable value on both sides. */
  rounds: number;
  /** ln(head / base) per usable round, in round order. */
  log_ratios: number[];
  /** The round each log-ratio came from (rounds flip together in the family test). */
  round_ids: number[];
  /** Hodges–Lehmann estimate of the log-ratio, and exp() of it. */
  hl_log_ratio: number | null;
  ratio: number | null;
  /** Exact signed-rank interval of the ratio at the smallest attainable level ≥ the requested one (the widest when none reaches it). */
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
  usl: { sigma: number | null; kappa: number | null; lambda: number | null; peak_concurrency: number | null; peak_tps: number | null; r_squared: number | null; reason: string | null };
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
   * Rounds that would bring the noisiest band's minimum detectable TPS drop down to twice the
   * threshold, at this run's noise (interval width shrinks as 1/√R); null when it already is there.
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
  rounds: number;
  order: 'ABBA, rounds outer, bands inner';
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

export interface AbAnalysisInput {
  bands: BandSpec[];
  pairs: AbPair[];
  rounds: number;
  confirm: boolean;
  thresholds: Thresholds;
  settings: AnalysisSettings;
  /** The merged per-side documents (analysed), for the optimum shift and changed files; optional. */
  baseDoc?: ResultsDocument | null;
  headDoc?: ResultsDocument | null;
  sides: Record<Side, { source: string; database: string }>;
}

const pct = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;
const num = (x: number | null, digits = 1): string =>
  x === null || !Number.isFinite(x) ? 'n/a' : x.toLocaleString('en-US', { maximumFractionDigits: digits });
const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const medianOf = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The fewest rounds whose smallest exact one-sided signed-rank p-value (2^−R) is at most `oneSided`. */
function minRoundsFor(oneSided: number): number {
  return Math.max(MIN_ROUNDS, Math.ceil(-Math.log2(oneSided) - 1e-9));
}

/** Below this many usable rounds no interval is computed (3 rounds give at best a 75% interval). */
export const MIN_ROUNDS = 3;

function usable(m: AbSideMeasurement, figure: AbFigureKind): number | null {
  if (m.status === 'failed') return null;
  const v = figure === 'tps' ? m.tps : m.p95_ms;
  return finite(v) && v > 0 ? v : null;
}

/** Paired statistics of one figure over some pairs, with the interval at `level`. */
export function figureStats(pairs: readonly AbPair[], figure: AbFigureKind, level: number, threshold: number): AbFigureStats {
  const d: number[] = [];
  const roundIds: number[] = [];
  for (const p of [...pairs].sort((a, b) => a.round - b.round)) {
    const b = usable(p.base, figure);
    const h = usable(p.head, figure);
    if (b !== null && h !== null) {
      d.push(Math.log(h / b));
      roundIds.push(p.round);
    }
  }
  if (d.length < MIN_ROUNDS) {
    return { figure, rounds: d.length, log_ratios: d, round_ids: roundIds, hl_log_ratio: null, ratio: null, interval: null, mad_log_ratio: null, p_value: null };
  }
  const hl = hodgesLehmann(d);
  // At least the requested level: a "pass" (interval within the threshold) is then never claimed at lower confidence.
  const iv = wilcoxonInterval(d, level, 'at-least');
  const bad = logBoundary(figure, threshold, 'bad');
  return {
    figure,
    rounds: d.length,
    log_ratios: d,
    round_ids: roundIds,
    hl_log_ratio: hl,
    ratio: Math.exp(hl),
    interval: toRatioInterval(iv),
    mad_log_ratio: medianAbsoluteDeviation(d, hl),
    p_value: figure === 'tps' ? signedRankPValueBelow(d, bad) : signedRankPValueAbove(d, bad),
  };
}

function toRatioInterval(iv: WilcoxonInterval): NonNullable<AbFigureStats['interval']> {
  return { low: Math.exp(iv.low), high: Math.exp(iv.high), level: iv.level, requested_level: iv.requested_level, k: iv.k, below_requested: iv.below_requested };
}

function within(iv: Interval, figure: AbFigureKind, threshold: number): boolean {
  return figure === 'tps' ? iv.low >= 1 - threshold : iv.high <= 1 + threshold;
}

function ratioText(iv: Interval): string {
  return `${iv.low.toFixed(3)}–${iv.high.toFixed(3)}`;
}

function levelText(iv: AbFigureStats['interval'] & object): string {
  const exact = `${(iv.level * 100).toFixed(2).replace(/\.?0+$/, '')}%`;
  return iv.below_requested ? `${exact} (the widest attainable; ${pct(iv.requested_level, 0)} needs more rounds)` : exact;
}

function bandLabel(b: { workers: number; connections: number }): string {
  return `${b.workers} workers / ${b.connections} connections`;
}

/** A failing figure re-measured: its confirmation statistics and whether the failure reproduced. */
interface Confirmation {
  stats: AbFigureStats;
  p_adjusted: number | null;
  reproduced: boolean;
}

const fmtP = (p: number | null): string => (p === null ? 'n/a' : p < 0.0001 ? p.toExponential(1) : String(Number(p.toPrecision(2))));

interface Judged {
  status: FigureStatus;
  improved: boolean;
  /** Step-down adjusted one-sided p-value of "no regression beyond the threshold" (null without evidence). */
  p_adjusted: number | null;
}

/** The per-round values of a figure shifted by a boundary, as the sign-flip test takes them. */
function flipFigure(f: AbFigureStats, boundary: number, evidence: 'below' | 'above'): FlipFigure {
  return { values: f.log_ratios.map((d) => d - boundary), rounds: f.round_ids, evidence };
}

/** ln of the regression boundary (bad side) or the improvement boundary (good side) of a figure. */
function logBoundary(figure: AbFigureKind, threshold: number, side: 'bad' | 'good'): number {
  const drop = figure === 'tps' ? side === 'bad' : side === 'good';
  return Math.log(drop ? 1 - threshold : 1 + threshold);
}

/** Step-down adjusted p-values of "no change beyond the threshold on `side`" for the figures with evidence. */
function stepDown(family: readonly AbFigureStats[], thresholds: (f: AbFigureStats) => number, side: 'bad' | 'good', seed: number): (number | null)[] {
  const withEvidence = family.map((f, i) => ({ f, i })).filter(({ f }) => f.p_value !== null);
  const out: (number | null)[] = family.map(() => null);
  const figures = withEvidence.map(({ f }) => {
    const towardsLower = (f.figure === 'tps') === (side === 'bad');
    return flipFigure(f, logBoundary(f.figure, thresholds(f), side), towardsLower ? 'below' : 'above');
  });
  const { adjusted } = signFlipStepDown(figures, seed);
  withEvidence.forEach(({ i }, j) => (out[i] = adjusted[j]!));
  return out;
}

/**
 * The family's judgement. Fail: the step-down adjusted one-sided p-value of "no regression beyond
 * the threshold" is at most α/2 (the one-sided level of compare mode's two-sided intervals), which
 * implies that the figure's own interval lies beyond the threshold. Pass: the interval lies within it.
 * Improved: the same test on the good side.
 */
function judgeFamily(family: AbFigureStats[], thresholds: (f: AbFigureStats) => number, confidence: number, seed: number): Judged[] {
  const oneSided = (1 - confidence) / 2;
  const regression = stepDown(family, thresholds, 'bad', seed);
  const improvement = stepDown(family, thresholds, 'good', seed);
  return family.map((f, i) => {
    const p = regression[i] ?? null;
    if (p === null || !f.interval) return { status: 'inconclusive', improved: false, p_adjusted: null };
    const status: FigureStatus = p <= oneSided + 1e-12 ? 'fail' : within(f.interval, f.figure, thresholds(f)) ? 'pass' : 'inconclusive';
    return { status, improved: (improvement[i] ?? 1) <= oneSided + 1e-12, p_adjusted: p };
  });
}

function figureComparison(
  band: BandSpec,
  stats: AbFigureStats,
  judged: Judged,
  threshold: number,
  baseValue: number | null,
  headValue: number | null,
  confirmation: Confirmation | null,
  rounds: number,
  familySize: number,
  oneSided: number,
): FigureComparison {
  const tps = stats.figure === 'tps';
  const label = `${tps ? 'TPS' : 'p95 latency'} at ${bandLabel(band)}`;
  const higher = tps;
  const iv = stats.interval;
  const d = threshold;
  const limit = higher ? `the ${pct(d, 0)} drop threshold` : `the ${pct(d, 0)} increase threshold`;
  let mde: number | null = null;
  let noise: number | null = null;
  if (iv && stats.ratio !== null) {
    // The smallest change whose interval, as wide as this one, would lie wholly past the threshold.
    const hw = (Math.log(iv.high) - Math.log(iv.low)) / 2;
    mde = higher ? 1 - (1 - d) * Math.exp(-hw) : (1 + d) * Math.exp(hw) - 1;
    noise = Math.max(iv.high / stats.ratio - 1, 1 - iv.low / stats.ratio);
  }
  let status = judged.status;
  let reason: string;
  if (!iv || stats.ratio === null) {
    reason = `No interval: only ${stats.rounds} round(s) with a usable ${tps ? 'TPS' : 'p95'} on both sides (need ≥ ${MIN_ROUNDS}).`;
  } else {
    const noun = tps ? 'TPS' : 'p95';
    const moved = stats.ratio < 1 ? 'fell' : 'rose';
    const change = `${noun} ${moved} ${pct(Math.abs(stats.ratio - 1))} (Hodges–Lehmann over ${stats.rounds} paired rounds; base ${num(baseValue, tps ? 1 : 2)} → head ${num(headValue, tps ? 1 : 2)}${tps ? ' TPS' : ' ms'})`;
    const ivText = `${levelText(iv)} signed-rank interval of the ratio ${ratioText(iv)}`;
    const test = (p: number | null) =>
      `the exact sign-flip test of "no ${higher ? 'drop' : 'rise'} beyond the threshold" gives p = ${fmtP(p)} one-sided, ` +
      `adjusted step-down over ${familySize} gating figure(s), at most ${fmtP(oneSided)}`;
    if (status === 'fail') {
      reason = `${change}; ${ivText} lies entirely ${higher ? 'below' : 'above'} ${limit}, and ${test(judged.p_adjusted)}.`;
    } else if (status === 'pass') {
      reason = `${change}; ${ivText} stays within ${limit}.`;
    } else {
      reason =
        `${change}; ${ivText} straddles ${limit}. Noise ±${pct(noise!)}: only a ${higher ? 'drop' : 'rise'} beyond ${pct(mde!)} ` +
        `could have been called a regression with ${rounds} rounds.`;
    }
    if (confirmation) {
      const c = confirmation;
      const civ = c.stats.interval;
      const ctext = civ && c.stats.ratio !== null
        ? `${c.stats.rounds} confirmation rounds: ratio ${c.stats.ratio.toFixed(3)}, ${levelText(civ)} interval ${ratioText(civ)}, adjusted p = ${fmtP(c.p_adjusted)}`
        : `${c.stats.rounds} confirmation round(s) gave no interval`;
      if (c.reproduced) reason += ` Confirmed: ${ctext}; the failure reproduces.`;
      else {
        status = 'inconclusive';
        reason += ` Not reproduced: ${ctext}, so the gate does not fail on it.`;
      }
    }
    if (judged.improved) reason += ` Improved: the same test on the good side shows a change beyond the ${pct(d, 0)} threshold.`;
  }
  return {
    figure: tps ? 'tps' : 'p95_latency',
    label,
    band: { workers: band.workers, connections: band.connections, current_band_id: band.band_id, baseline_band_id: band.band_id },
    current: headValue,
    baseline: baseValue,
    unit: tps ? 'TPS' : 'ms',
    ratio: stats.ratio,
    change_pct: stats.ratio === null ? null : (stats.ratio - 1) * 100,
    interval: iv ? { low: iv.low, high: iv.high, level: iv.level } : null,
    adjusted_interval: null,
    method: iv
      ? `paired per-round log-ratio head/base over ${stats.rounds} ABBA rounds; Hodges–Lehmann estimate; exact Wilcoxon signed-rank interval; ` +
        'exact sign-flip step-down (minP) test across the gating figures'
      : 'none',
    direction: higher ? 'higher-is-better' : 'lower-is-better',
    threshold: d,
    status,
    improved: judged.improved,
    gating: true,
    p_value: stats.p_value,
    p_adjusted: judged.p_adjusted,
    noise,
    mde,
    reason,
  };
}

/** Paired bootstrap over whole rounds: per side, band means → measured peak and USL N*. */
function curveSection(input: AbAnalysisInput): AbCurveSection {
  const bands = input.bands;
  const main = input.pairs.filter((p) => p.phase === 'main');
  const rounds = [...new Set(main.map((p) => p.round))].sort((a, b) => a - b);
  // Only rounds in which every band measured TPS on both sides, so resampled means stay paired.
  const table = new Map<number, Map<number, AbPair>>();
  for (const p of main) {
    if (!table.has(p.round)) table.set(p.round, new Map());
    table.get(p.round)!.set(p.band_index, p);
  }
  const complete = rounds.filter((r) =>
    bands.every((_b, i) => {
      const p = table.get(r)?.get(i);
      return p !== undefined && usable(p.base, 'tps') !== null && usable(p.head, 'tps') !== null;
    }),
  );
  const ns = bands.map((b) => databaseConcurrency(b.workers, b.connections));
  const sideMeans = (side: Side, rs: number[]): number[] =>
    bands.map((_b, i) => mean(rs.map((r) => table.get(r)!.get(i)![side].tps))!);
  const fitSide = (side: Side): { side: AbCurveSide; fitting: CurveFitting | null } => {
    if (complete.length === 0) {
      return { side: { peak_tps_measured: null, usl: { sigma: null, kappa: null, lambda: null, peak_concurrency: null, peak_tps: null, r_squared: null, reason: 'no round with every band measured on both sides' } }, fitting: null };
    }
    const means = sideMeans(side, complete);
    const points: FitPoint[] = bands.map((b, i) => ({
      band_id: b.band_id,
      concurrency: ns[i]!,
      tps: means[i]!,
      // Per-round TPS stands in for the per-second series: fitCurves' bootstrap then resamples rounds.
      tps_series: complete.map((r) => table.get(r)!.get(i)![side].tps),
      excluded_reason: null,
    }));
    const fitting = fitCurves(points, input.settings);
    const u = fitting.usl;
    return {
      side: {
        peak_tps_measured: Math.max(...means),
        usl: { sigma: u.sigma, kappa: u.kappa, lambda: u.lambda, peak_concurrency: u.peak_concurrency, peak_tps: u.peak_tps, r_squared: u.r_squared, reason: u.reason },
      },
      fitting,
    };
  };
  const base = fitSide('base').side;
  const head = fitSide('head').side;
  const level = input.thresholds.confidence;
  const peakRatio = finite(base.peak_tps_measured) && finite(head.peak_tps_measured) && base.peak_tps_measured > 0 ? head.peak_tps_measured / base.peak_tps_measured : null;
  const nStarRatio = finite(base.usl.peak_concurrency) && finite(head.usl.peak_concurrency) && base.usl.peak_concurrency > 0 ? head.usl.peak_concurrency / base.usl.peak_concurrency : null;
  const method = `percentile interval of a paired bootstrap over whole rounds (the same resampled rounds for both sides), seed ${input.settings.seed}`;
  const resamples = Math.max(0, Math.floor(input.settings.bootstrap_resamples));
  if (complete.length < MIN_ROUNDS || resamples < 2) {
    const why = complete.length < MIN_ROUNDS ? `only ${complete.length} complete round(s); need ≥ ${MIN_ROUNDS} for a bootstrap` : 'bootstrap disabled (bootstrap_resamples < 2)';
    return {
      base,
      head,
      peak_tps_ratio: { ratio: peakRatio, interval: null, method, reason: why },
      peak_concurrency_ratio: { ratio: nStarRatio, interval: null, method, reason: nStarRatio === null ? 'no USL peak on both sides' : why },
      bootstrap: null,
    };
  }
  const random = createRandom(input.settings.seed);
  const peaks: number[] = [];
  const nStars: number[] = [];
  const uslFits = bands.length >= 3;
  let nStarAttempts = 0;
  for (let b = 0; b < resamples; b++) {
    const pick = complete.map(() => complete[random.int(complete.length)]!);
    const mb = sideMeans('base', pick);
    const mh = sideMeans('head', pick);
    peaks.push(Math.max(...mh) / Math.max(...mb));
    if (uslFits && nStarRatio !== null) {
      nStarAttempts++;
      const fb = fitUslModel(ns, mb, { maxDefaultStarts: 2 });
      const fh = fitUslModel(ns, mh, { maxDefaultStarts: 2 });
      const pb = fb ? uslPeak(fb.params).concurrency : null;
      const ph = fh ? uslPeak(fh.params).concurrency : null;
      if (finite(pb) && finite(ph) && pb > 0) nStars.push(ph / pb);
    }
  }
  const peakIv = percentileInterval(peaks, level);
  let nStarIv: Interval | null = null;
  let nStarReason: string | null = nStarRatio === null ? 'no USL peak on both sides' : null;
  if (nStarRatio !== null) {
    if (nStars.length >= 0.8 * nStarAttempts && nStars.length >= 2) {
      const iv = percentileInterval(nStars, level);
      if (iv) nStarIv = { ...iv, level };
    } else nStarReason = `only ${nStars.length} of ${nStarAttempts} bootstrap refits had a USL peak on both sides; no interval`;
  }
  return {
    base,
    head,
    peak_tps_ratio: { ratio: peakRatio, interval: peakIv ? { ...peakIv, level } : null, method, reason: null },
    peak_concurrency_ratio: { ratio: nStarRatio, interval: nStarIv, method, reason: nStarReason },
    bootstrap: { resamples, usable: complete.length, seed: input.settings.seed },
  };
}

function curveFigure(
  figure: 'peak_tps' | 'usl_peak_concurrency' | 'usl_sigma' | 'usl_kappa',
  label: string,
  baseValue: number | null,
  headValue: number | null,
  ratio: number | null,
  interval: Interval | null,
  method: string,
  why: string | null,
  threshold: number,
): FigureComparison {
  const higher = figure === 'peak_tps' || figure === 'usl_peak_concurrency';
  let status: FigureStatus = 'inconclusive';
  let reason: string;
  const values = `base ${num(baseValue, 4)} → head ${num(headValue, 4)}`;
  if (!interval || ratio === null) {
    reason = `${label}: ${values}; reported, not judged${why ? ` (${why})` : ''}.`;
  } else {
    const d = threshold;
    const ok = higher ? interval.low >= 1 - d : interval.high <= 1 + d;
    const bad = higher ? interval.high < 1 - d : interval.low > 1 + d;
    status = ok ? 'pass' : 'inconclusive';
    reason = `${label}: ${values}, ratio ${ratio.toFixed(3)}, ${Math.round(interval.level * 100)}% bootstrap interval ${ratioText(interval)}` +
      (bad ? `, beyond the ${pct(d, 0)} threshold; curve-level A/B figures are informational, the band figures gate.` : ok ? `, within ${pct(d, 0)}.` : `, straddling ${pct(d, 0)}.`);
  }
  return {
    figure,
    label,
    band: null,
    current: headValue,
    baseline: baseValue,
    unit: figure === 'peak_tps' ? 'TPS' : '',
    ratio,
    change_pct: ratio === null ? null : (ratio - 1) * 100,
    interval,
    adjusted_interval: null,
    method: interval ? method : 'none',
    direction: higher ? 'higher-is-better' : 'lower-is-better',
    threshold,
    status,
    improved: false,
    gating: false,
    p_value: null,
    p_adjusted: null,
    noise: null,
    mde: null,
    reason,
  };
}

/** Everything: the `ab` section and the Comparison that the summary, comment, annotations and outputs read. */
export function analyzeAb(input: AbAnalysisInput): { ab: AbSection; comparison: Comparison } {
  const t = input.thresholds;
  const level = t.confidence;
  const alpha = 1 - level;
  const thresholdOf = (f: { figure: AbFigureKind }): number => (f.figure === 'tps' ? t.max_tps_drop : t.max_p95_increase);

  const perBand = input.bands.map((band, i) => {
    const main = input.pairs.filter((p) => p.band_index === i && p.phase === 'main');
    const confirm = input.pairs.filter((p) => p.band_index === i && p.phase === 'confirm');
    const sideMean = (side: Side, figure: AbFigureKind): number | null =>
      mean(main.map((p) => usable(p[side], figure)).filter(finite));
    return {
      band,
      main,
      confirm,
      tps: figureStats(main, 'tps', level, t.max_tps_drop),
      p95: figureStats(main, 'p95_latency', level, t.max_p95_increase),
      base_tps: sideMean('base', 'tps'),
      head_tps: sideMean('head', 'tps'),
      base_p95: sideMean('base', 'p95_latency'),
      head_p95: sideMean('head', 'p95_latency'),
    };
  });

  const family = perBand.flatMap((b) => [b.tps, b.p95]);
  const seed = input.settings.seed;
  const judged = judgeFamily(family, thresholdOf, level, seed);
  const familySize = family.filter((f) => f.p_value !== null).length;
  const oneSided = alpha / 2;

  const bandSections: AbBandSection[] = [];
  const bandComparisons: BandComparison[] = [];
  perBand.forEach((b, i) => {
    const jt = judged[2 * i]!;
    const jp = judged[2 * i + 1]!;
    let confirmation: AbBandSection['confirmation'] = null;
    const conf: Partial<Record<AbFigureKind, Confirmation>> = {};
    const failed = ([[b.tps, jt], [b.p95, jp]] as const).filter(([, j]) => j.status === 'fail').map(([f]) => f.figure);
    if (b.confirm.length > 0) {
      const ct = figureStats(b.confirm, 'tps', level, t.max_tps_drop);
      const cp = figureStats(b.confirm, 'p95_latency', level, t.max_p95_increase);
      const stats = { tps: ct, p95_latency: cp };
      // The confirmation rounds test the failed figures again, as a family of their own, at the same level.
      const again = failed.map((kind) => stats[kind]);
      const adjusted = stepDown(again, thresholdOf, 'bad', seed);
      const reproduced: Partial<Record<AbFigureKind, boolean>> = {};
      failed.forEach((kind, k) => {
        const p = adjusted[k] ?? null;
        reproduced[kind] = p !== null && p <= oneSided + 1e-12;
        conf[kind] = { stats: stats[kind], p_adjusted: p, reproduced: reproduced[kind] };
      });
      confirmation = { rounds: new Set(b.confirm.map((p) => p.round)).size, tps: ct, p95_latency: cp, reproduced };
    } else if (input.confirm) {
      for (const kind of failed) conf[kind] = { stats: figureStats([], kind, level, 1), p_adjusted: null, reproduced: false };
    }
    const tpsFigure = figureComparison(b.band, b.tps, jt, t.max_tps_drop, b.base_tps, b.head_tps, conf.tps ?? null, input.rounds, familySize, oneSided);
    const p95Figure = figureComparison(b.band, b.p95, jp, t.max_p95_increase, b.base_p95, b.head_p95, conf.p95_latency ?? null, input.rounds, familySize, oneSided);
    const notes: string[] = [];
    for (const side of ['base', 'head'] as const) {
      const cb = b.main.filter((p) => p[side].client_bound).length;
      if (cb > 0) notes.push(`The load generator was saturated (client-bound) in ${cb} ${side} round(s): TPS there measures pgscale, not PostgreSQL.`);
      const bad = b.main.filter((p) => p[side].status !== 'complete').length;
      if (bad > 0) notes.push(`${bad} ${side} round(s) did not complete.`);
    }
    bandSections.push({
      band_id: b.band.band_id,
      workers: b.band.workers,
      connections: b.band.connections,
      base_tps: b.base_tps,
      head_tps: b.head_tps,
      base_p95_ms: b.base_p95,
      head_p95_ms: b.head_p95,
      tps: b.tps,
      p95_latency: b.p95,
      status: { tps: tpsFigure.status, p95_latency: p95Figure.status },
      confirmation,
    });
    bandComparisons.push({
      workers: b.band.workers,
      connections: b.band.connections,
      current_band_id: b.band.band_id,
      baseline_band_id: b.band.band_id,
      tps: tpsFigure,
      p95_latency: p95Figure,
      notes,
    });
  });

  const curve = curveSection(input);
  const usl = (s: AbCurveSide) => s.usl;
  const curveFigures = {
    peak_tps: curveFigure('peak_tps', 'Peak TPS (best band, measured)', curve.base.peak_tps_measured, curve.head.peak_tps_measured, curve.peak_tps_ratio.ratio, curve.peak_tps_ratio.interval, curve.peak_tps_ratio.method, curve.peak_tps_ratio.reason, t.max_tps_drop),
    usl_peak_concurrency: curveFigure('usl_peak_concurrency', 'USL peak concurrency N*', usl(curve.base).peak_concurrency, usl(curve.head).peak_concurrency, curve.peak_concurrency_ratio.ratio, curve.peak_concurrency_ratio.interval, curve.peak_concurrency_ratio.method, curve.peak_concurrency_ratio.reason ?? usl(curve.head).reason ?? usl(curve.base).reason, t.max_tps_drop),
    usl_sigma: curveFigure('usl_sigma', 'USL contention σ', usl(curve.base).sigma, usl(curve.head).sigma, null, null, '', usl(curve.base).reason ?? usl(curve.head).reason, t.max_tps_drop),
    usl_kappa: curveFigure('usl_kappa', 'USL coherency κ', usl(curve.base).kappa, usl(curve.head).kappa, null, null, '', usl(curve.base).reason ?? usl(curve.head).reason, t.max_tps_drop),
  };
  const optimal = optimalShift(input.baseDoc ?? null, input.headDoc ?? null);

  // Noise and MDE, for the headline.
  const tpsStats = bandSections.map((b) => b.tps).filter((s) => s.interval && s.ratio !== null);
  const noise: AbNoise = {
    tps_mad_log_ratio: medianOf(tpsStats.map((s) => s.mad_log_ratio!).filter(finite)),
    tps_interval_half_width: medianOf(tpsStats.map((s) => Math.max(s.interval!.high / s.ratio! - 1, 1 - s.interval!.low / s.ratio!))),
    tps_mde: (() => {
      const m = bandComparisons.map((b) => b.tps.mde).filter(finite);
      return m.length ? Math.max(...m) : null;
    })(),
    rounds_for_twice_threshold: null,
    sentence: '',
  };
  noise.rounds_for_twice_threshold = roundsForTwiceThreshold(tpsStats, t.max_tps_drop);
  noise.sentence =
    `Same-runner A/B run: base and head on one runner and one server, ${input.rounds} ABBA round(s) per band` +
    (input.confirm ? ', failures re-measured for confirmation' : '') +
    '. Noise observed: ' +
    (noise.tps_mad_log_ratio === null
      ? 'not measurable (too few rounds).'
      : `a paired round's TPS log-ratio deviates by ${pct(noise.tps_mad_log_ratio, 2)} (median absolute deviation), ` +
        `the TPS interval half-width is ±${pct(noise.tps_interval_half_width!, 1)}` +
        (noise.tps_mde !== null ? `, and the smallest TPS drop this run could call a regression is ${pct(noise.tps_mde, 1)}.` : '.') +
        (noise.rounds_for_twice_threshold !== null
          ? ` About ${noise.rounds_for_twice_threshold} rounds (shorter bands are fine) would bring that down to ${pct(2 * t.max_tps_drop, 0)}.`
          : ''));

  const bandFigures = bandComparisons.flatMap((b) => [b.tps, b.p95_latency]);
  const failures = bandFigures.filter((f) => f.status === 'fail');
  const inconclusive = bandFigures.filter((f) => f.status === 'inconclusive' && f.gating);
  const improvements = bandFigures.filter((f) => f.improved);
  const list = (fs: FigureComparison[]) =>
    fs.slice(0, 5).map((f) => `${f.label} (${f.change_pct === null ? 'n/a' : `${f.change_pct >= 0 ? '+' : '−'}${Math.abs(f.change_pct).toFixed(1)}%`})`).join('; ') +
    (fs.length > 5 ? `; and ${fs.length - 5} more` : '');
  let verdict: Verdict;
  let reason: string;
  const withEvidence = bandFigures.filter((f) => f.interval !== null).length;
  if (withEvidence === 0) {
    verdict = 'inconclusive';
    reason = `No band had ${MIN_ROUNDS} or more complete paired rounds, so nothing could be judged.`;
  } else if (failures.length > 0) {
    verdict = 'fail';
    reason = `${failures.length} figure(s) regressed beyond the thresholds with the whole paired interval past them${input.confirm ? ', confirmed by re-measurement' : ''}: ${list(failures)}.`;
  } else if (inconclusive.length > 0) {
    verdict = 'inconclusive';
    const mdes = inconclusive.map((f) => f.mde).filter(finite);
    reason = `No regression was shown, but ${inconclusive.length} figure(s) could not be settled at this noise: ${list(inconclusive)}.` +
      (mdes.length ? ` The noisiest could only have detected a change beyond ${pct(Math.max(...mdes))}.` : '');
  } else {
    verdict = 'pass';
    reason = `Every band figure's paired interval lies within the thresholds (TPS drop ${pct(t.max_tps_drop, 0)}, p95 increase ${pct(t.max_p95_increase, 0)}) across ${bandComparisons.length} band(s).`;
  }
  if (improvements.length > 0 && verdict !== 'fail') reason += ` Improved: ${list(improvements)}.`;

  const m = familySize;
  const notes: string[] = [noise.sentence];
  const below = family.some((f) => f.interval?.below_requested);
  if (below) {
    notes.push(
      `With ${input.rounds} rounds the exact signed-rank interval cannot reach ${pct(level, 0)}; the widest attainable one is used and its exact level is shown, ` +
        `and no figure can fail (the smallest attainable one-sided p-value is above ${fmtP(oneSided)}). Use ${minRoundsFor(oneSided)} or more rounds.`,
    );
  }
  if (optimal.shifted) notes.push(optimal.message);
  const comparison: Comparison = {
    verdict,
    reason,
    thresholds: { ...t },
    correction: {
      method: 'sign-flip-step-down',
      family_size: m,
      alpha,
      explanation:
        `The band figures (TPS and p95 over ${bandComparisons.length} bands) form one family of ${m} tests of "no regression beyond the threshold". ` +
        `Each has an exact one-sided signed-rank p-value; the family is adjusted by the Westfall–Young step-down minP method, with the null ` +
        `distribution from flipping the sign of whole rounds (all figures of a round together), so figures that move together, such as TPS and ` +
        `p95 in a closed loop, are not penalised as if independent. A figure fails when its adjusted p-value is at most ${fmtP(oneSided)} ` +
        `(one side of ${pct(level, 0)}), which implies its ${pct(level, 0)} interval lies beyond the threshold. ` +
        `Passing needs no correction: every band within its threshold is an intersection of claims.`,
    },
    bands: bandComparisons,
    unmatched: { current_only: [], baseline_only: [] },
    curve: { ...curveFigures, optimal },
    failures: failures.map((f) => f.label),
    inconclusive: inconclusive.map((f) => f.label),
    improvements: improvements.map((f) => f.label),
    changed_files: input.baseDoc && input.headDoc ? changedWorkloadFiles(input.headDoc, input.baseDoc) : [],
    baseline_info: input.baseDoc ? { test_start_time: String(input.baseDoc.test_start_time), tool_version: String(input.baseDoc.tool?.version ?? 'unknown') } : null,
    notes,
  };
  const ab: AbSection = {
    kind: 'pgscale-ab',
    version: 1,
    method:
      'Paired per-round log-ratios head/base; Hodges–Lehmann estimate; exact Wilcoxon signed-rank interval; sign-flip step-down minP across band figures; ' +
      'curve figures from a paired round bootstrap (informational).',
    rounds: input.rounds,
    order: 'ABBA, rounds outer, bands inner',
    confirm: input.confirm,
    confidence: level,
    level_rule: 'smallest attainable level >= requested (widest interval when none is)',
    thresholds: { ...t },
    sides: input.sides,
    pairs: input.pairs,
    bands: bandSections,
    curve,
    noise,
    verdict,
    reason,
  };
  return { ab, comparison };
}

/** R·(hw/hw*)² for the widest TPS interval, where hw* makes the minimum detectable drop 2·d. */
function roundsForTwiceThreshold(stats: readonly AbFigureStats[], drop: number): number | null {
  if (!(drop > 0 && drop < 0.5)) return null;
  const target = Math.log((1 - drop) / (1 - 2 * drop));
  let worst: { hw: number; rounds: number } | null = null;
  for (const s of stats) {
    if (!s.interval) continue;
    const hw = (Math.log(s.interval.high) - Math.log(s.interval.low)) / 2;
    if (worst === null || hw > worst.hw) worst = { hw, rounds: s.rounds };
  }
  if (worst === null || worst.hw <= target) return null;
  return Math.ceil(worst.rounds * (worst.hw / target) ** 2);
}

function optimalShift(base: ResultsDocument | null, head: ResultsDocument | null): OptimalShift {
  const pick = (d: ResultsDocument | null) =>
    d?.optimal_config && [d.optimal_config.band_id, d.optimal_config.workers, d.optimal_config.connections, d.optimal_config.tps].every(finite)
      ? { band_id: d.optimal_config.band_id, workers: d.optimal_config.workers, connections: d.optimal_config.connections, tps: d.optimal_config.tps }
      : null;
  const c = pick(head);
  const b = pick(base);
  if (!c || !b) return { current: c, baseline: b, shifted: false, message: `No optimal configuration on ${!c ? 'the head side' : 'the base side'}; no shift to report.` };
  const shifted = c.workers !== b.workers || c.connections !== b.connections;
  return {
    current: c,
    baseline: b,
    shifted,
    message: shifted
      ? `The optimal configuration moved from ${bandLabel(b)} (${num(b.tps)} TPS, base) to ${bandLabel(c)} (${num(c.tps)} TPS, head). A shift alone does not fail the gate.`
      : `The optimal configuration is unchanged: ${bandLabel(c)}.`,
  };
}
