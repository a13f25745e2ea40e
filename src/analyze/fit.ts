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

import { levenbergMarquardt, type LeastSquaresProblem } from './nls.js';
import { createRandom, type Random } from '../random.js';
import type { AnalysisSettings } from '../types.js';
import type { CurveFitting, Interval, ModelFit, ModelName, Prediction, UslBootstrap, UslFit } from './types.js';
import { fitUslModel, formatNumber, uslPeak, uslThroughput, type UslParams } from './usl.js';

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

/** Model order, also the tie-break preference (simplest, most familiar first). */
const MODEL_ORDER: ModelName[] = ['linear', 'logarithmic', 'exponential', 'usl', 'amdahl'];
const PARAMETER_COUNT: Record<ModelName, number> = { linear: 2, logarithmic: 2, exponential: 2, usl: 3, amdahl: 2 };
/** A fit whose RMSE is below this fraction of the largest TPS is exact (SSR = 0 up to rounding). */
const EXACT_RELATIVE_RMSE = 1e-9;
/** Shortest per-second series that a moving-block bootstrap can resample meaningfully. */
const MIN_SERIES_FOR_BLOCKS = 5;
/** Above this share of failed refits the bootstrap intervals are not reported. */
const MAX_FAILED_FRACTION = 0.2;

interface Data {
  ns: number[];
  xs: number[];
  maxN: number;
  scale: number;
}

interface FittedModel {
  fit: ModelFit;
  /** Present when fitted. */
  evaluate: ((n: number) => number) | null;
  ssr: number | null;
  exact: boolean;
}

// ---------------------------------------------------------------------------------------------
// Figures of merit

function figures(model: ModelName, data: Data, evaluate: (n: number) => number): { ssr: number; fit: Omit<ModelFit, 'model' | 'parameters'>; exact: boolean } | null {
  const { ns, xs, scale } = data;
  const n = ns.length;
  const k = PARAMETER_COUNT[model];
  // Sums run on TPS / scale so that huge TPS values cannot overflow the squares; the figures are
  // scaled back (RMSE × scale, ln SSR + 2 ln scale), which is exact algebra, not an approximation.
  let ssrScaled = 0;
  for (let i = 0; i < n; i++) {
    const residual = (xs[i]! - evaluate(ns[i]!)) / scale;
    ssrScaled += residual * residual;
  }
  if (!Number.isFinite(ssrScaled)) return null;
  const mean = xs.reduce((s, x) => s + x / scale, 0) / n;
  let sstScaled = 0;
  for (const x of xs) sstScaled += (x / scale - mean) ** 2;
  const exact = ssrScaled <= n * EXACT_RELATIVE_RMSE ** 2;
  const notes: string[] = [];

  let rSquared: number | null = null;
  // All-equal TPS leaves nothing to explain; rounding makes SST tiny rather than exactly 0.
  if (sstScaled <= n * 1e-24) {
    notes.push('R² is undefined: every band has the same TPS (SST = 0)');
  } else {
    rSquared = exact ? 1 : 1 - ssrScaled / sstScaled;
  }

  let aicc: number | null = null;
  if (n - k - 1 <= 0) {
    notes.push(`AICc is undefined: it needs more points than parameters + 1 (n = ${n}, k = ${k})`);
  } else if (exact) {
    notes.push('AICc is undefined: the model fits every point exactly (SSR = 0, so ln(SSR/n) = −∞)');
  } else {
    aicc = n * (Math.log(ssrScaled / n) + 2 * Math.log(scale)) + 2 * k + (2 * k * (k + 1)) / (n - k - 1);
    if (!Number.isFinite(aicc)) {
      aicc = null;
      notes.push('AICc is not a finite number for this fit');
    }
  }

  const ssr = exact ? 0 : ssrScaled * scale * scale;
  return {
    ssr: Number.isFinite(ssr) ? ssr : Number.MAX_VALUE,
    exact,
    fit: { r_squared: rSquared, rmse: exact ? 0 : scale * Math.sqrt(ssrScaled / n), aicc, reason: null, notes },
  };
}

