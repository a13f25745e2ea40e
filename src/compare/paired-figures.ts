// The paired statistics of one band figure of a same-runner A/B run (TPS or p95 latency). Pure.
//
// The paired per-round log-ratios dᵣ = ln(head/base), the Hodges–Lehmann estimate (median of Walsh
// averages) and the exact Wilcoxon signed-rank interval at the smallest attainable level ≥ the
// requested one (the widest interval when none reaches it: fewer than 6 rounds for 95%). Gating:
// each figure's exact one-sided signed-rank p-value of "no regression beyond the threshold",
// adjusted across the family (TPS and p95 of every band) by the Westfall–Young step-down minP method
// over sign flips of whole rounds (paired-stats.ts); a figure fails when its adjusted p-value is at
// most α/2, passes when its interval lies within the threshold, and is inconclusive otherwise.
// Flipping whole rounds keeps the dependence between figures: TPS and p95 of a band move together
// in a closed loop, and Holm would charge for two independent tests, which with 6–7 rounds leaves
// only the most extreme Walsh averages usable.

import type { AbFigureKind, AbFigureStats, AbPair, AbSideMeasurement } from '../results/ab-types.js';
import type { BandSpec } from '../plan/types.js';
import {
  hodgesLehmann,
  medianAbsoluteDeviation,
  signedRankPValueAbove,
  signedRankPValueBelow,
  signFlipStepDown,
  wilcoxonInterval,
  type FlipFigure,
  type WilcoxonInterval,
} from './paired-stats.js';
import type { FigureComparison, FigureStatus } from '../results/comparison-types.js';
import { figureStatus, minimumDetectableChange, thresholdRatio, withinThreshold } from './verdict.js';
import { bandLabel, num, pct, ratioText } from './words.js';
import { isFiniteNumber as finite } from '../analyze/stats.js';

/** The arithmetic mean; null without values. */
export const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Below this many usable rounds no interval is computed (3 rounds give at best a 75% interval). */
export const MIN_ROUNDS = 3;

export function usable(m: AbSideMeasurement, figure: AbFigureKind): number | null {
  if (m.status === 'failed') return null;
  const v = figure === 'tps' ? m.tps : m.p95_ms;
  return finite(v) && v > 0 ? v : null;
}

/** Paired statistics of one figure over some pairs, with the interval at `level`. */
export function figureStats(
  pairs: readonly AbPair[],
  figure: AbFigureKind,
  level: number,
  threshold: number,
): AbFigureStats {
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
    return {
      figure,
      rounds: d.length,
      log_ratios: d,
      round_ids: roundIds,
      hl_log_ratio: null,
      ratio: null,
      interval: null,
      mad_log_ratio: null,
      p_value: null,
    };
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
  return {
    low: Math.exp(iv.low),
    high: Math.exp(iv.high),
    level: iv.level,
    requested_level: iv.requested_level,
    k: iv.k,
    below_requested: iv.below_requested,
  };
}

export function levelText(iv: AbFigureStats['interval'] & object): string {
  const exact = `${(iv.level * 100).toFixed(2).replace(/\.?0+$/, '')}%`;
  return iv.below_requested
    ? `${exact} (the widest attainable; ${pct(iv.requested_level, 0)} needs more rounds)`
    : exact;
}

/** A failing figure re-measured: its confirmation statistics and whether the failure reproduced. */
export interface Confirmation {
  stats: AbFigureStats;
  p_adjusted: number | null;
  reproduced: boolean;
}

export const fmtP = (p: number | null): string =>
  p === null ? 'n/a' : p < 0.0001 ? p.toExponential(1) : String(Number(p.toPrecision(2)));

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
  return Math.log(thresholdRatio(figure === 'tps', threshold, side));
}

