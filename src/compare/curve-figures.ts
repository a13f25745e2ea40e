// The curve-level figures of a baseline comparison: peak TPS (best band of each run), the USL
// parameters (N*, σ, κ) and the optimum's shift.

import type { BandResult, ResultsDocument, UslFit } from '../results/types.js';
import type { CurveComparison, FigureComparison, Thresholds } from '../results/comparison-types.js';
import { tpsEvidence, type Direction } from './evidence.js';
import { figureWithEvidence, makeFigure, type PendingFigure } from './figure.js';
import { optimalShift, type ShiftWords } from './verdict.js';
import { bandLabel, num, pct } from './words.js';
import { isFiniteNumber as finite } from '../analyze/stats.js';

/** The optimum's sentence in a comparison against a stored baseline. */
const SHIFT_WORDS: ShiftWords = {
  current: 'in the current run',
  baseline: 'in the baseline',
  currentTag: '',
  baselineTag: '',
  gate: 'A shift alone does not fail the gate; a peak TPS drop does.',
};

function peakBand(doc: ResultsDocument): BandResult | null {
  let best: BandResult | null = null;
  for (const b of doc.bands) {
    if (b.status === 'failed' || !finite(b.total_tps)) continue;
    if (!best || b.total_tps > best.total_tps) best = b;
  }
  return best;
}

/** N*, σ, κ: judged from the two fits' own intervals; a fail needs the intervals to disagree beyond the threshold. */
function uslFigure(
  figure: 'usl_peak_concurrency' | 'usl_sigma' | 'usl_kappa',
  cur: UslFit | null,
  base: UslFit | null,
  threshold: number,
): FigureComparison {
  const meta = {
    usl_peak_concurrency: {
      key: 'peak_concurrency',
      ci: 'peak_concurrency_ci',
      label: 'USL peak concurrency N*',
      dir: 'higher-is-better',
    },
    usl_sigma: { key: 'sigma', ci: 'sigma_ci', label: 'USL contention σ', dir: 'lower-is-better' },
    usl_kappa: { key: 'kappa', ci: 'kappa_ci', label: 'USL coherency κ', dir: 'lower-is-better' },
  }[figure] as {
    key: 'peak_concurrency' | 'sigma' | 'kappa';
    ci: 'peak_concurrency_ci' | 'sigma_ci' | 'kappa_ci';
    label: string;
    dir: Direction;
  };
  const cv = cur && finite(cur[meta.key]) ? (cur[meta.key] as number) : null;
  const bv = base && finite(base[meta.key]) ? (base[meta.key] as number) : null;
  const mk = (reason: string) => makeFigure(figure, meta.label, '', meta.dir, threshold, false, cv, bv, reason);
  if (!cur || !base) return mk(`No USL fit in ${!cur ? 'the current run' : 'the baseline'} (analysis missing).`);
  if (cv === null || bv === null) {
    const why = cv === null ? cur.reason : base.reason;
    return mk(
      `USL ${meta.key} unavailable in ${cv === null ? 'the current run' : 'the baseline'}${why ? `: ${why}` : ''}.`,
    );
  }
  const ci = cur[meta.ci];
  const bci = base[meta.ci];
  if (!ci || !bci || ![ci.low, ci.high, bci.low, bci.high].every(finite)) {
    return mk(
      `USL ${meta.key} ${num(bv, 4)} → ${num(cv, 4)}; no interval on both sides, so the shift is reported, not judged.`,
    );
  }
  const f = mk('');
  f.method =
    "conservative ratio bounds from the two fits' own intervals " +
    '(current low ÷ baseline high, current high ÷ baseline low)';
  const low = bci.high > 0 ? ci.low / bci.high : null;
  const high = bci.low > 0 ? ci.high / bci.low : null;
  if (low !== null && high !== null) f.interval = { low, high, level: ci.level };
  const d = threshold;
  const both =
    `current ${num(cv, 4)} [${num(ci.low, 4)}, ${num(ci.high, 4)}] vs ` +
    `baseline ${num(bv, 4)} [${num(bci.low, 4)}, ${num(bci.high, 4)}]`;
  if (meta.dir === 'higher-is-better') {
    if (ci.high < bci.low * (1 - d)) {
      f.status = 'fail';
      f.reason = `${meta.label} fell: ${both}; the intervals disagree by more than ${pct(d, 0)}.`;
    } else if (bci.high > 0 && ci.low >= bci.high * (1 - d)) {
      f.status = 'pass';
      f.reason = `${meta.label}: ${both}; even the least favourable ends stay within ${pct(d, 0)}.`;
    } else {
      f.reason = `${meta.label}: ${both}; the intervals are too wide to judge a ${pct(d, 0)} shift.`;
    }
    f.improved = ci.low > bci.high * (1 + d);
  } else {
    if (ci.low > bci.high * (1 + d)) {
      f.status = 'fail';
      f.reason = `${meta.label} rose: ${both}; the intervals disagree by more than ${pct(d, 0)}.`;
    } else if (bci.low > 0 && ci.high <= bci.low * (1 + d)) {
      f.status = 'pass';
      f.reason = `${meta.label}: ${both}; even the least favourable ends stay within ${pct(d, 0)}.`;
    } else {
      f.reason = `${meta.label}: ${both}; the intervals are too wide to judge a ${pct(d, 0)} shift.`;
    }
    f.improved = ci.high < bci.low * (1 - d);
  }
  return f;
}

