// Percentile intervals for the USL's σ, κ, N* and peak TPS from a seeded bootstrap: circular
// moving blocks (≈ √L seconds) over each band's per-second series, or residuals when series are
// missing. Pure and deterministic for a given settings.seed.

import { createRandom, type Random } from '../random.js';
import type { AnalysisSettings } from '../config/types.js';
import { PARAMETER_COUNT } from './fit-models.js';
import type { Interval, UslBootstrap } from '../results/types.js';
import { fitUslModel, formatNumber, uslPeak, uslThroughput, type UslParams } from './usl.js';

/** Shortest per-second series that a moving-block bootstrap can resample meaningfully. */
const MIN_SERIES_FOR_BLOCKS = 5;
/** Above this share of failed refits the bootstrap intervals are not reported. */
const MAX_FAILED_FRACTION = 0.2;

export interface UsedPoint {
  band_id: number;
  concurrency: number;
  tps: number;
  series: number[];
  seriesMean: number;
}

/** Block length of the moving-block bootstrap: ≈ √length, at least 1. */
function blockLength(length: number): number {
  return Math.max(1, Math.round(Math.sqrt(length)));
}

/** Mean of one circular moving-block resample of `series`. */
function blockResampleMean(series: readonly number[], random: Random): number {
  const length = series.length;
  const block = blockLength(length);
  let total = 0;
  let taken = 0;
  while (taken < length) {
    // Circular blocks: every second is equally likely to be drawn, so the resampled means are
    // centred on the series mean (plain moving blocks under-sample both ends).
    const start = random.int(length);
    for (let j = 0; j < block && taken < length; j++, taken++) total += series[(start + j) % length]!;
  }
  return total / length;
}

/** Type-7 (linear interpolation) quantile of ascending `sorted`, which may end in +∞. */
function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const lo = sorted[lower]!;
  const hi = sorted[upper]!;
  if (lower === upper || lo === hi) return lo;
  if (!Number.isFinite(hi)) return hi;
  return lo + (hi - lo) * (position - lower);
}

export function percentileInterval(values: number[], level: number): Interval | null {
  if (values.length < 2) return null;
  const sorted = values.slice().sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  const low = quantile(sorted, tail);
  const high = quantile(sorted, 1 - tail);
  if (!Number.isFinite(low) || !Number.isFinite(high)) return null;
  return { low, high, level };
}

export interface BootstrapOutcome {
  sigma: Interval | null;
  kappa: Interval | null;
  peakConcurrency: Interval | null;
  peakTps: Interval | null;
  info: UslBootstrap | null;
  reasons: string[];
  notes: string[];
}

