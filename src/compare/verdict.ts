// The verdict, once. Each judge (a stored baseline, a same-runner A/B run) gathers its own evidence
// for a figure; where the figure's interval and adjusted p-value stand against the threshold is
// judged here (fail / pass / inconclusive, and the minimum detectable change), and so is the rule
// that turns the settled figures into one verdict and the sentence behind it:
// - inconclusive when nothing could be judged;
// - fail when any figure failed (its whole interval lies past the threshold);
// - inconclusive when figures would have failed but for a known cause (another environment), or when
//   gating figures could not be settled at this noise;
// - pass otherwise. Improvements are named unless the verdict is a fail.
// A run with nothing to compare against gets no-baseline, which is never a pass. Pure.

import type { ResultsDocument } from '../results/types.js';
import type {
  Comparison,
  FigureComparison,
  FigureStatus,
  OptimalShift,
  Thresholds,
  Verdict,
} from '../results/comparison-types.js';
import { DEFAULT_THRESHOLDS } from './thresholds.js';
import { bandLabel, figureList, num, pct } from './words.js';
import { isFiniteNumber as finite } from '../analyze/stats.js';

/**
 * The ratio at the threshold: on the bad side a drop (when higher is better) or a rise; on the good side the mirror.
 */
export function thresholdRatio(higherIsBetter: boolean, threshold: number, side: 'bad' | 'good'): number {
  const drop = higherIsBetter === (side === 'bad');
  return drop ? 1 - threshold : 1 + threshold;
}

/** The whole interval of the ratio stays within the threshold. */
export function withinThreshold(
  iv: { low: number; high: number },
  higherIsBetter: boolean,
  threshold: number,
): boolean {
  return higherIsBetter ? iv.low >= 1 - threshold : iv.high <= 1 + threshold;
}

/** The whole interval of the ratio lies past the threshold, on the bad side. */
export function beyondThreshold(
  iv: { low: number; high: number },
  higherIsBetter: boolean,
  threshold: number,
): boolean {
  return higherIsBetter ? iv.high < 1 - threshold : iv.low > 1 + threshold;
}

/**
 * One figure: fail when the adjusted one-sided p-value of "no regression beyond the threshold" is at
 * most `oneSidedAlpha` (so its interval lies past the threshold), pass when its interval lies within
 * the threshold, inconclusive otherwise.
 */
export function figureStatus(pAdjusted: number, oneSidedAlpha: number, within: boolean): FigureStatus {
  return pAdjusted <= oneSidedAlpha ? 'fail' : within ? 'pass' : 'inconclusive';
}

/** The smallest change whose interval, `logHalfWidth` either side in log space, would lie wholly past the threshold. */
export function minimumDetectableChange(logHalfWidth: number, higherIsBetter: boolean, threshold: number): number {
  return higherIsBetter ? 1 - (1 - threshold) * Math.exp(-logHalfWidth) : (1 + threshold) * Math.exp(logHalfWidth) - 1;
}

/** What a judge says in each case; the rule decides which case holds. */
export interface VerdictSentences {
  /** Why nothing could be judged, or null when something could. */
  nothingJudged: string | null;
  failed: (count: number, list: string) => string;
  /** Figures that would have failed but for a known cause, and the sentence that names it. */
  excused?: { figures: readonly FigureComparison[]; because: (list: string) => string };
  /** Subject of the minimum-detectable-effect sentence, e.g. "The noisiest figure". */
  noisiest: string;
  passed: string;
}

export interface VerdictOutcome {
  verdict: Verdict;
  reason: string;
  failures: FigureComparison[];
  inconclusive: FigureComparison[];
  improvements: FigureComparison[];
}

/** The three-way rule over settled figures (only gating figures can leave the verdict inconclusive). */
export function decideVerdict(figures: readonly FigureComparison[], say: VerdictSentences): VerdictOutcome {
  const failures = figures.filter((f) => f.status === 'fail');
  const inconclusive = figures.filter((f) => f.status === 'inconclusive' && f.gating);
  const improvements = figures.filter((f) => f.improved);
  let verdict: Verdict;
  let reason: string;
  if (say.nothingJudged !== null) {
    verdict = 'inconclusive';
    reason = say.nothingJudged;
  } else if (failures.length > 0) {
    verdict = 'fail';
    reason = say.failed(failures.length, figureList(failures));
  } else if (say.excused && say.excused.figures.length > 0) {
    verdict = 'inconclusive';
    reason = say.excused.because(figureList(say.excused.figures));
  } else if (inconclusive.length > 0) {
    const mdes = inconclusive.map((f) => f.mde).filter(finite);
    const worst = mdes.length
      ? ` ${say.noisiest} could only have detected a change beyond ${pct(Math.max(...mdes))}.`
      : '';
    verdict = 'inconclusive';
    reason =
      `No regression was shown, but ${inconclusive.length} figure(s) could ` +
      `not be settled at this noise: ${figureList(inconclusive)}.${worst}`;
  } else {
    verdict = 'pass';
    reason = say.passed;
  }
  if (improvements.length > 0 && verdict !== 'fail') reason += ` Improved: ${figureList(improvements)}.`;
  return { verdict, reason, failures, inconclusive, improvements };
}

/** How a judge names its two sides in the optimum's sentence. */
export interface ShiftWords {
  /** Where the optimum is missing: "in the current run", "on the head side". */
  current: string;
  baseline: string;
  /** After each side's TPS: "" or ", head". */
  currentTag: string;
  baselineTag: string;
  /** Closing words of a shift. */
  gate: string;
}

/** Did the optimal configuration move between the baseline and the current run? Never a verdict by itself. */
export function optimalShift(
  current: ResultsDocument | null,
  baseline: ResultsDocument | null,
  words: ShiftWords,
): OptimalShift {
  const pick = (d: ResultsDocument | null) =>
    d?.optimal_config &&
    [d.optimal_config.band_id, d.optimal_config.workers, d.optimal_config.connections, d.optimal_config.tps].every(
      finite,
    )
      ? {
          band_id: d.optimal_config.band_id,
          workers: d.optimal_config.workers,
          connections: d.optimal_config.connections,
          tps: d.optimal_config.tps,
        }
      : null;
  const c = pick(current);
  const b = pick(baseline);
  if (!c || !b) {
    return {
      current: c,
      baseline: b,
      shifted: false,
      message: `No optimal configuration ${!c ? words.current : words.baseline}; no shift to report.`,
    };
  }
  const shifted = c.workers !== b.workers || c.connections !== b.connections;
  return {
    current: c,
    baseline: b,
    shifted,
    message: shifted
      ? `The optimal configuration moved from ${bandLabel(b)} (${num(b.tps)} TPS${words.baselineTag}) ` +
        `to ${bandLabel(c)} (${num(c.tps)} TPS${words.currentTag}). ${words.gate}`
      : `The optimal configuration is unchanged: ${bandLabel(c)}.`,
  };
}

/** The verdict for a run with nothing to compare against. Never a pass. */
export function noBaseline(reason: string, thresholds: Thresholds = DEFAULT_THRESHOLDS): Comparison {
  return {
    verdict: 'no-baseline',
    reason: `No baseline to compare against: ${reason}. Nothing was gated; this is not a pass.`,
    thresholds,
    correction: {
      method: 'holm',
      family_size: 0,
      alpha: 1 - thresholds.confidence,
      explanation: 'No comparison was made.',
    },
    bands: [],
    unmatched: { current_only: [], baseline_only: [] },
    curve: null,
    failures: [],
    inconclusive: [],
    improvements: [],
    changed_files: [],
    environment_differences: [],
    baseline_info: null,
    notes: [],
  };
}
