// The curve-level figures of a baseline comparison: peak TPS (best band of each run), the USL
// parameters (N*, σ, κ) and the optimum's shift.

import type { BandResult, ResultsDocument, UslFit } from '../results/types.js';
import type { CurveComparison, FigureComparison, Thresholds } from '../results/comparison-types.js';
import { tpsEvidence, type Direction } from './evidence.js';
import { figureWithEvidence, makeFigure, type PendingFigure } from './figure.js';
import { optimalShift, type ShiftWords } from './verdict.js';
import { bandLabel, num, pct, valueWithInterval } from './words.js';
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

/** A TPS figure (band or peak) that failed, and the concurrency min(W, C) of its band in the current run. */
export interface TpsFailure {
  label: string;
  concurrency: number;
}

/**
 * N*, σ, κ inform; they never fail the gate on their own. σ and κ trade off against each other in the
 * fit, so a higher κ or a lower N* is no regression when throughput held. The rule: a shift counts when
 * the two fits' own intervals disagree beyond the threshold on the bad side (conservative ratio bounds),
 * and it is marked `fail` only when some TPS figure also failed at a concurrency at or past the smaller
 * of the two N* (where contention and coherency decide throughput), as that failure's explanation. The
 * verdict is then `fail` through the TPS figure; a worse shape with throughput intact leaves it alone.
 */
function uslFigure(
  figure: 'usl_peak_concurrency' | 'usl_sigma' | 'usl_kappa',
  cur: UslFit | null,
  base: UslFit | null,
  threshold: number,
  tpsFailures: readonly TpsFailure[],
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
      `USL ${meta.key} ${num(bv, 4)} → ${num(cv, 4)}; no interval on both sides, so the shift is reported, ` +
        'not judged (the fit needs bands past N* for one).',
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
    `current ${valueWithInterval(cv, ci.low, ci.high)} ` + `vs baseline ${valueWithInterval(bv, bci.low, bci.high)}`;
  const higher = meta.dir === 'higher-is-better';
  const worse = higher ? ci.high < bci.low * (1 - d) : ci.low > bci.high * (1 + d);
  const within = higher ? bci.high > 0 && ci.low >= bci.high * (1 - d) : bci.low > 0 && ci.high <= bci.low * (1 + d);
  f.improved = higher ? ci.low > bci.high * (1 + d) : ci.high < bci.low * (1 - d);
  const moved = `${meta.label} ${higher ? 'fell' : 'rose'}: ${both}; the intervals disagree by more than ${pct(d, 0)}`;
  if (worse) {
    const nStar = Math.min(...[cur.peak_concurrency, base.peak_concurrency].filter(finite));
    const past = tpsFailures.filter((t) => !Number.isFinite(nStar) || t.concurrency >= nStar * (1 - d));
    if (past.length > 0) {
      f.status = 'fail';
      f.reason =
        `${moved}, and throughput fell with it past N* ≈ ${num(nStar, 1)}: ` +
        `${past.map((t) => t.label).join('; ')}.`;
    } else {
      f.reason =
        `${moved}, but no TPS figure fell beyond the threshold at or past N* ≈ ${num(nStar, 1)}, so the ` +
        'curve changed shape without costing throughput where the shape matters; reported, not gated.';
    }
  } else if (within) {
    f.status = 'pass';
    f.reason = `${meta.label}: ${both}; even the least favourable ends stay within ${pct(d, 0)}.`;
  } else {
    f.reason =
      `${meta.label}: ${both}; the intervals are too wide to judge a ${pct(d, 0)} shift (informational). ` +
      'More bands past N*, longer bands, or mode: ab would narrow them.';
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
): {
  peak: FigureComparison;
  pending: PendingFigure | null;
  /** The band both runs peak at, when it is the same (workers, connections); its TPS figure then is peak TPS. */
  samePlace: { workers: number; connections: number } | null;
} {
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
  if (curPeak && basePeak)
    peak.band = {
      workers: curPeak.workers,
      connections: curPeak.connections,
      current_band_id: curPeak.band_id,
      baseline_band_id: basePeak.band_id,
    };
  const samePlace =
    curPeak && basePeak && curPeak.workers === basePeak.workers && curPeak.connections === basePeak.connections
      ? { workers: curPeak.workers, connections: curPeak.connections }
      : null;
  return { peak, pending, samePlace };
}

/** The curve comparison: the (settled) peak TPS figure, the USL figures and the optimum. */
export function curveComparison(
  current: ResultsDocument,
  baseline: ResultsDocument,
  peak: FigureComparison,
  t: Thresholds,
  tpsFailures: readonly TpsFailure[],
): CurveComparison {
  const curUsl = current.analysis?.curve_fitting?.usl ?? null;
  const baseUsl = baseline.analysis?.curve_fitting?.usl ?? null;
  return {
    peak_tps: peak,
    usl_peak_concurrency: uslFigure('usl_peak_concurrency', curUsl, baseUsl, t.max_tps_drop, tpsFailures),
    usl_sigma: uslFigure('usl_sigma', curUsl, baseUsl, t.max_tps_drop, tpsFailures),
    usl_kappa: uslFigure('usl_kappa', curUsl, baseUsl, t.max_tps_drop, tpsFailures),
    optimal: optimalShift(current, baseline, SHIFT_WORDS),
  };
}
