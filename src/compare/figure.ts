// One compared figure of a baseline comparison: built with or without evidence, then settled (status,
// Holm-adjusted interval, minimum detectable effect and the sentence that explains it).

import type { Interval } from '../results/types.js';
import type { FigureComparison, FigureKind } from '../results/comparison-types.js';
import { expInterval, pValues, quantile, type Direction, type LogRatioEvidence } from './evidence.js';
import { beyondThreshold, figureStatus, minimumDetectableChange, withinThreshold } from './verdict.js';
import { num, pct, ratioText, signedPct } from './words.js';
import { isFiniteNumber as finite } from '../analyze/stats.js';

/** What a figure's interval and p-value rest on, when there is evidence to rest them on. */
interface FigureEvidence {
  /** exp(log ratio) of the evidence, which need not equal current ÷ baseline. */
  ratio: number;
  interval: Interval;
  method: string;
  p_value: number;
  noise: number;
}

/**
 * A figure before any judgement: inconclusive, not improved, nothing adjusted. Without evidence it
 * has no interval and its ratio is current ÷ baseline (when both are usable).
 */
export function makeFigure(
  figure: FigureKind,
  label: string,
  unit: string,
  direction: Direction,
  threshold: number,
  gating: boolean,
  current: number | null,
  baseline: number | null,
  reason: string,
  evidence: FigureEvidence | null = null,
): FigureComparison {
  const ratio = evidence
    ? evidence.ratio
    : finite(current) && finite(baseline) && baseline > 0
      ? current / baseline
      : null;
  return {
    figure,
    label,
    band: null,
    current,
    baseline,
    unit,
    ratio,
    change_pct: ratio === null ? null : (ratio - 1) * 100,
    interval: evidence?.interval ?? null,
    adjusted_interval: null,
    method: evidence?.method ?? 'none',
    direction,
    threshold,
    status: 'inconclusive',
    improved: false,
    gating,
    p_value: evidence?.p_value ?? null,
    p_adjusted: evidence?.p_value ?? null,
    noise: evidence?.noise ?? null,
    mde: null,
    reason,
  };
}

/** A figure with evidence, before the family correction decides fail / improved. */
export interface PendingFigure {
  figure: FigureComparison;
  ev: LogRatioEvidence;
  /** A second view of the same change that a failure (or improvement) must also show (p95 only). */
  typical: LogRatioEvidence | null;
  p_regression: number;
  p_improvement: number;
}

export function figureWithEvidence(
  figure: FigureKind,
  label: string,
  unit: string,
  direction: Direction,
  threshold: number,
  current: number,
  baseline: number,
  ev: LogRatioEvidence,
  level: number,
  typical: LogRatioEvidence | null = null,
): PendingFigure {
  const interval = expInterval(ev, level);
  const main = pValues(ev, threshold, direction);
  // Intersection–union: a call needs both views, so its p-value is the larger of the two.
  const second = typical ? pValues(typical, threshold, direction) : main;
  const p = {
    regression: Math.max(main.regression, second.regression),
    improvement: Math.max(main.improvement, second.improvement),
  };
  const ratio = Math.exp(ev.log_ratio);
  const noise = Math.max(interval.high / ratio - 1, 1 - interval.low / ratio);
  return {
    figure: makeFigure(figure, label, unit, direction, threshold, true, current, baseline, '', {
      ratio,
      interval,
      method: ev.method,
      p_value: p.regression,
      noise,
    }),
    ev,
    typical,
    p_regression: p.regression,
    p_improvement: p.improvement,
  };
}

/**
 * Settles status, improvement, MDE and the sentence, given the (possibly Holm-adjusted) p-values and
 * the confidence level at which this figure is judged.
 */
export function settle(
  pending: PendingFigure,
  alpha: number,
  pRegressionAdjusted: number,
  pImprovementAdjusted: number,
  judgedLevel: number,
  family: { size: number } | null,
  noun: string,
): FigureComparison {
  const f = pending.figure;
  const interval = f.interval!;
  const d = f.threshold;
  const higher = f.direction === 'higher-is-better';
  const halfWidth = quantile(1 - (1 - judgedLevel) / 2, pending.ev.df) * pending.ev.se;
  f.p_adjusted = pRegressionAdjusted;
  if (family) f.adjusted_interval = expInterval(pending.ev, judgedLevel);
  // Smallest change whose interval (at the judged level) would clear the threshold entirely.
  f.mde = minimumDetectableChange(halfWidth, higher, d);
  const within = withinThreshold(interval, higher, d);
  const rawBeyond = beyondThreshold(interval, higher, d);
  const change =
    `${noun} ${higher ? (f.ratio! < 1 ? 'fell' : 'rose') : f.ratio! > 1 ? 'rose' : 'fell'} ` +
    `${pct(Math.abs(f.ratio! - 1))} (${num(f.baseline)} → ${num(f.current)}${f.unit ? ' ' + f.unit : ''})`;
  const intervalText = `${Math.round(interval.level * 100)}% interval of the ratio ${ratioText(interval)}`;
  const adjustedText = f.adjusted_interval
    ? `, Holm-adjusted ${ratioText(f.adjusted_interval)} over ${family!.size} figures`
    : '';
  const limit = higher ? `the ${pct(d, 0)} drop threshold` : `the ${pct(d, 0)} increase threshold`;
  // The second view (p95: the typical second), at the unadjusted level, to say why a figure did not fail.
  const typical = pending.typical ? expInterval(pending.typical, interval.level) : null;
  const typicalBeyond = typical === null || beyondThreshold(typical, higher, d);
  const typicalText = typical
    ? `the typical second's p95 (geometric mean of the per-second values) changed ` +
      `${signedPct(Math.exp(pending.typical!.log_ratio) - 1)}, interval ${ratioText(typical)}`
    : '';
  f.status = figureStatus(pRegressionAdjusted, alpha / 2, within);
  if (f.status === 'fail') {
    f.reason =
      `${change}; ${intervalText}${adjustedText} lies entirely ` +
      `${higher ? 'below' : 'above'} ${limit}${typical ? `; ${typicalText}` : ''}.`;
  } else if (f.status === 'pass') {
    f.reason = `${change}; ${intervalText} stays within ${limit}.`;
  } else {
    let why = '';
    if (rawBeyond && !typicalBeyond) {
      why =
        ` The pooled p95's interval lies beyond ${limit}, but ` +
        `${typicalText}: the change sits in a minority of slow seconds ` +
        `(bursts, background load), which runs of identical code also show, so it is not called a regression.`;
    } else if (rawBeyond && family) {
      why =
        ` Unadjusted, the interval lies beyond ${limit}, but not ` +
        `after the Holm correction over ${family.size} figures.`;
    }
    f.reason =
      `${change}; ${intervalText}${adjustedText} straddles ${limit}. Noise ±${pct(f.noise!)}: only a ` +
      `${higher ? 'drop' : 'rise'} beyond ${pct(f.mde)} could have been called a regression.${why}`;
  }
  f.improved = pImprovementAdjusted <= alpha / 2;
  if (f.improved)
    f.reason += ` Improved: the interval lies entirely beyond the ${pct(d, 0)} threshold on the good side.`;
  return f;
}
