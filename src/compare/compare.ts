// Baseline vs current, figure by figure, then one verdict. Pure: plain documents in, plain data out.
//
// Method, in brief (the README repeats it in plain words):
// - TPS per matched band: the log of current/baseline mean TPS, with a standard error from batch means
//   over each run's per-second series (so autocorrelated seconds are not counted as independent),
//   Welch–Satterthwaite degrees of freedom and a Student t quantile.
// - p95 per matched band: the log of current/baseline overall p95, with a standard error from batch means
//   over each run's log per-second p95 series (p95 drifts with time; thousands of latencies are not
//   independent, so the pooled histogram's order statistics are not used: they made identical code fail).
//   A failure must also show in the ratio of the geometric means of the per-second p95. Without the
//   series (older documents) or with fewer than MIN_P95_SECONDS seconds, p95 is inconclusive, never judged.
// - Environment: when the baseline's machine or server setup differs (CPU, cores, PostgreSQL version,
//   settings), a fail is reported as inconclusive, naming what differed.
// - Status: fail only when the whole interval lies beyond the threshold; pass when it lies within it;
//   otherwise inconclusive with the minimum detectable effect. Failures (and improvements) among the band
//   figures are Holm-corrected. Passing needs no correction: "every band is within its threshold" is an
//   intersection–union claim, which holds at level α when each part does.

import type { Interval, UslFit } from '../results/types.js';
import type { BandResult, ResultsDocument } from '../results/types.js';
import {
  expInterval,
  p95Evidence,
  pValues,
  quantile,
  tpsEvidence,
  type Direction,
  type LogRatioEvidence,
} from './evidence.js';
import { holmAdjust } from './stats.js';
import type {
  BandComparison,
  Comparison,
  CurveComparison,
  FigureComparison,
  FigureKind,
  Thresholds,
} from '../results/comparison-types.js';
import { environmentDifferences } from './environment.js';
import { validateBaseline } from './validate.js';
import {
  beyondThreshold,
  decideVerdict,
  figureStatus,
  minimumDetectableChange,
  noBaseline,
  optimalShift,
  withinThreshold,
  type ShiftWords,
} from './verdict.js';
import { bandLabel, num, pct, ratioText, signedPct } from './words.js';
import { isFiniteNumber as finite } from '../analyze/stats.js';

export interface CompareOptions {
  /** Batches for the batch-means standard error of TPS (default 10, as the analysis uses). */
  batches?: number;
}

