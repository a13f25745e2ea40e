// The curve level of a same-runner A/B run: USL fitted to each side's band means (fitCurves), and a
// paired bootstrap over whole rounds (the same rounds for both sides, fixed seed) for the ratios of
// measured peak TPS and USL N*. Curve figures are reported, never gated: a bootstrap over a handful
// of rounds is too coarse. Pure.

import { percentileInterval } from '../analyze/fit-bootstrap.js';
import { fitCurves, type FitPoint } from '../analyze/fit.js';
import { databaseConcurrency } from '../analyze/laws.js';
import { createRandom } from '../random.js';
import type { CurveFitting, Interval } from '../results/types.js';
import { fitUslModel, uslPeak } from '../analyze/usl.js';
import type { AbAnalysisInput } from './paired-input.js';
import type { AbCurveSection, AbCurveSide, AbPair, Side } from '../results/ab-types.js';
import { mean, MIN_ROUNDS, usable } from './paired-figures.js';
import type { FigureComparison, FigureStatus } from '../results/comparison-types.js';
import { beyondThreshold, withinThreshold } from './verdict.js';
import { pct, ratioText, sig } from './words.js';
import { isFiniteNumber as finite } from '../analyze/stats.js';

/** Paired bootstrap over whole rounds: per side, band means → measured peak and USL N*. */
export function curveSection(input: AbAnalysisInput): AbCurveSection {
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
      return {
        side: {
          peak_tps_measured: null,
          usl: {
            sigma: null,
            kappa: null,
            lambda: null,
            peak_concurrency: null,
            peak_tps: null,
            r_squared: null,
            reason: 'no round with every band measured on both sides',
          },
        },
        fitting: null,
      };
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
        usl: {
          sigma: u.sigma,
          kappa: u.kappa,
          lambda: u.lambda,
          peak_concurrency: u.peak_concurrency,
          peak_tps: u.peak_tps,
          r_squared: u.r_squared,
          reason: u.reason,
        },
      },
      fitting,
    };
  };
  const base = fitSide('base').side;
  const head = fitSide('head').side;
  const level = input.thresholds.confidence;
  const peakRatio =
    finite(base.peak_tps_measured) && finite(head.peak_tps_measured) && base.peak_tps_measured > 0
      ? head.peak_tps_measured / base.peak_tps_measured
      : null;
  const nStarRatio =
    finite(base.usl.peak_concurrency) && finite(head.usl.peak_concurrency) && base.usl.peak_concurrency > 0
      ? head.usl.peak_concurrency / base.usl.peak_concurrency
      : null;
  const method =
    'percentile interval of a paired bootstrap over whole rounds (the ' +
    `same resampled rounds for both sides), seed ${input.settings.seed}`;
  const resamples = Math.max(0, Math.floor(input.settings.bootstrap_resamples));
  if (complete.length < MIN_ROUNDS || resamples < 2) {
    const why =
      complete.length < MIN_ROUNDS
        ? `only ${complete.length} complete round(s); need ≥ ${MIN_ROUNDS} for a bootstrap`
        : 'bootstrap disabled (bootstrap_resamples < 2)';
    return {
      base,
      head,
      peak_tps_ratio: { ratio: peakRatio, interval: null, method, reason: why },
      peak_concurrency_ratio: {
        ratio: nStarRatio,
        interval: null,
        method,
        reason: nStarRatio === null ? 'no USL peak on both sides' : why,
      },
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
  const peakIv = percentileInterval(peaks.filter(finite), level);
  let nStarIv: Interval | null = null;
  let nStarReason: string | null = nStarRatio === null ? 'no USL peak on both sides' : null;
  if (nStarRatio !== null) {
    if (nStars.length >= 0.8 * nStarAttempts && nStars.length >= 2) {
      nStarIv = percentileInterval(nStars.filter(finite), level);
    } else
      nStarReason =
        `only ${nStars.length} of ${nStarAttempts} bootstrap ` + 'refits had a USL peak on both sides; no interval';
  }
  return {
    base,
    head,
    peak_tps_ratio: { ratio: peakRatio, interval: peakIv, method, reason: null },
    peak_concurrency_ratio: { ratio: nStarRatio, interval: nStarIv, method, reason: nStarReason },
    bootstrap: { resamples, usable: complete.length, seed: input.settings.seed },
  };
}

export function curveFigure(
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
  // Four significant digits: TPS 2,611, N* 28.12, κ 0.0005120.
  const values = `base ${sig(baseValue, 4)} → head ${sig(headValue, 4)}`;
  if (!interval || ratio === null) {
    reason = `${label}: ${values}; reported, not judged${why ? ` (${why})` : ''}.`;
  } else {
    const d = threshold;
    const ok = withinThreshold(interval, higher, d);
    const bad = beyondThreshold(interval, higher, d);
    status = ok ? 'pass' : 'inconclusive';
    reason =
      `${label}: ${values}, ratio ${ratio.toFixed(3)}, ` +
      `${Math.round(interval.level * 100)}% bootstrap interval ${ratioText(interval)}` +
      (bad
        ? `, beyond the ${pct(d, 0)} threshold; curve-level A/B figures are informational, the band figures gate.`
        : ok
          ? `, within ${pct(d, 0)}.`
          : `, straddling ${pct(d, 0)}.`);
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