function notFitted(model: ModelName, reason: string): FittedModel {
  return {
    fit: { model, parameters: {}, r_squared: null, rmse: null, aicc: null, reason, notes: [] },
    evaluate: null,
    ssr: null,
    exact: false,
  };
}

function assemble(model: ModelName, data: Data, parameters: Record<string, number>, evaluate: (n: number) => number, extraNotes: string[] = []): FittedModel {
  if (!Object.values(parameters).every(Number.isFinite)) return notFitted(model, 'the fit produced parameters that are not finite numbers');
  const measured = figures(model, data, evaluate);
  if (measured === null) return notFitted(model, 'the fitted curve is not finite at the measured concurrencies');
  return {
    fit: { model, parameters, ...measured.fit, notes: [...(measured.fit.notes ?? []), ...extraNotes] },
    evaluate,
    ssr: measured.ssr,
    exact: measured.exact,
  };
}

function distinctCount(values: readonly number[]): number {
  return new Set(values).size;
}

// ---------------------------------------------------------------------------------------------
// The five models

/** Ordinary least squares of y on u with an intercept; null when u does not vary. */
function straightLine(us: readonly number[], ys: readonly number[]): { a: number; b: number } | null {
  const n = us.length;
  const uMean = us.reduce((s, u) => s + u, 0) / n;
  const yMean = ys.reduce((s, y) => s + y, 0) / n;
  let suu = 0;
  let suy = 0;
  for (let i = 0; i < n; i++) {
    suu += (us[i]! - uMean) ** 2;
    suy += (us[i]! - uMean) * (ys[i]! - yMean);
  }
  if (!(suu > 0)) return null;
  const a = suy / suu;
  return { a, b: yMean - a * uMean };
}

function fitLinear(data: Data): FittedModel {
  if (distinctCount(data.ns) < 2) return notFitted('linear', 'needs at least two distinct concurrencies');
  const line = straightLine(data.ns, data.xs);
  if (line === null) return notFitted('linear', 'needs at least two distinct concurrencies');
  return assemble('linear', data, { a: line.a, b: line.b }, (n) => line.a * n + line.b);
}

function fitLogarithmic(data: Data): FittedModel {
  if (distinctCount(data.ns) < 2) return notFitted('logarithmic', 'needs at least two distinct concurrencies');
  const line = straightLine(data.ns.map(Math.log), data.xs);
  if (line === null) return notFitted('logarithmic', 'needs at least two distinct concurrencies');
  return assemble('logarithmic', data, { a: line.a, b: line.b }, (n) => line.a * Math.log(n) + line.b);
}

function fitExponential(data: Data): FittedModel {
  const { ns, xs, maxN, scale } = data;
  if (distinctCount(ns) < 2) return notFitted('exponential', 'needs at least two distinct concurrencies');
  // |b| is bounded so that a·e^(b·N) stays finite up to 2× the largest concurrency (e^350 ≈ 1e152).
  const rateLimit = 350 / maxN;
  const m = ns.length;
  const ys = xs.map((x) => x / scale);
  const problem: LeastSquaresProblem = {
    m,
    lower: [0, -rateLimit],
    upper: [Infinity, rateLimit],
    evaluate(p, residuals, jacobian) {
      const a = p[0]!;
      const b = p[1]!;
      for (let i = 0; i < m; i++) {
        const growth = Math.exp(b * ns[i]!);
        const value = a * growth;
        if (!Number.isFinite(value)) return false;
        residuals[i] = value - ys[i]!;
        if (jacobian) {
          jacobian[i * 2] = growth;
          jacobian[i * 2 + 1] = value * ns[i]!;
        }
      }
      return true;
    },
  };
  // Starting points only: the log-linear regression (TPS > 0 here) and a flat curve.
  const starts: number[][] = [];
  const logLine = straightLine(ns, ys.map(Math.log));
  if (logLine !== null) starts.push([Math.exp(logLine.b), Math.max(-rateLimit, Math.min(rateLimit, logLine.a))]);
  starts.push([ys.reduce((s, y) => s + y, 0) / m, 0]);
  let best: ReturnType<typeof levenbergMarquardt> = null;
  for (const start of starts) {
    if (!start.every(Number.isFinite)) continue;
    const result = levenbergMarquardt(problem, start);
    if (result !== null && (best === null || result.ssr < best.ssr)) best = result;
  }
  if (best === null) return notFitted('exponential', 'the exponential curve overflows at the measured concurrencies');
  const a = best.params[0]! * scale;
  const b = best.params[1]!;
  const notes: string[] = [];
  if (best.atLower[1] || best.atUpper[1]) {
    notes.push(`the growth rate b is held at ±${formatNumber(rateLimit)}, the largest that keeps predictions finite up to 2× the largest concurrency`);
  }
  if (!best.converged) notes.push('the fit stopped at the iteration limit before converging');
  return assemble('exponential', data, { a, b }, (n) => a * Math.exp(b * n), notes);
}