/** The optimum's sentence in a comparison against a stored baseline. */
const SHIFT_WORDS: ShiftWords = {
  current: 'in the current run',
  baseline: 'in the baseline',
  currentTag: '',
  baselineTag: '',
  gate: 'A shift alone does not fail the gate; a peak TPS drop does.',
};

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
function makeFigure(
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
interface PendingFigure {
  figure: FigureComparison;
  ev: LogRatioEvidence;
  /** A second view of the same change that a failure (or improvement) must also show (p95 only). */
  typical: LogRatioEvidence | null;
  p_regression: number;
  p_improvement: number;
}

function figureWithEvidence(
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
function settle(
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

function matchBands(current: ResultsDocument, baseline: ResultsDocument) {
  const key = (b: BandResult) => `${b.workers}x${b.connections}`;
  const base = new Map<string, BandResult>();
  for (const b of baseline.bands) if (!base.has(key(b))) base.set(key(b), b);
  const pairs: { cur: BandResult; base: BandResult }[] = [];
  const currentOnly: BandResult[] = [];
  const used = new Set<string>();
  for (const c of current.bands) {
    const b = base.get(key(c));
    if (b && !used.has(key(c))) {
      pairs.push({ cur: c, base: b });
      used.add(key(c));
    } else currentOnly.push(c);
  }
  const baselineOnly = baseline.bands.filter((b) => !used.has(key(b)));
  const spec = (b: BandResult) => ({ band_id: b.band_id, workers: b.workers, connections: b.connections });
  return { pairs, currentOnly: currentOnly.map(spec), baselineOnly: baselineOnly.map(spec) };
}

function bandNotes(cur: BandResult, base: BandResult): string[] {
  const notes: string[] = [];
  for (const [side, b] of [
    ['current run', cur],
    ['baseline', base],
  ] as const) {
    if (b.client?.client_bound)
      notes.push(
        `The load generator was saturated (client-bound) in the ${side}: TPS there measures pgscale, not PostgreSQL.`,
      );
    if (b.degraded) notes.push(`The band was degraded in the ${side} (error rate ${pct(b.error_rate)}).`);
    if (b.status !== 'complete') notes.push(`The band is ${b.status} in the ${side}.`);
  }
  return notes;
}

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

function checkThresholds(t: Thresholds): void {
  const ok = (x: number, lo: number, hi: number) => finite(x) && x > lo && x < hi;
  if (!ok(t.max_tps_drop, 0, 1)) throw new RangeError(`max_tps_drop must be in (0, 1), got ${t.max_tps_drop}`);
  if (!ok(t.max_p95_increase, 0, Infinity))
    throw new RangeError(`max_p95_increase must be > 0, got ${t.max_p95_increase}`);
  if (!ok(t.confidence, 0.5, 1)) throw new RangeError(`confidence must be in (0.5, 1), got ${t.confidence}`);
}

export function compareResults(
  current: ResultsDocument,
  baseline: ResultsDocument,
  t: Thresholds,
  options: CompareOptions = {},
): Comparison {
  checkThresholds(t);
  const validation = validateBaseline(current, baseline);
  if (!validation.ok) return noBaseline(validation.reason, t);
  const batches = options.batches ?? 10;
  const level = t.confidence;
  const alpha = 1 - level;
  const { pairs, currentOnly, baselineOnly } = matchBands(current, baseline);

  // 1. Per-band evidence; figures without evidence are inconclusive and stay out of the family.
  const pending: PendingFigure[] = [];
  const bands: BandComparison[] = pairs.map(({ cur, base }) => {
    const where = bandLabel(cur);
    const bandRef = {
      workers: cur.workers,
      connections: cur.connections,
      current_band_id: cur.band_id,
      baseline_band_id: base.band_id,
    };
    let tps: FigureComparison;
    let p95: FigureComparison;
    const failedSide = cur.status === 'failed' ? 'current run' : base.status === 'failed' ? 'baseline' : null;
    const tpsEv = failedSide ? `the band failed in the ${failedSide}` : tpsEvidence(cur, base, batches);
    if (typeof tpsEv === 'string') {
      tps = makeFigure(
        'tps',
        `TPS at ${where}`,
        'TPS',
        'higher-is-better',
        t.max_tps_drop,
        true,
        finite(cur.total_tps) ? cur.total_tps : null,
        finite(base.total_tps) ? base.total_tps : null,
        `No interval: ${tpsEv}.`,
      );
    } else {
      const pf = figureWithEvidence(
        'tps',
        `TPS at ${where}`,
        'TPS',
        'higher-is-better',
        t.max_tps_drop,
        cur.total_tps,
        base.total_tps,
        tpsEv,
        level,
      );
      pending.push(pf);
      tps = pf.figure;
    }
    const p95Ev = failedSide ? `the band failed in the ${failedSide}` : p95Evidence(cur, base, batches);
    if (typeof p95Ev === 'string') {
      p95 = makeFigure(
        'p95_latency',
        `p95 latency at ${where}`,
        'ms',
        'lower-is-better',
        t.max_p95_increase,
        true,
        finite(cur.latency?.p95_ms) ? cur.latency.p95_ms : null,
        finite(base.latency?.p95_ms) ? base.latency.p95_ms : null,
        `No interval: ${p95Ev}.`,
      );
    } else {
      const pf = figureWithEvidence(
        'p95_latency',
        `p95 latency at ${where}`,
        'ms',
        'lower-is-better',
        t.max_p95_increase,
        p95Ev.cur_ms,
        p95Ev.base_ms,
        p95Ev.ev,
        level,
        p95Ev.typical,
      );
      pending.push(pf);
      p95 = pf.figure;
    }
    tps.band = bandRef;
    p95.band = { ...bandRef };
    return {
      workers: cur.workers,
      connections: cur.connections,
      current_band_id: cur.band_id,
      baseline_band_id: base.band_id,
      tps,
      p95_latency: p95,
      notes: bandNotes(cur, base),
    };
  });

  // 2. Peak TPS (curve level): the best band of each run, compared like a band; it joins the family.
  const curPeak = peakBand(current);
  const basePeak = peakBand(baseline);
  let peak: FigureComparison;
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
      pending.push(pf);
      peak = pf.figure;
    }
  }

  // 3. Holm over the family (band figures and peak TPS), for regressions and (separately) for improvements.
  const m = pending.length;
  const reg = holmAdjust(pending.map((p) => p.p_regression));
  const imp = holmAdjust(pending.map((p) => p.p_improvement));
  // Holm stops at the first rank it cannot reject; every later rank is judged at that step's level,
  // so each adjusted interval agrees with its figure's decision.
  let stopRank = m + 1;
  pending.forEach((_p, i) => {
    if (reg.adjusted[i]! > alpha / 2) stopRank = Math.min(stopRank, reg.rank[i]!);
  });
  pending.forEach((p, i) => {
    const stepLevel = 1 - alpha / (m - Math.min(reg.rank[i]!, stopRank) + 1);
    settle(
      p,
      alpha,
      reg.adjusted[i]!,
      imp.adjusted[i]!,
      stepLevel,
      { size: m },
      p.figure.figure === 'p95_latency' ? 'p95' : p.figure.figure === 'peak_tps' ? 'Peak TPS' : 'TPS',
    );
  });

  // 4. USL and the optimum.
  const curUsl = current.analysis?.curve_fitting?.usl ?? null;
  const baseUsl = baseline.analysis?.curve_fitting?.usl ?? null;
  const curve: CurveComparison = {
    peak_tps: peak,
    usl_peak_concurrency: uslFigure('usl_peak_concurrency', curUsl, baseUsl, t.max_tps_drop),
    usl_sigma: uslFigure('usl_sigma', curUsl, baseUsl, t.max_tps_drop),
    usl_kappa: uslFigure('usl_kappa', curUsl, baseUsl, t.max_tps_drop),
    optimal: optimalShift(current, baseline, SHIFT_WORDS),
  };

  // 5. Overall verdict.
  const all: FigureComparison[] = [
    ...bands.flatMap((b) => [b.tps, b.p95_latency]),
    curve.peak_tps,
    curve.usl_peak_concurrency,
    curve.usl_sigma,
    curve.usl_kappa,
  ];
  // Another machine or server setup moves TPS and latency by itself: a failure against it is not
  // evidence about the code, so it is reported as inconclusive (and gates as such), never as a fail.
  const environmentDiffs = environmentDifferences(current, baseline);
  const environmentText = `${environmentDiffs.join('; ')} (baseline vs current)`;
  const downgraded = environmentDiffs.length > 0 ? all.filter((f) => f.status === 'fail') : [];
  for (const f of downgraded) {
    f.status = 'inconclusive';
    f.gating = true;
    f.reason =
      'Not called a regression: the baseline was measured on a different ' +
      `machine or server setup (${environmentText}). ${f.reason}`;
  }
  const notes: string[] = [];
  if (current.partial) notes.push(`The current run is partial: ${current.partial_reason ?? 'no reason recorded'}.`);
  if (baseline.partial) notes.push(`The baseline run is partial: ${baseline.partial_reason ?? 'no reason recorded'}.`);
  if (currentOnly.length || baselineOnly.length)
    notes.push(`${currentOnly.length + baselineOnly.length} band(s) exist on one side only and were not compared.`);
  if (curve.optimal.shifted) notes.push(curve.optimal.message);
  if (environmentDiffs.length > 0) {
    notes.push(
      'The baseline was measured on a different machine or server setup: ' +
        `${environmentText}. Failures are reported as inconclusive; ` +
        `a same-runner A/B run (mode: ab) can tell.`,
    );
  }

  const { verdict, reason, failures, inconclusive, improvements } = decideVerdict(all, {
    nothingJudged:
      bands.length === 0
        ? 'No band of this run matches a band of the baseline (same ' +
          'workers and connections), so nothing could be compared.'
        : null,
    failed: (n, list) =>
      `${n} figure(s) regressed beyond the thresholds, with the whole ${pct(level, 0)} interval past them: ${list}.`,
    excused: {
      figures: downgraded,
      because: (list) =>
        'Baseline measured on a different machine or server setup: ' +
        `${environmentText}. ${downgraded.length} figure(s) would have failed ` +
        (`(${list}), but the other environment explains such a shift as ` +
          'well as the code does; a same-runner A/B run (mode: ab) can tell.'),
    },
    noisiest: 'The noisiest figure',
    passed:
      `Every figure's ${pct(level, 0)} interval lies within the thresholds (TPS drop ${pct(t.max_tps_drop, 0)}, ` +
      `p95 increase ${pct(t.max_p95_increase, 0)}) across ${bands.length} matched band(s).`,
  });

  return {
    verdict,
    reason,
    thresholds: { ...t },
    correction: {
      method: 'holm',
      family_size: m,
      alpha,
      explanation:
        `The band figures (TPS and p95 over ${bands.length} matched bands) and peak TPS ` +
        `form one family of ${m} tests with an interval. A figure fails only if its ` +
        (`Holm-adjusted one-sided p-value is at most ${(alpha / 2).toFixed(3)}, ` +
          'so the chance of any false failure across the family stays at ') +
        (`most ${pct(alpha / 2)}. Equivalently, the k-th smallest p-value is ` +
          `judged with an interval at level 1 − ${alpha.toFixed(2)}/(${m} − k + 1). `) +
        ('Passing needs no correction: every band within its threshold ' +
          `is an intersection of claims, each made at ${pct(level, 0)}.`),
    },
    bands,
    unmatched: { current_only: currentOnly, baseline_only: baselineOnly },
    curve,
    failures: failures.map((f) => f.label),
    inconclusive: inconclusive.map((f) => f.label),
    improvements: improvements.map((f) => f.label),
    changed_files: validation.changed_files,
    environment_differences: environmentDiffs,
    baseline_info: {
      test_start_time: String(baseline.test_start_time),
      tool_version: String(baseline.tool?.version ?? 'unknown'),
    },
    notes,
  };
}
