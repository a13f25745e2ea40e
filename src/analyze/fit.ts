// Curve fitting of throughput against concurrency N (the caller passes N = min(workers,
// connections), the concurrency the database actually sees). Five models, all fitted by least
// squares in TPS space (never on log-transformed TPS, which would reweight the errors):
//   linear       TPS = a·N + b            (closed-form least squares)
//   logarithmic  TPS = a·ln(N) + b        (closed-form least squares)
//   exponential  TPS = a·e^(b·N)          (bounded Levenberg–Marquardt)
//   usl          X = λN / (1 + σ(N−1) + κN(N−1)), λ ≥ 0, 0 ≤ σ ≤ 1, κ ≥ 0  (bounded LM, multi-start)
//   amdahl       the USL with κ = 0
// Each gets R² = 1 − SSR/SST, RMSE = √(SSR/n) and AICc = n·ln(SSR/n) + 2k + 2k(k+1)/(n−k−1), where k
// counts the curve's parameters (2, or 3 for the USL). The best model is the lowest AICc; an exact
// fit (SSR = 0 up to rounding, with n > k + 1) wins outright, simplest first. The USL's σ, κ, N* and
// peak TPS get percentile intervals from a seeded bootstrap: circular moving blocks (≈ √L seconds)
// over each band's per-second series, or residuals when series are missing. N* and peak TPS are
// withheld beyond 2× the largest measured concurrency, like every prediction.
// Pure: no clock, no I/O, deterministic for a given settings.seed.

import type { AnalysisSettings } from '../config/types.js';
import { bootstrapUsl, type UsedPoint } from './fit-bootstrap.js';
import {
  MODEL_ORDER,
  PARAMETER_COUNT,
  distinctCount,
  fitExponential,
  fitLinear,
  fitLogarithmic,
  fitUslFamily,
  notFitted,
  type Data,
  type FittedModel,
  type UslFitted,
} from './fit-models.js';
import type { CurveFitting, ModelName, Prediction, UslFit } from '../results/types.js';
import { formatNumber, uslPeak } from './usl.js';

export interface FitPoint {
  band_id: number;
  /** min(workers, connections). */
  concurrency: number;
  /** Mean TPS of the band. */
  tps: number;
  /** Committed transactions per whole second of the measured window (may be empty). */
  tps_series: number[];
  /** Non-null when the band must not be fitted (client-bound, failed, zero TPS). */
  excluded_reason: string | null;
}

// ---------------------------------------------------------------------------------------------
// Model choice

function chooseBest(models: FittedModel[], n: number, distinct: number): { best: ModelName | null; reason: string } {
  const fitted = models.filter((m) => m.fit.reason === null);
  if (fitted.length === 0) {
    return {
      best: null,
      reason:
        n === 0
          ? 'no model could be fitted: there are no usable points'
          : `no model could be fitted to ${n} point${n === 1 ? '' : 's'} at ${distinct} ` +
            `distinct concurrenc${distinct === 1 ? 'y' : 'ies'} (see each model's reason)`,
    };
  }
  const preference = (a: FittedModel, b: FittedModel): number =>
    PARAMETER_COUNT[a.fit.model] - PARAMETER_COUNT[b.fit.model] ||
    MODEL_ORDER.indexOf(a.fit.model) - MODEL_ORDER.indexOf(b.fit.model);

  // An exact fit with spare degrees of freedom beats any AICc (whose value would be −∞).
  const exact = fitted.filter((m) => m.exact && n - PARAMETER_COUNT[m.fit.model] - 1 > 0).sort(preference);
  if (exact.length > 0) {
    const chosen = exact[0]!;
    const others = exact.slice(1).map((m) => m.fit.model);
    return {
      best: chosen.fit.model,
      reason:
        `${chosen.fit.model} fits every point exactly (SSR = 0, so AICc is −∞ rather than a number)` +
        (others.length > 0
          ? `; ${others.join(', ')} also fit exactly, and ${chosen.fit.model} is preferred ` +
            `as the simplest (fewest parameters, then ${MODEL_ORDER.join(' > ')})`
          : ''),
    };
  }

  const ranked = fitted
    .filter((m) => m.fit.aicc !== null)
    .sort((a, b) => {
      const diff = a.fit.aicc! - b.fit.aicc!;
      if (Math.abs(diff) > 1e-9 * Math.max(1, Math.abs(a.fit.aicc!))) return diff;
      return preference(a, b);
    });
  const unranked = fitted.filter((m) => m.fit.aicc === null).map((m) => m.fit.model);
  if (ranked.length === 0) {
    return {
      best: null,
      reason:
        `no model has an AICc with ${n} point${n === 1 ? '' : 's'}: AICc needs more points than parameters ` +
        `+ 1 (at least ${PARAMETER_COUNT.linear + 2} for two-parameter models), so no model is preferred`,
    };
  }
  const chosen = ranked[0]!;
  let reason = `${chosen.fit.model} has the lowest AICc (${formatNumber(chosen.fit.aicc!)})`;
  const runnerUp = ranked[1];
  if (runnerUp !== undefined) {
    const delta = runnerUp.fit.aicc! - chosen.fit.aicc!;
    reason += `; next is ${runnerUp.fit.model} (${formatNumber(runnerUp.fit.aicc!)}, ΔAICc = ${formatNumber(delta)})`;
    if (delta <= 1e-9 * Math.max(1, Math.abs(chosen.fit.aicc!))) {
      reason += `: a tie, broken in favour of fewer parameters, then the order ${MODEL_ORDER.join(' > ')}`;
    } else if (delta < 2) {
      reason += ': under 2, so the data barely distinguish the two';
    }
  }
  if (unranked.length > 0) reason += `; not ranked (AICc undefined): ${unranked.join(', ')}`;
  return { best: chosen.fit.model, reason };
}