interface UslFitted extends FittedModel {
  params: UslParams | null;
  superlinear: boolean;
}

function fitUslFamily(data: Data, amdahl: boolean): UslFitted {
  const model: ModelName = amdahl ? 'amdahl' : 'usl';
  const needed = amdahl ? 2 : 3;
  if (distinctCount(data.ns) < needed) {
    return { ...notFitted(model, `needs at least ${needed} distinct concurrencies`), params: null, superlinear: false };
  }
  const result = fitUslModel(data.ns, data.xs, { amdahl });
  if (result === null) return { ...notFitted(model, 'the least-squares fit failed from every starting point'), params: null, superlinear: false };
  const p = result.params;
  const notes: string[] = [];
  if (result.superlinear) {
    notes.push('σ is held at its lower bound 0: TPS per unit of concurrency grows with N somewhere in the data (superlinear scaling), which σ ≥ 0 cannot describe');
  }
  if (!amdahl && result.kappaAtBound) notes.push('κ is at its lower bound 0: no coherency penalty is visible in the data');
  if (p.sigma >= 1) notes.push('σ is at its upper bound 1: throughput does not grow with concurrency at all');
  if (!result.converged) notes.push('the fit stopped at the iteration limit before converging');
  const parameters: Record<string, number> = amdahl ? { lambda: p.lambda, sigma: p.sigma } : { lambda: p.lambda, sigma: p.sigma, kappa: p.kappa };
  return { ...assemble(model, data, parameters, (n) => uslThroughput(n, p), notes), params: p, superlinear: result.superlinear };
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
          : `no model could be fitted to ${n} point${n === 1 ? '' : 's'} at ${distinct} distinct concurrenc${distinct === 1 ? 'y' : 'ies'} (see each model's reason)`,
    };
  }
  const preference = (a: FittedModel, b: FittedModel): number =>
    PARAMETER_COUNT[a.fit.model] - PARAMETER_COUNT[b.fit.model] || MODEL_ORDER.indexOf(a.fit.model) - MODEL_ORDER.indexOf(b.fit.model);

  // An exact fit with spare degrees of freedom beats any AICc (whose value would be −∞).
  const exact = fitted.filter((m) => m.exact && n - PARAMETER_COUNT[m.fit.model] - 1 > 0).sort(preference);
  if (exact.length > 0) {
    const chosen = exact[0]!;
    const others = exact.slice(1).map((m) => m.fit.model);
    return {
      best: chosen.fit.model,
      reason:
        `${chosen.fit.model} fits every point exactly (SSR = 0, so AICc is −∞ rather than a number)` +
        (others.length > 0 ? `; ${others.join(', ')} also fit exactly, and ${chosen.fit.model} is preferred as the simplest (fewest parameters, then ${MODEL_ORDER.join(' > ')})` : ''),
    };
  }

  const ranked = fitted.filter((m) => m.fit.aicc !== null).sort((a, b) => {
    const diff = a.fit.aicc! - b.fit.aicc!;
    if (Math.abs(diff) > 1e-9 * Math.max(1, Math.abs(a.fit.aicc!))) return diff;
    return preference(a, b);
  });
  const unranked = fitted.filter((m) => m.fit.aicc === null).map((m) => m.fit.model);
  if (ranked.length === 0) {
    return {
      best: null,
      reason: `no model has an AICc with ${n} point${n === 1 ? '' : 's'}: AICc needs more points than parameters + 1 (at least ${PARAMETER_COUNT.linear + 2} for two-parameter models), so no model is preferred`,
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

// ---------------------------------------------------------------------------------------------
// Bootstrap of the USL figures

interface UsedPoint {
  band_id: number;
  concurrency: number;
  tps: number;
  series: number[];
  seriesMean: number;
}

/** Mean of one circular moving-block resample of `series`, block length ≈ √length. */
function blockLength(length: number): number {
  return Math.max(1, Math.round(Math.sqrt(length)));
}

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

function percentileInterval(values: number[], level: number): Interval | null {
  if (values.length < 2) return null;
  const sorted = values.slice().sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  const low = quantile(sorted, tail);
  const high = quantile(sorted, 1 - tail);
  if (!Number.isFinite(low) || !Number.isFinite(high)) return null;
  return { low, high, level };
}

interface BootstrapOutcome {
  sigma: Interval | null;
  kappa: Interval | null;
  peakConcurrency: Interval | null;
  peakTps: Interval | null;
  info: UslBootstrap | null;
  reasons: string[];
  notes: string[];
}

function bootstrapUsl(points: UsedPoint[], fitted: UslParams, settings: AnalysisSettings): BootstrapOutcome {
  const empty = (reason: string): BootstrapOutcome => ({ sigma: null, kappa: null, peakConcurrency: null, peakTps: null, info: null, reasons: [reason], notes: [] });
  const resamples = Math.floor(settings.bootstrap_resamples);
  const level = settings.confidence;
  if (!(level > 0 && level < 1)) return empty(`no intervals: the confidence level ${String(level)} is not between 0 and 1`);
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
      `moving-block bootstrap of each band's per-second TPS series (block length ≈ √length, ${Math.min(...lengths)}–${Math.max(...lengths)} s per band), ` +
      `re-fitting the USL to the resampled band means ${resamples} times; percentile intervals`;
    // Shift by (resampled mean − series mean) so each replicate is centred on the band's own TPS.
    // Block resampling of a short mean-centred series understates the variance of its mean by
    // about a factor (1 − b/L); the deviation is scaled back up by √(L/(L−b)).
    const inflation = points.map((p) => {
      const length = p.series.length;
      return Math.sqrt(length / (length - blockLength(length)));
    });
    draw = (random) => points.map((p, i) => p.tps + inflation[i]! * (blockResampleMean(p.series, random) - p.seriesMean));
  } else {
    const k = PARAMETER_COUNT.usl;
    if (n - k < 2) {
      return empty(`no intervals: per-second series are missing or shorter than ${MIN_SERIES_FOR_BLOCKS} s, and ${n} points leave too few residuals for a residual bootstrap`);
    }
    method = 'residual';
    const fittedValues = ns.map((c) => uslThroughput(c, fitted));
    const raw = points.map((p, i) => p.tps - fittedValues[i]!);
    const meanResidual = raw.reduce((s, r) => s + r, 0) / n;
    // Centre, and inflate by √(n/(n−k)) because fitted residuals understate the error variance.
    const inflate = Math.sqrt(n / (n - k));
    const residuals = raw.map((r) => (r - meanResidual) * inflate);
    description =
      `residual bootstrap (per-second series missing or shorter than ${MIN_SERIES_FOR_BLOCKS} s in at least one band): ` +
      `${resamples} re-fits to fitted values plus resampled residuals; percentile intervals`;
    notes.push(`intervals come from a residual bootstrap over only ${n} points because per-second series were unavailable; they are rough`);
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
    const refit = xs.every(Number.isFinite) ? fitUslModel(ns, xs, { extraStarts: [fitted], maxDefaultStarts: 1 }) : null;
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
  if (failed > 0) notes.push(`${failed} of ${resamples} bootstrap refits failed (${formatNumber(100 * failedFraction)}%) and were left out of the intervals`);
  if (failedFraction > MAX_FAILED_FRACTION) {
    reasons.push(`no intervals: ${formatNumber(100 * failedFraction)}% of bootstrap refits failed (more than ${100 * MAX_FAILED_FRACTION}%)`);
    return { sigma: null, kappa: null, peakConcurrency: null, peakTps: null, info, reasons, notes };
  }
  const peakConcurrency = percentileInterval(peakNs, level);
  const peakTps = percentileInterval(peakXs, level);
  const noPeak = peakNs.filter((v) => v === Infinity).length;
  if (noPeak > 0) notes.push(`${noPeak} of ${peakNs.length} resamples have no peak within the model (κ = 0 or σ ≥ 1)`);
  if (peakConcurrency === null && peakNs.length >= 2) {
    reasons.push(`the ${formatNumber(100 * level)}% interval for N* and peak TPS is unbounded above: too many resamples (${noPeak} of ${peakNs.length}) have no peak`);
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
  if (usl.fit.reason !== null || usl.params === null) return { ...blank, reason: `USL not fitted: ${usl.fit.reason ?? 'no parameters'}` };

  const p = usl.params;
  const reasons: string[] = [];
  const notes: string[] = [...(usl.fit.notes ?? [])];
  if (usl.fit.r_squared === null) reasons.push('R² is undefined: every band has the same TPS');
  const peak = uslPeak(p);
  if (usl.superlinear) {
    // σ pinned at 0 only says the low-concurrency points rise faster than linear; a positive κ still
    // gives the curve a peak, which is then reported (resting on κ alone), not denied.
    if (peak.reason !== null) reasons.push('no peak: the data scale superlinearly, so σ sits at its bound 0 and the USL cannot describe them');
    else notes.push('with σ pinned at 0 the peak N* rests on κ alone; treat it as approximate');
  }
  const distinct = distinctCount(data.ns);
  if (distinct <= PARAMETER_COUNT.usl) {
    notes.push(
      `only ${distinct} distinct concurrencies for the USL's ${PARAMETER_COUNT.usl} parameters: the curve can pass through every concurrency's mean TPS, so the data cannot test its shape, and N* is an interpolation, not a finding`,
    );
  }
  if (data.ns.length > distinct) {
    notes.push(
      `${data.ns.length} bands at ${distinct} distinct concurrencies: bands with the same min(workers, connections) are treated as replicates of one concurrency (extra workers queue in the pool, extra connections sit idle)`,
    );
  }

  let peakConcurrency = peak.concurrency;
  let peakTps = peak.tps;
  const limit = 2 * data.maxN;
  if (peak.reason !== null) {
    if (!usl.superlinear) reasons.push(`no peak: ${peak.reason}`);
  } else if (peakConcurrency !== null && peakConcurrency > limit) {
    reasons.push(
      `no peak reported: the fitted curve would peak at N* ≈ ${formatNumber(peakConcurrency)}, beyond 2× the largest measured concurrency (${formatNumber(limit)}), where the model is not trusted`,
    );
    peakConcurrency = null;
    peakTps = null;
  } else if (peakConcurrency !== null && peakConcurrency < 1) {
    reasons.push(`no peak reported: the fitted curve peaks at N* ≈ ${formatNumber(peakConcurrency)} < 1, i.e. throughput falls from the first unit of concurrency`);
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
  if (fit.peak_concurrency !== null && fit.peak_concurrency_ci === null && boot.reasons.length === 0 && boot.info !== null) {
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
  const usl: UslFitted = noPoints ? { ...notFitted('usl', noPoints), params: null, superlinear: false } : fitUslFamily(data, false);
  const amdahl: UslFitted = noPoints ? { ...notFitted('amdahl', noPoints), params: null, superlinear: false } : fitUslFamily(data, true);
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
