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

import type { BandResult, ResultsDocument } from '../results/types.js';
import { p95Evidence, tpsEvidence } from './evidence.js';
import { holmAdjust } from './stats.js';
import type { BandComparison, Comparison, FigureComparison, Thresholds } from '../results/comparison-types.js';
import { environmentDifferences } from './environment.js';
import { validateBaseline } from './validate.js';
import { decideVerdict, noBaseline } from './verdict.js';
import { figureWithEvidence, makeFigure, settle, type PendingFigure } from './figure.js';
import { curveComparison, peakTpsFigure, type TpsFailure } from './curve-figures.js';
import { databaseConcurrency } from '../analyze/laws.js';
import { bandLabel, pct } from './words.js';
import { isFiniteNumber as finite } from '../analyze/stats.js';

export interface CompareOptions {
  /** Batches for the batch-means standard error of TPS (default 10, as the analysis uses). */
  batches?: number;
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

  // 2. Peak TPS (curve level): the best band of each run, compared like a band. When both runs peak at
  //    the same band, peak TPS is that band's TPS figure (the same data): it is settled from that band's
  //    test and does not enter the family a second time.
  const { peak, pending: peakPending, samePlace } = peakTpsFigure(current, baseline, t, batches, level);
  const twin = samePlace
    ? pending.findIndex(
        (p) =>
          p.figure.figure === 'tps' &&
          p.figure.band?.workers === samePlace.workers &&
          p.figure.band?.connections === samePlace.connections,
      )
    : -1;
  if (peakPending && twin < 0) pending.push(peakPending);

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
  const stepLevel = (i: number) => 1 - alpha / (m - Math.min(reg.rank[i]!, stopRank) + 1);
  const noun = (p: PendingFigure) =>
    p.figure.figure === 'p95_latency' ? 'p95' : p.figure.figure === 'peak_tps' ? 'Peak TPS' : 'TPS';
  pending.forEach((p, i) => {
    settle(p, alpha, reg.adjusted[i]!, imp.adjusted[i]!, stepLevel(i), { size: m }, noun(p));
  });
  if (peakPending && twin >= 0)
    settle(peakPending, alpha, reg.adjusted[twin]!, imp.adjusted[twin]!, stepLevel(twin), { size: m }, 'Peak TPS');

  // 4. USL and the optimum.
  const tpsFailures: TpsFailure[] = [...bands.map((b) => b.tps), peak]
    .filter((f) => f.status === 'fail' && f.band !== null)
    .map((f) => ({ label: f.label, concurrency: databaseConcurrency(f.band!.workers, f.band!.connections) }));
  const curve = curveComparison(current, baseline, peak, t, tpsFailures);

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