export function bootstrapUsl(points: UsedPoint[], fitted: UslParams, settings: AnalysisSettings): BootstrapOutcome {
  const empty = (reason: string): BootstrapOutcome => ({
    sigma: null,
    kappa: null,
    peakConcurrency: null,
    peakTps: null,
    info: null,
    reasons: [reason],
    notes: [],
  });
  const resamples = Math.floor(settings.bootstrap_resamples);
  const level = settings.confidence;
  if (!(level > 0 && level < 1))
    return empty(`no intervals: the confidence level ${String(level)} is not between 0 and 1`);
  if (!(resamples >= 2)) return empty('no intervals: bootstrap resampling is disabled (bootstrap_resamples < 2)');

  const ns = points.map((p) => p.concurrency);
  const n = points.length;
  const blocks = points.every((p) => p.series.length >= MIN_SERIES_FOR_BLOCKS);
  const notes: string[] = [];
  let method: UslBootstrap['method'];
  let description: string;
  let draw: (random: Random) => number[];

  if (blocks) {
    method = 'moving-block';
    const lengths = points.map((p) => p.series.length);
    description =
      `moving-block bootstrap of each band's per-second TPS series (block length ` +
      `≈ √length, ${Math.min(...lengths)}–${Math.max(...lengths)} s per band), ` +
      `re-fitting the USL to the resampled band means ${resamples} times; percentile intervals`;
    // Shift by (resampled mean − series mean) so each replicate is centred on the band's own TPS.
    // Block resampling of a short mean-centred series understates the variance of its mean by
    // about a factor (1 − b/L); the deviation is scaled back up by √(L/(L−b)).
    const inflation = points.map((p) => {
      const length = p.series.length;
      return Math.sqrt(length / (length - blockLength(length)));
    });
    draw = (random) =>
      points.map((p, i) => p.tps + inflation[i]! * (blockResampleMean(p.series, random) - p.seriesMean));
  } else {
    const k = PARAMETER_COUNT.usl;
    if (n - k < 2) {
      return empty(
        `no intervals: per-second series are missing or shorter than ${MIN_SERIES_FOR_BLOCKS} ` +
          `s, and ${n} points leave too few residuals for a residual bootstrap`,
      );
    }
    method = 'residual';
    const fittedValues = ns.map((c) => uslThroughput(c, fitted));
    const raw = points.map((p, i) => p.tps - fittedValues[i]!);
    const meanResidual = raw.reduce((s, r) => s + r, 0) / n;
    // Centre, and inflate by √(n/(n−k)) because fitted residuals understate the error variance.
    const inflate = Math.sqrt(n / (n - k));
    const residuals = raw.map((r) => (r - meanResidual) * inflate);
    description =
      'residual bootstrap (per-second series missing or shorter ' +
      `than ${MIN_SERIES_FOR_BLOCKS} s in at least one band): ` +
      `${resamples} re-fits to fitted values plus resampled residuals; percentile intervals`;
    notes.push(
      `intervals come from a residual bootstrap over only ${n} points ` +
        'because per-second series were unavailable; they are rough',
    );
    draw = (random) => fittedValues.map((f) => f + residuals[random.int(n)]!);
  }

  const random = createRandom(settings.seed);
  const sigmas: number[] = [];
  const kappas: number[] = [];
  const peakNs: number[] = [];
  const peakXs: number[] = [];
  let failed = 0;
  for (let r = 0; r < resamples; r++) {
    const xs = draw(random);
    // The full-data optimum is an excellent start for a resample; one independent start guards
    // against a resample whose optimum lies in another basin.
    const refit = xs.every(Number.isFinite)
      ? fitUslModel(ns, xs, { extraStarts: [fitted], maxDefaultStarts: 1 })
      : null;
    if (refit === null || !refit.converged) {
      failed++;
      continue;
    }
    sigmas.push(refit.params.sigma);
    kappas.push(refit.params.kappa);
    const peak = uslPeak(refit.params);
    // A resample without a peak (κ = 0 or σ ≥ 1) has its peak at unbounded N: count it as +∞.
    peakNs.push(peak.concurrency ?? Infinity);
    peakXs.push(peak.tps ?? Infinity);
  }

  const failedFraction = failed / resamples;
  const info: UslBootstrap = { method, resamples, failed, failed_fraction: failedFraction, description };
  const reasons: string[] = [];
  if (failed > 0)
    notes.push(
      `${failed} of ${resamples} bootstrap refits failed ` +
        `(${formatNumber(100 * failedFraction)}%) and were left out of the intervals`,
    );
  if (failedFraction > MAX_FAILED_FRACTION) {
    reasons.push(
      `no intervals: ${formatNumber(100 * failedFraction)}% of bootstrap ` +
        `refits failed (more than ${100 * MAX_FAILED_FRACTION}%)`,
    );
    return { sigma: null, kappa: null, peakConcurrency: null, peakTps: null, info, reasons, notes };
  }
  const peakConcurrency = percentileInterval(peakNs, level);
  const peakTps = percentileInterval(peakXs, level);
  const noPeak = peakNs.filter((v) => v === Infinity).length;
  if (noPeak > 0) notes.push(`${noPeak} of ${peakNs.length} resamples have no peak within the model (κ = 0 or σ ≥ 1)`);
  if (peakConcurrency === null && peakNs.length >= 2) {
    reasons.push(
      `the ${formatNumber(100 * level)}% interval for N* and peak TPS is unbounded ` +
        `above: too many resamples (${noPeak} of ${peakNs.length}) have no peak`,
    );
  }
  return {
    sigma: percentileInterval(sigmas, level),
    kappa: percentileInterval(kappas, level),
    peakConcurrency,
    peakTps,
    info,
    reasons,
    notes,
  };
}