/**
 * Peak TPS: the best band of each run, compared like a band. With evidence it comes back pending too,
 * so that it joins the Holm family.
 */
export function peakTpsFigure(
  current: ResultsDocument,
  baseline: ResultsDocument,
  t: Thresholds,
  batches: number,
  level: number,
): { peak: FigureComparison; pending: PendingFigure | null } {
  const curPeak = peakBand(current);
  const basePeak = peakBand(baseline);
  let peak: FigureComparison;
  let pending: PendingFigure | null = null;
  if (!curPeak || !basePeak) {
    peak = makeFigure(
      'peak_tps',
      'Peak TPS',
      'TPS',
      'higher-is-better',
      t.max_tps_drop,
      true,
      curPeak?.total_tps ?? null,
      basePeak?.total_tps ?? null,
      `No interval: no band completed in ${!curPeak ? 'the current run' : 'the baseline'}.`,
    );
  } else {
    const ev = tpsEvidence(curPeak, basePeak, batches);
    const samePlace = curPeak.workers === basePeak.workers && curPeak.connections === basePeak.connections;
    const label = samePlace
      ? `Peak TPS (at ${bandLabel(curPeak)})`
      : `Peak TPS (current at ${bandLabel(curPeak)}, baseline at ${bandLabel(basePeak)})`;
    if (typeof ev === 'string') {
      peak = makeFigure(
        'peak_tps',
        label,
        'TPS',
        'higher-is-better',
        t.max_tps_drop,
        true,
        curPeak.total_tps,
        basePeak.total_tps,
        `No interval: ${ev}.`,
      );
    } else {
      const pf = figureWithEvidence(
        'peak_tps',
        label,
        'TPS',
        'higher-is-better',
        t.max_tps_drop,
        curPeak.total_tps,
        basePeak.total_tps,
        ev,
        level,
      );
      pending = pf;
      peak = pf.figure;
    }
  }
  return { peak, pending };
}

/** The curve comparison: the (settled) peak TPS figure, the USL figures and the optimum. */
export function curveComparison(
  current: ResultsDocument,
  baseline: ResultsDocument,
  peak: FigureComparison,
  t: Thresholds,
): CurveComparison {
  const curUsl = current.analysis?.curve_fitting?.usl ?? null;
  const baseUsl = baseline.analysis?.curve_fitting?.usl ?? null;
  return {
    peak_tps: peak,
    usl_peak_concurrency: uslFigure('usl_peak_concurrency', curUsl, baseUsl, t.max_tps_drop),
    usl_sigma: uslFigure('usl_sigma', curUsl, baseUsl, t.max_tps_drop),
    usl_kappa: uslFigure('usl_kappa', curUsl, baseUsl, t.max_tps_drop),
    optimal: optimalShift(current, baseline, SHIFT_WORDS),
  };
}