/** Step-down adjusted p-values of "no change beyond the threshold on `side`" for the figures with evidence. */
export function stepDown(
  family: readonly AbFigureStats[],
  thresholds: (f: AbFigureStats) => number,
  side: 'bad' | 'good',
  seed: number,
): (number | null)[] {
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
export function judgeFamily(
  family: AbFigureStats[],
  thresholds: (f: AbFigureStats) => number,
  confidence: number,
  seed: number,
): Judged[] {
  const oneSided = (1 - confidence) / 2;
  const regression = stepDown(family, thresholds, 'bad', seed);
  const improvement = stepDown(family, thresholds, 'good', seed);
  return family.map((f, i) => {
    const p = regression[i] ?? null;
    if (p === null || !f.interval) return { status: 'inconclusive', improved: false, p_adjusted: null };
    const status = figureStatus(p, oneSided + 1e-12, withinThreshold(f.interval, f.figure === 'tps', thresholds(f)));
    return { status, improved: (improvement[i] ?? 1) <= oneSided + 1e-12, p_adjusted: p };
  });
}

export function figureComparison(
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
    mde = minimumDetectableChange(hw, higher, d);
    noise = Math.max(iv.high / stats.ratio - 1, 1 - iv.low / stats.ratio);
  }
  let status = judged.status;
  let reason: string;
  if (!iv || stats.ratio === null) {
    reason =
      `No interval: only ${stats.rounds} round(s) with a usable ` +
      `${tps ? 'TPS' : 'p95'} on both sides (need ≥ ${MIN_ROUNDS}).`;
  } else {
    const noun = tps ? 'TPS' : 'p95';
    const moved = stats.ratio < 1 ? 'fell' : 'rose';
    const change =
      `${noun} ${moved} ${pct(Math.abs(stats.ratio - 1))} (Hodges–Lehmann over ${stats.rounds} paired rounds; ` +
      `base ${num(baseValue, tps ? 1 : 2)} → head ${num(headValue, tps ? 1 : 2)}${tps ? ' TPS' : ' ms'})`;
    const ivText = `${levelText(iv)} signed-rank interval of the ratio ${ratioText(iv)}`;
    const test = (p: number | null) =>
      `the exact sign-flip test of "no ${higher ? 'drop' : 'rise'} ` +
      `beyond the threshold" gives p = ${fmtP(p)} one-sided, ` +
      `adjusted step-down over ${familySize} gating figure(s), at most ${fmtP(oneSided)}`;
    if (status === 'fail') {
      reason =
        `${change}; ${ivText} lies entirely ${higher ? 'below' : 'above'} ` +
        `${limit}, and ${test(judged.p_adjusted)}.`;
    } else if (status === 'pass') {
      reason = `${change}; ${ivText} stays within ${limit}.`;
    } else {
      reason =
        `${change}; ${ivText} straddles ${limit}. Noise ±${pct(noise!)}: ` +
        `only a ${higher ? 'drop' : 'rise'} beyond ${pct(mde!)} ` +
        `could have been called a regression with ${rounds} rounds.`;
    }
    if (confirmation) {
      const c = confirmation;
      const civ = c.stats.interval;
      const ctext =
        civ && c.stats.ratio !== null
          ? `${c.stats.rounds} confirmation rounds: ratio ${c.stats.ratio.toFixed(3)}, ` +
            `${levelText(civ)} interval ${ratioText(civ)}, adjusted p = ${fmtP(c.p_adjusted)}`
          : `${c.stats.rounds} confirmation round(s) gave no interval`;
      if (c.reproduced) reason += ` Confirmed: ${ctext}; the failure reproduces.`;
      else {
        status = 'inconclusive';
        reason += ` Not reproduced: ${ctext}, so the gate does not fail on it.`;
      }
    }
    if (judged.improved)
      reason += ` Improved: the same test on the good side shows a change beyond the ${pct(d, 0)} threshold.`;
  }
  return {
    figure: tps ? 'tps' : 'p95_latency',
    label,
    band: {
      workers: band.workers,
      connections: band.connections,
      current_band_id: band.band_id,
      baseline_band_id: band.band_id,
    },
    current: headValue,
    baseline: baseValue,
    unit: tps ? 'TPS' : 'ms',
    ratio: stats.ratio,
    change_pct: stats.ratio === null ? null : (stats.ratio - 1) * 100,
    interval: iv ? { low: iv.low, high: iv.high, level: iv.level } : null,
    adjusted_interval: null,
    method: iv
      ? `paired per-round log-ratio head/base over ${stats.rounds} ABBA ` +
        'rounds; Hodges–Lehmann estimate; exact Wilcoxon signed-rank interval; ' +
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