/** A USL fit with every figure unknown, for the reason given. */
export function emptyUslFit(reason: string | null): UslFit {
  return {
    sigma: null,
    kappa: null,
    lambda: null,
    peak_concurrency: null,
    peak_tps: null,
    r_squared: null,
    sigma_ci: null,
    kappa_ci: null,
    peak_concurrency_ci: null,
    peak_tps_ci: null,
    reason,
    superlinear: false,
    notes: [],
    bootstrap: null,
  };
}

function describeUsl(usl: UslFitted, used: UsedPoint[], data: Data, settings: AnalysisSettings): UslFit {
  const blank = emptyUslFit(null);
  if (usl.fit.reason !== null || usl.params === null)
    return { ...blank, reason: `USL not fitted: ${usl.fit.reason ?? 'no parameters'}` };

  const p = usl.params;
  const reasons: string[] = [];
  const notes: string[] = [...(usl.fit.notes ?? [])];
  if (usl.fit.r_squared === null) reasons.push('R² is undefined: every band has the same TPS');
  const peak = uslPeak(p);
  if (usl.superlinear) {
    // σ pinned at 0 only says the low-concurrency points rise faster than linear; a positive κ still
    // gives the curve a peak, which is then reported (resting on κ alone), not denied.
    if (peak.reason !== null)
      reasons.push('no peak: the data scale superlinearly, so σ sits at its bound 0 and the USL cannot describe them');
    else notes.push('with σ pinned at 0 the peak N* rests on κ alone; treat it as approximate');
  }
  const distinct = distinctCount(data.ns);
  if (distinct <= PARAMETER_COUNT.usl) {
    notes.push(
      `only ${distinct} distinct concurrencies for the USL's ${PARAMETER_COUNT.usl} ` +
        `parameters: the curve can pass through every concurrency's mean TPS, so the ` +
        'data cannot test its shape, and N* is an interpolation, not a finding',
    );
  }
  if (data.ns.length > distinct) {
    notes.push(
      `${data.ns.length} bands at ${distinct} distinct concurrencies: bands with ` +
        'the same min(workers, connections) are treated as replicates of one ' +
        'concurrency (extra workers queue in the pool, extra connections sit idle)',
    );
  }

  let peakConcurrency = peak.concurrency;
  let peakTps = peak.tps;
  const limit = 2 * data.maxN;
  if (peak.reason !== null) {
    if (!usl.superlinear) reasons.push(`no peak: ${peak.reason}`);
  } else if (peakConcurrency !== null && peakConcurrency > limit) {
    reasons.push(
      `no peak reported: the fitted curve would peak at N* ≈ ${formatNumber(peakConcurrency)}, beyond ` +
        `2× the largest measured concurrency (${formatNumber(limit)}), where the model is not trusted`,
    );
    peakConcurrency = null;
    peakTps = null;
  } else if (peakConcurrency !== null && peakConcurrency < 1) {
    reasons.push(
      `no peak reported: the fitted curve peaks at N* ≈ ${formatNumber(peakConcurrency)} ` +
        '< 1, i.e. throughput falls from the first unit of concurrency',
    );
    peakConcurrency = null;
    peakTps = null;
  }

  const boot = bootstrapUsl(used, p, settings);
  reasons.push(...boot.reasons);
  notes.push(...boot.notes);
  const fit: UslFit = {
    sigma: p.sigma,
    kappa: p.kappa,
    lambda: p.lambda,
    peak_concurrency: peakConcurrency,
    peak_tps: peakTps,
    r_squared: usl.fit.r_squared,
    sigma_ci: boot.sigma,
    kappa_ci: boot.kappa,
    peak_concurrency_ci: peakConcurrency === null ? null : boot.peakConcurrency,
    peak_tps_ci: peakTps === null ? null : boot.peakTps,
    reason: null,
    superlinear: usl.superlinear,
    notes,
    bootstrap: boot.info,
  };
  if (
    fit.peak_concurrency !== null &&
    fit.peak_concurrency_ci === null &&
    boot.reasons.length === 0 &&
    boot.info !== null
  ) {
    reasons.push('no interval for N* and peak TPS: too few successful resamples');
  }
  fit.reason = reasons.length > 0 ? reasons.join('; ') : null;
  return fit;
}

