// The paired statistics of one band figure of a same-runner A/B run (TPS or p95 latency). Pure.
//
// The paired per-round log-ratios dᵣ = ln(head/base), the Hodges–Lehmann estimate (median of Walsh
// averages) and the exact Wilcoxon signed-rank interval at the smallest attainable level ≥ the
// requested one (the widest interval when none reaches it: fewer than 6 rounds for 95%). Gating:
// each figure's exact one-sided signed-rank p-value of "no regression beyond the threshold",
// adjusted across the family (TPS and p95 of every band) by the two-step sign-flip step-down of
// paired-stats.ts (centredStepDown): whole rounds flip together, which keeps the dependence between
// figures (TPS and p95 of a band move together in a closed loop; Holm would charge for independent
// tests, which 6–7 rounds cannot pay), and figures clearly inside their thresholds are moved there
// for the null, so they do not charge the figure under test. A figure fails when its adjusted p-value
// is at most 0.99·α/2, passes when its interval lies within the threshold, and is inconclusive
// otherwise; the minimum detectable change is computed at the level the adjusted test decides at.

import type { AbFigureKind, AbFigureStats, AbPair, AbSideMeasurement } from '../results/ab-types.js';
import type { BandSpec } from '../plan/types.js';
import {
  hodgesLehmann,
  medianAbsoluteDeviation,
  signedRankPValueAbove,
  signedRankPValueBelow,
  centredStepDown,
  SLACK_SHARE,
  wilcoxonInterval,
  type FlipFigure,
  type WilcoxonInterval,
} from './paired-stats.js';
import type { FigureComparison, FigureStatus } from '../results/comparison-types.js';
import { beyondThreshold, figureStatus, minimumDetectableChange, thresholdRatio, withinThreshold } from './verdict.js';
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
    ? `${exact} (the widest attainable; ${pct(iv.requested_level, 0)} needs more blocks)`
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
  /**
   * The family's first-step critical p-value: a figure whose exact one-sided p-value is at most this
   * fails. Sets the minimum detectable change under the test that decides (null without evidence).
   */
  critical_p: number | null;
}

/** A figure's per-round values and boundary, as the step-down test takes them. */
function flipFigure(f: AbFigureStats, boundary: number, evidence: 'below' | 'above'): FlipFigure {
  return { values: f.log_ratios, rounds: f.round_ids, boundary, evidence };
}

/** ln of the regression boundary (bad side) or the improvement boundary (good side) of a figure. */
function logBoundary(figure: AbFigureKind, threshold: number, side: 'bad' | 'good'): number {
  return Math.log(thresholdRatio(figure === 'tps', threshold, side));
}

/**
 * Step-down adjusted p-values of "no change beyond the threshold on `side`" for the figures with
 * evidence (null without), and the family's first-step critical p-value at one-sided `level`.
 */
export function stepDown(
  family: readonly AbFigureStats[],
  thresholds: (f: AbFigureStats) => number,
  side: 'bad' | 'good',
  seed: number,
  level: number,
): { adjusted: (number | null)[]; critical: number | null } {
  const withEvidence = family.map((f, i) => ({ f, i })).filter(({ f }) => f.p_value !== null);
  const adjusted: (number | null)[] = family.map(() => null);
  const figures = withEvidence.map(({ f }) => {
    const towardsLower = (f.figure === 'tps') === (side === 'bad');
    return flipFigure(f, logBoundary(f.figure, thresholds(f), side), towardsLower ? 'below' : 'above');
  });
  const r = centredStepDown(figures, seed, level);
  withEvidence.forEach(({ i }, j) => (adjusted[i] = r.adjusted[j]!));
  return { adjusted, critical: figures.length ? r.critical : null };
}

/** The level the step-down rejects at: the one-sided α less the share its first step spends. */
export const stepDownLevel = (oneSided: number): number => oneSided * (1 - SLACK_SHARE);

/**
 * The family's judgement. Fail: the step-down adjusted one-sided p-value of "no regression beyond
 * the threshold" is at most α/2 (the one-sided level of compare mode's two-sided intervals). Pass:
 * the interval lies within the threshold. Improved: the same test on the good side.
 */
