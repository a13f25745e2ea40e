// The statistics of a same-runner A/B run, from paired rounds to one verdict. Pure.
//
// Each band figure (TPS, p95 latency) is judged by its paired statistics (paired-figures.ts), as one
// family adjusted by a sign-flip step-down test over whole rounds. With `confirm`, a failing figure
// fails the gate only when the confirmation rounds fail it again (a family of their own). The curve
// figures (paired-curve.ts) are reported, never gated. The verdict follows the one rule (verdict.ts).

import type {
  AbBandSection,
  AbCurveSide,
  AbFigureKind,
  AbFigureStats,
  AbNoise,
  AbSection,
  Side,
} from '../results/ab-types.js';
import type { AbAnalysisInput } from './paired-input.js';
import { curveFigure, curveSection } from './paired-curve.js';
import {
  figureComparison,
  figureStats,
  fmtP,
  decisiveHalfWidth,
  judgeFamily,
  stepDownLevel,
  mean,
  minRoundsFor,
  MIN_ROUNDS,
  stepDown,
  usable,
  type Confirmation,
} from './paired-figures.js';
import { median } from './paired-stats.js';
import type { BandComparison, Comparison } from '../results/comparison-types.js';
import { changedWorkloadFiles } from './validate.js';
import { decideVerdict, optimalShift, type ShiftWords } from './verdict.js';
import { pct } from './words.js';
import { isFiniteNumber as finite } from '../analyze/stats.js';

export { figureStats, MIN_ROUNDS } from './paired-figures.js';

const medianOf = (xs: number[]): number | null => (xs.length === 0 ? null : median([...xs].sort((a, b) => a - b)));

/** The optimum's sentence in an A/B run: head is the current side, base the baseline. */
const SHIFT_WORDS: ShiftWords = {
  current: 'on the head side',
  baseline: 'on the base side',
  currentTag: ', head',
  baselineTag: ', base',
  gate: 'A shift alone does not fail the gate.',
};