// ---------------------------------------------------------------------------------------------
// Predictions

/** 1, then a round step up to 2× the largest measured concurrency (inclusive, never beyond). */
export function predictionGrid(maxConcurrency: number): number[] {
  const limit = 2 * maxConcurrency;
  if (!(limit >= 1) || !Number.isFinite(limit)) return [];
  const target = limit / 48;
  let step = 1;
  if (target > 1) {
    const power = Math.pow(10, Math.floor(Math.log10(target)));
    step = [1, 2, 5, 10].map((f) => f * power).find((s) => s >= target) ?? 10 * power;
  }
  const grid = [1];
  for (let value = step; value <= limit + 1e-9; value += step) if (value > 1) grid.push(value);
  if (grid[grid.length - 1]! < limit) grid.push(limit);
  return grid;
}

function predict(model: FittedModel, grid: number[]): Prediction[] {
  if (model.evaluate === null) return [];
  const predictions: Prediction[] = [];
  for (const concurrency of grid) {
    const value = model.evaluate(concurrency);
    // TPS cannot be negative; a straight line extrapolated below its root is clamped to 0.
    if (Number.isFinite(value)) predictions.push({ concurrency, tps: Math.max(0, value), model: model.fit.model });
  }
  return predictions;
}

// ---------------------------------------------------------------------------------------------

function exclusionReason(point: FitPoint): string | null {
  if (point.excluded_reason !== null && point.excluded_reason !== undefined) return point.excluded_reason;
  if (!Number.isFinite(point.concurrency) || !(point.concurrency > 0)) return 'concurrency is not a positive number';
  if (!Number.isFinite(point.tps)) return 'TPS is not a finite number';
  if (!(point.tps > 0)) return 'zero TPS';
  return null;
}

/** Fits every model to the usable points; see the header comment for the models and methods. */
export function fitCurves(points: FitPoint[], settings: AnalysisSettings): CurveFitting {
  const excluded: CurveFitting['excluded'] = [];
  const used: UsedPoint[] = [];
  for (const point of points) {
    const reason = exclusionReason(point);
    if (reason !== null) {
      excluded.push({ band_id: point.band_id, reason });
      continue;
    }
    const series = (point.tps_series ?? []).filter((v) => Number.isFinite(v));
    const seriesMean = series.length > 0 ? series.reduce((s, v) => s + v, 0) / series.length : point.tps;
    used.push({ band_id: point.band_id, concurrency: point.concurrency, tps: point.tps, series, seriesMean });
  }

  const data: Data = {
    ns: used.map((p) => p.concurrency),
    xs: used.map((p) => p.tps),
    maxN: used.length > 0 ? Math.max(...used.map((p) => p.concurrency)) : 0,
    scale: used.length > 0 ? Math.max(...used.map((p) => p.tps)) : 0,
  };

  const noPoints = used.length === 0 ? 'no usable points (every band was excluded or there were none)' : null;
  const linear = noPoints ? notFitted('linear', noPoints) : fitLinear(data);
  const logarithmic = noPoints ? notFitted('logarithmic', noPoints) : fitLogarithmic(data);
  const exponential = noPoints ? notFitted('exponential', noPoints) : fitExponential(data);
  const usl: UslFitted = noPoints
    ? { ...notFitted('usl', noPoints), params: null, superlinear: false }
    : fitUslFamily(data, false);
  const amdahl: UslFitted = noPoints
    ? { ...notFitted('amdahl', noPoints), params: null, superlinear: false }
    : fitUslFamily(data, true);
  const all: FittedModel[] = [linear, logarithmic, exponential, usl, amdahl];

  const { best, reason } = chooseBest(all, used.length, distinctCount(data.ns));
  const grid = predictionGrid(data.maxN);
  const predictions: Prediction[] = [];
  const bestModel = all.find((m) => m.fit.model === best);
  if (bestModel !== undefined) predictions.push(...predict(bestModel, grid));
  if (best !== 'usl') predictions.push(...predict(usl, grid));

  return {
    axis: 'concurrency',
    points_used: used.length,
    excluded,
    models: all.map((m) => m.fit),
    best_model: best,
    best_model_reason: reason,
    usl: describeUsl(usl, used, data, settings),
    predictions,
  };
}