export function judgeFamily(
  family: AbFigureStats[],
  thresholds: (f: AbFigureStats) => number,
  confidence: number,
  seed: number,
): Judged[] {
  const oneSided = (1 - confidence) / 2;
  const test = stepDownLevel(oneSided) + 1e-12;
  const regression = stepDown(family, thresholds, 'bad', seed, oneSided);
  const improvement = stepDown(family, thresholds, 'good', seed, oneSided);
  return family.map((f, i) => {
    const p = regression.adjusted[i] ?? null;
    if (p === null || !f.interval)
      return { status: 'inconclusive', improved: false, p_adjusted: null, critical_p: null };
    const status = figureStatus(p, test, withinThreshold(f.interval, f.figure === 'tps', thresholds(f)));
    return {
      status,
      improved: (improvement.adjusted[i] ?? 1) <= test,
      p_adjusted: p,
      critical_p: regression.critical,
    };
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
  familySize: number,
  testLevel: number,
): FigureComparison {
  const tps = stats.figure === 'tps';
  const label = `${tps ? 'TPS' : 'p95 latency'} at ${bandLabel(band)}`;
  const higher = tps;
  const iv = stats.interval;
  const d = threshold;
  const limit = higher ? `the ${pct(d, 0)} drop threshold` : `the ${pct(d, 0)} increase threshold`;
  let mde: number | null = null;
  let noise: number | null = null;
  const decisive = decisiveHalfWidth(stats, judged.critical_p);
  if (iv && stats.ratio !== null) {
    // The smallest change the deciding test could fail with noise like this: its half-width at the
    // family's critical level; never smaller than the interval's own.
    const hw = (Math.log(iv.high) - Math.log(iv.low)) / 2;
    mde = finite(decisive) ? minimumDetectableChange(Math.max(hw, decisive), higher, d) : null;
    noise = Math.max(iv.high / stats.ratio - 1, 1 - iv.low / stats.ratio);
  }
  let status = judged.status;
  let reason: string;
  if (!iv || stats.ratio === null) {
    reason =
      `No interval: only ${stats.rounds} paired block(s) with a usable ` +
      `${tps ? 'TPS' : 'p95'} on both sides (need ≥ ${MIN_ROUNDS}).`;
  } else {
    const noun = tps ? 'TPS' : 'p95';
    const moved = stats.ratio < 1 ? 'fell' : 'rose';
    const change =
      `${noun} ${moved} ${pct(Math.abs(stats.ratio - 1))} (Hodges–Lehmann over ${stats.rounds} paired blocks; ` +
      `base ${num(baseValue, tps ? 1 : 2)} → head ${num(headValue, tps ? 1 : 2)}${tps ? ' TPS' : ' ms'})`;
    const ivText = `${levelText(iv)} signed-rank interval of the ratio ${ratioText(iv)}`;
    const test = (p: number | null) =>
      `the step-down sign-flip test of "no ${higher ? 'drop' : 'rise'} ` +
      `beyond the threshold" gives p = ${fmtP(p)} one-sided, ` +
      `adjusted over ${familySize} gating figure(s), at most ${fmtP(testLevel)}`;
    const settle = roundsToSettle(stats, higher, d, decisive, testLevel, Math.max(1, familySize));
    const settleText =
      settle === null
        ? ' Its estimate sits on the threshold: no number of blocks settles it.'
        : ` About ${settle} paired blocks would settle it (more rounds, or a longer band_duration).`;
    if (status === 'fail') {
      reason =
        `${change}; ${ivText} lies entirely ${higher ? 'below' : 'above'} ` +
        `${limit}, and ${test(judged.p_adjusted)}.`;
    } else if (status === 'pass') {
      reason = `${change}; ${ivText} stays within ${limit}.`;
    } else if (beyondThreshold(iv, higher, d)) {
      // Beyond the threshold yet not failed: the adjusted test is what did not reject. Say so.
      reason =
        `${change}; ${ivText} lies entirely ${higher ? 'below' : 'above'} ${limit}, but ` +
        `${test(judged.p_adjusted)}, so it does not fail` +
        (mde === null
          ? `: with ${stats.rounds} blocks the family's adjusted test cannot reach that level for this figure.`
          : `: only a ${higher ? 'drop' : 'rise'} beyond ${pct(mde)} could fail with ${stats.rounds} blocks.`) +
        settleText;
    } else {
      reason =
        `${change}; ${ivText} straddles ${limit}. Noise ±${pct(noise!)}: ` +
        (mde === null
          ? `with ${stats.rounds} blocks the family's adjusted test cannot reach that level for this figure.`
          : `only a ${higher ? 'drop' : 'rise'} beyond ${pct(mde)} could have been called a regression ` +
            `with ${stats.rounds} blocks.`) +
        settleText;
    }
    if (confirmation) {
      const c = confirmation;
      const civ = c.stats.interval;
      const ctext =
        civ && c.stats.ratio !== null
          ? `${c.stats.rounds} confirmation blocks: ratio ${c.stats.ratio.toFixed(3)}, ` +
            `${levelText(civ)} interval ${ratioText(civ)}, adjusted p = ${fmtP(c.p_adjusted)}`
          : `${c.stats.rounds} confirmation block(s) gave no interval`;
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
      ? `paired per-block log-ratio head/base over ${stats.rounds} ABBA ` +
        'blocks; Hodges–Lehmann estimate; exact Wilcoxon signed-rank interval; ' +
        'two-step sign-flip step-down (minP) test across the gating figures'
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

/**
 * The log half-width, on the bad side, of the figure's exact signed-rank interval at the family's
 * critical level: by the duality of interval and test, the figure fails its first step exactly when
 * its estimate lies this far past the boundary. Infinity when R rounds cannot reach that level; null
 * without evidence.
 */
export function decisiveHalfWidth(stats: AbFigureStats, criticalP: number | null): number | null {
  if (criticalP === null || stats.hl_log_ratio === null || stats.log_ratios.length < MIN_ROUNDS) return null;
  if (!(criticalP > 0)) return Infinity;
  const iv = wilcoxonInterval(stats.log_ratios, 1 - 2 * criticalP, 'at-least');
  if (iv.below_requested) return Infinity;
  return stats.figure === 'tps' ? iv.high - stats.hl_log_ratio : stats.hl_log_ratio - iv.low;
}

/**
 * About how many rounds would settle an inconclusive figure, from half-widths shrinking as 1/√R: to
 * fail, the decisive half-width must fit between the estimate and the boundary; to pass, the
 * interval's. More than today's blocks, and to fail at least the blocks whose smallest p-value (2⁻ᴿ)
 * reaches the test level (divided by the family's size when the family cannot fail now). Null when
 * the estimate sits on the boundary.
 */
export function roundsToSettle(
  stats: AbFigureStats,
  higherIsBetter: boolean,
  threshold: number,
  decisive: number | null,
  testLevel: number,
  familySize: number,
): number | null {
  const iv = stats.interval;
  if (!iv || stats.hl_log_ratio === null) return null;
  const boundary = Math.log(thresholdRatio(higherIsBetter, threshold, 'bad'));
  // Positive when the estimate lies inside the threshold.
  const gap = higherIsBetter ? stats.hl_log_ratio - boundary : boundary - stats.hl_log_ratio;
  if (Math.abs(gap) < 1e-9) return null;
  const r = Math.max(stats.rounds, 1);
  let hw: number;
  if (gap > 0) hw = higherIsBetter ? stats.hl_log_ratio - Math.log(iv.low) : Math.log(iv.high) - stats.hl_log_ratio;
  else hw = finite(decisive) ? decisive : (Math.log(iv.high) - Math.log(iv.low)) / 2;
  const needed = Math.ceil(r * (hw / Math.abs(gap)) ** 2);
  const canFail = finite(decisive);
  // To fail, at least the blocks whose smallest p-value reaches the level (Bonferroni over the family
  // when it cannot fail now).
  const toFail = canFail ? minRoundsFor(testLevel) : minRoundsFor(testLevel / familySize);
  return Math.max(needed, r + 1, gap < 0 ? toFail : 0);
}

/** The fewest rounds whose smallest exact one-sided signed-rank p-value (2⁻ᴿ) is at most `test`. */
export function minRoundsFor(test: number): number {
  return Math.max(MIN_ROUNDS, Math.ceil(-Math.log2(test) - 1e-9));
}