/** Everything: the `ab` section and the Comparison that the summary, comment, annotations and outputs read. */
export function analyzeAb(input: AbAnalysisInput): { ab: AbSection; comparison: Comparison } {
  const t = input.thresholds;
  const level = t.confidence;
  const alpha = 1 - level;
  const thresholdOf = (f: { figure: AbFigureKind }): number =>
    f.figure === 'tps' ? t.max_tps_drop : t.max_p95_increase;

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
  const perRound = input.blocks_per_round ?? 1;
  const test = stepDownLevel(oneSided);

  const bandSections: AbBandSection[] = [];
  const bandComparisons: BandComparison[] = [];
  perBand.forEach((b, i) => {
    const jt = judged[2 * i]!;
    const jp = judged[2 * i + 1]!;
    let confirmation: AbBandSection['confirmation'] = null;
    const conf: Partial<Record<AbFigureKind, Confirmation>> = {};
    const failed = (
      [
        [b.tps, jt],
        [b.p95, jp],
      ] as const
    )
      .filter(([, j]) => j.status === 'fail')
      .map(([f]) => f.figure);
    if (b.confirm.length > 0) {
      const ct = figureStats(b.confirm, 'tps', level, t.max_tps_drop);
      const cp = figureStats(b.confirm, 'p95_latency', level, t.max_p95_increase);
      const stats = { tps: ct, p95_latency: cp };
      // The confirmation rounds test the failed figures again, as a family of their own, at the same level.
      const again = failed.map((kind) => stats[kind]);
      const { adjusted } = stepDown(again, thresholdOf, 'bad', seed, oneSided);
      const reproduced: Partial<Record<AbFigureKind, boolean>> = {};
      failed.forEach((kind, k) => {
        const p = adjusted[k] ?? null;
        reproduced[kind] = p !== null && p <= test + 1e-12;
        conf[kind] = { stats: stats[kind], p_adjusted: p, reproduced: reproduced[kind] };
      });
      confirmation = { rounds: new Set(b.confirm.map((p) => p.round)).size, tps: ct, p95_latency: cp, reproduced };
    } else if (input.confirm) {
      for (const kind of failed)
        conf[kind] = { stats: figureStats([], kind, level, 1), p_adjusted: null, reproduced: false };
    }
    const tpsFigure = figureComparison(
      b.band,
      b.tps,
      jt,
      t.max_tps_drop,
      b.base_tps,
      b.head_tps,
      conf.tps ?? null,
      familySize,
      test,
    );
    const p95Figure = figureComparison(
      b.band,
      b.p95,
      jp,
      t.max_p95_increase,
      b.base_p95,
      b.head_p95,
      conf.p95_latency ?? null,
      familySize,
      test,
    );
    const notes: string[] = [];
    for (const side of ['base', 'head'] as const) {
      const cb = b.main.filter((p) => p[side].client_bound).length;
      if (cb > 0)
        notes.push(
          `The load generator was saturated (client-bound) in ${cb} ` +
            `${side} round(s): TPS there measures pgscale, not PostgreSQL.`,
        );
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
    peak_tps: curveFigure(
      'peak_tps',
      'Peak TPS (best band, measured)',
      curve.base.peak_tps_measured,
      curve.head.peak_tps_measured,
      curve.peak_tps_ratio.ratio,
      curve.peak_tps_ratio.interval,
      curve.peak_tps_ratio.method,
      curve.peak_tps_ratio.reason,
      t.max_tps_drop,
    ),
    usl_peak_concurrency: curveFigure(
      'usl_peak_concurrency',
      'USL peak concurrency N*',
      usl(curve.base).peak_concurrency,
      usl(curve.head).peak_concurrency,
      curve.peak_concurrency_ratio.ratio,
      curve.peak_concurrency_ratio.interval,
      curve.peak_concurrency_ratio.method,
      curve.peak_concurrency_ratio.reason ?? usl(curve.head).reason ?? usl(curve.base).reason,
      t.max_tps_drop,
    ),
    usl_sigma: curveFigure(
      'usl_sigma',
      'USL contention σ',
      usl(curve.base).sigma,
      usl(curve.head).sigma,
      null,
      null,
      '',
      usl(curve.base).reason ?? usl(curve.head).reason,
      t.max_tps_drop,
    ),
    usl_kappa: curveFigure(
      'usl_kappa',
      'USL coherency κ',
      usl(curve.base).kappa,
      usl(curve.head).kappa,
      null,
      null,
      '',
      usl(curve.base).reason ?? usl(curve.head).reason,
      t.max_tps_drop,
    ),
  };
  const optimal = optimalShift(input.headDoc ?? null, input.baseDoc ?? null, SHIFT_WORDS);

  // Noise and MDE, for the headline.
  const tpsStats = bandSections.map((b) => b.tps).filter((s) => s.interval && s.ratio !== null);
  const noise: AbNoise = {
    tps_mad_log_ratio: medianOf(tpsStats.map((s) => s.mad_log_ratio!).filter(finite)),
    tps_interval_half_width: medianOf(
      tpsStats.map((s) => Math.max(s.interval!.high / s.ratio! - 1, 1 - s.interval!.low / s.ratio!)),
    ),
    tps_mde: (() => {
      const m = bandComparisons.map((b) => b.tps.mde).filter(finite);
      return m.length ? Math.max(...m) : null;
    })(),
    rounds_for_twice_threshold: null,
    sentence: '',
  };
  noise.rounds_for_twice_threshold = roundsForTwiceThreshold(
    tpsStats,
    t.max_tps_drop,
    judged.find((j) => j.critical_p !== null)?.critical_p ?? null,
    test,
    Math.max(1, familySize),
  );
  noise.sentence =
    `Same-runner A/B run: base and head on one runner and one server, both pools open, taking turns in ABBA ` +
    `blocks: ${input.rounds} round(s) × ${perRound} block(s) per band` +
    (input.confirm ? ', failures re-measured for confirmation' : '') +
    '. Noise observed: ' +
    (noise.tps_mad_log_ratio === null
      ? 'not measurable (too few paired blocks).'
      : `a paired block's TPS log-ratio deviates by ${pct(noise.tps_mad_log_ratio, 2)} (median absolute deviation), ` +
        `the TPS interval half-width is ±${pct(noise.tps_interval_half_width!, 1)}` +
        (noise.tps_mde !== null
          ? `, and the smallest TPS drop this run could call a regression is ${pct(noise.tps_mde, 1)}.`
          : '.') +
        (noise.rounds_for_twice_threshold !== null
          ? ` About ${noise.rounds_for_twice_threshold} paired blocks per band (more rounds, or a longer ` +
            `band_duration: one block per second) would bring that down to ${pct(2 * t.max_tps_drop, 0)}.`
          : ''));

  const bandFigures = bandComparisons.flatMap((b) => [b.tps, b.p95_latency]);
  const { verdict, reason, failures, inconclusive, improvements } = decideVerdict(bandFigures, {
    nothingJudged: bandFigures.some((f) => f.interval !== null)
      ? null
      : `No band had ${MIN_ROUNDS} or more complete paired blocks, so nothing could be judged.`,
    failed: (n, list) =>
      `${n} figure(s) regressed beyond the thresholds with the whole paired interval ` +
      `past them${input.confirm ? ', confirmed by re-measurement' : ''}: ${list}.`,
    noisiest: 'The noisiest',
    passed:
      `Every band figure's paired interval lies within the thresholds (TPS drop ${pct(t.max_tps_drop, 0)}, ` +
      `p95 increase ${pct(t.max_p95_increase, 0)}) across ${bandComparisons.length} band(s).`,
  });

  const m = familySize;
  const notes: string[] = [noise.sentence];
  const below = family.filter((f) => f.interval?.below_requested);
  if (below.length > 0) {
    // The blocks actually paired: a run that stopped early has fewer than planned.
    const fewest = Math.min(...below.map((f) => f.rounds));
    notes.push(
      `With ${fewest} paired block(s) in a band the exact signed-rank interval cannot reach ` +
        `${pct(level, 0)}; the widest attainable one is used and its exact level is shown, ` +
        ('and no figure can fail (the smallest attainable one-sided p-value is ' +
          `above ${fmtP(test)}). Use ${minRoundsFor(test)} or more blocks: more rounds, or a longer band_duration.`),
    );
  }
  if (optimal.shifted) notes.push(optimal.message);
  const comparison: Comparison = {
    verdict,
    reason,
    thresholds: { ...t },
    correction: {
      method: 'two-step-sign-flip',
      family_size: m,
      alpha,
      explanation:
        `The band figures (TPS and p95 over ${bandComparisons.length} bands) ` +
        `form one family of ${m} tests of "no regression beyond the threshold". ` +
        ('Each has an exact one-sided signed-rank p-value; the family is adjusted by a step-down over ' +
          'sign flips of whole blocks (all figures of a block together, so figures that move together, such ' +
          'as TPS and p95 in a closed loop, are not penalised as if independent). A figure clearly inside ' +
          `its threshold (a one-sided ${pct(1 - (oneSided - test), 3)} bound of its centre lies inside) is ` +
          'moved there for the null (Romano, Shaikh & Wolf 2014), so healthy figures are not charged for ' +
          'the regression being tested. A figure ') +
        `fails when its adjusted p-value is at most ${fmtP(test)} (one side of ${pct(level, 0)}, less ` +
        `the first step's share), which implies its ${pct(level, 0)} interval lies beyond the threshold. ` +
        `Passing needs no correction: every band within its threshold is an intersection of claims.`,
    },
    bands: bandComparisons,
    unmatched: { current_only: [], baseline_only: [] },
    curve: { ...curveFigures, optimal },
    failures: failures.map((f) => f.label),
    inconclusive: inconclusive.map((f) => f.label),
    improvements: improvements.map((f) => f.label),
    changed_files: input.baseDoc && input.headDoc ? changedWorkloadFiles(input.headDoc, input.baseDoc) : [],
    baseline_info: input.baseDoc
      ? {
          test_start_time: String(input.baseDoc.test_start_time),
          tool_version: String(input.baseDoc.tool?.version ?? 'unknown'),
        }
      : null,
    notes,
  };
  const ab: AbSection = {
    kind: 'pgscale-ab',
    version: 1,
    method:
      'Paired per-block log-ratios head/base (ABBA blocks of turns, both pools open); Hodges–Lehmann ' +
      'estimate; exact Wilcoxon signed-rank interval; two-step sign-flip step-down across band figures; ' +
      'curve figures from a paired block bootstrap (informational).',
    rounds: input.rounds,
    blocks_per_round: perRound,
    turn_ms: input.turn_ms ?? 0,
    order: 'rounds outer, bands inner; inside a round, ABBA blocks of turns',
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

/**
 * About how many rounds would make the minimum detectable TPS drop 2·d: R·(hw/hw*)² for the widest
 * deciding half-width (the test's at the family's critical level, or the interval's when wider), where
 * hw* makes the drop 2·d; at least the rounds whose smallest p-value reaches the test level.
 */
function roundsForTwiceThreshold(
  stats: readonly AbFigureStats[],
  drop: number,
  criticalP: number | null,
  testLevel: number,
  familySize: number,
): number | null {
  if (!(drop > 0 && drop < 0.5)) return null;
  const target = Math.log((1 - drop) / (1 - 2 * drop));
  let worst: { hw: number; rounds: number } | null = null;
  let canFail = true;
  for (const s of stats) {
    if (!s.interval) continue;
    const decisive = decisiveHalfWidth(s, criticalP);
    const own = (Math.log(s.interval.high) - Math.log(s.interval.low)) / 2;
    const hw = finite(decisive) ? Math.max(own, decisive) : own;
    if (!finite(decisive)) canFail = false;
    if (worst === null || hw > worst.hw) worst = { hw, rounds: s.rounds };
  }
  if (worst === null) return null;
  if (worst.hw <= target && canFail) return null;
  // A family that cannot fail now needs more blocks: at most enough for Bonferroni over its figures.
  const floor = canFail ? minRoundsFor(testLevel) : Math.max(worst.rounds + 1, minRoundsFor(testLevel / familySize));
  return Math.max(Math.ceil(worst.rounds * (worst.hw / target) ** 2), floor);
}
