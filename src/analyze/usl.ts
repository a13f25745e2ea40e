// The Universal Scalability Law, X(N) = λN / (1 + σ(N−1) + κN(N−1)), and Amdahl's law (κ = 0),
// fitted by bounded nonlinear least squares in throughput space (no log or reciprocal transform,
// which would reweight the errors). Bounds follow R's `usl` package: λ ≥ 0, 0 ≤ σ ≤ 1, κ ≥ 0.

import { levenbergMarquardt, type LeastSquaresProblem } from './nls.js';

export interface UslParams {
  lambda: number;
  sigma: number;
  kappa: number;
}

export interface UslModelFit {
  params: UslParams;
  ssr: number;
  converged: boolean;
  /** σ is held at 0 by its bound while the data pull it lower: throughput per unit of N grows. */
  superlinear: boolean;
  /** κ is held at 0 by its bound (no coherency term: no peak within the model). */
  kappaAtBound: boolean;
}

export const SIGMA_MAX = 1;

export function uslThroughput(n: number, p: UslParams): number {
  return (p.lambda * n) / (1 + p.sigma * (n - 1) + p.kappa * n * (n - 1));
}

/** Peak of the USL curve, N* = √((1−σ)/κ), or null with the reason the model has no peak. */
export function uslPeak(p: UslParams): { concurrency: number | null; tps: number | null; reason: string | null } {
  if (!(p.kappa > 0)) {
    return {
      concurrency: null,
      tps: null,
      reason:
        p.sigma > 0
          ? 'κ = 0: no coherency penalty, so throughput rises monotonically ' +
            `towards λ/σ = ${formatNumber(p.lambda / p.sigma)} and never peaks`
          : 'σ = κ = 0: the fitted curve is linear and never peaks',
    };
  }
  if (p.sigma >= 1) {
    return {
      concurrency: null,
      tps: null,
      reason:
        `σ = ${formatNumber(p.sigma)} ≥ 1: throughput never rises ` +
        'above its single-client value, so there is no peak',
    };
  }
  const concurrency = Math.sqrt((1 - p.sigma) / p.kappa);
  const tps = uslThroughput(concurrency, p);
  if (!Number.isFinite(concurrency) || !Number.isFinite(tps)) {
    return { concurrency: null, tps: null, reason: 'the peak of the fitted curve is not a finite number' };
  }
  return { concurrency, tps, reason: null };
}

export function formatNumber(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) return value.toExponential(3);
  return Number(value.toPrecision(4)).toString();
}

/**
 * Least-squares σ (and κ) for a fixed λ from the linearised form λN/X − 1 = σ(N−1) + κN(N−1),
 * clamped to the bounds. Used only for starting points, never as the answer.
 */
function linearisedStart(ns: readonly number[], xs: readonly number[], lambda: number, amdahl: boolean): UslParams {
  let s11 = 0;
  let s12 = 0;
  let s22 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let i = 0; i < ns.length; i++) {
    const n = ns[i]!;
    const x = xs[i]!;
    if (!(x > 0)) continue;
    const z = (lambda * n) / x - 1;
    const u = n - 1;
    const v = n * (n - 1);
    s11 += u * u;
    s12 += u * v;
    s22 += v * v;
    b1 += u * z;
    b2 += v * z;
  }
  const oneVariableSigma = s11 > 0 ? b1 / s11 : 0;
  if (amdahl) return { lambda, sigma: clamp(oneVariableSigma, 0, SIGMA_MAX), kappa: 0 };
  const det = s11 * s22 - s12 * s12;
  let sigma = 0;
  let kappa = 0;
  if (det > 1e-12 * s11 * s22 && det > 0) {
    sigma = (b1 * s22 - b2 * s12) / det;
    kappa = (s11 * b2 - s12 * b1) / det;
  }
  if (!(sigma >= 0 && kappa >= 0)) {
    // The unconstrained solution left the feasible region: try each single-term fit.
    const kappaOnly = s22 > 0 ? Math.max(0, b2 / s22) : 0;
    const sigmaOnly = Math.max(0, oneVariableSigma);
    const costOf = (sg: number, kp: number): number =>
      sg * sg * s11 + 2 * sg * kp * s12 + kp * kp * s22 - 2 * (sg * b1 + kp * b2);
    if (costOf(sigmaOnly, 0) <= costOf(0, kappaOnly)) {
      sigma = sigmaOnly;
      kappa = 0;
    } else {
      sigma = 0;
      kappa = kappaOnly;
    }
  }
  return { lambda, sigma: clamp(sigma, 0, SIGMA_MAX), kappa: Math.max(0, kappa) };
}

function clamp(value: number, lo: number, hi: number): number {
  return Number.isFinite(value) ? Math.min(hi, Math.max(lo, value)) : lo;
}

/** Starting points: λ from the smallest-N throughput per unit and from the best per-unit throughput. */
export function uslStartingPoints(ns: readonly number[], xs: readonly number[], amdahl: boolean): UslParams[] {
  const minN = Math.min(...ns);
  let sumAtMin = 0;
  let countAtMin = 0;
  let bestPerUnit = 0;
  for (let i = 0; i < ns.length; i++) {
    if (ns[i] === minN) {
      sumAtMin += xs[i]!;
      countAtMin++;
    }
    bestPerUnit = Math.max(bestPerUnit, xs[i]! / ns[i]!);
  }
  const lambdaAtMin = countAtMin > 0 ? sumAtMin / countAtMin / minN : bestPerUnit;
  const lambdas = [lambdaAtMin, bestPerUnit, 1.5 * bestPerUnit].filter((v) => v > 0 && Number.isFinite(v));
  const starts: UslParams[] = [];
  for (const lambda of lambdas) starts.push(linearisedStart(ns, xs, lambda, amdahl));
  if (lambdas.length > 0) {
    starts.push({ lambda: lambdas[0]!, sigma: 0, kappa: 0 });
    starts.push({ lambda: lambdas[0]!, sigma: 0.1, kappa: amdahl ? 0 : 1e-4 });
  }
  return starts;
}

/**
 * Fits the USL (or Amdahl when `amdahl`) to (N, X) by bounded LM from several starting points and
 * keeps the lowest SSR. `extraStarts` (e.g. the full-data solution inside a bootstrap) go first;
 * `maxDefaultStarts` trims the built-in starting points when a good extra start is known.
 */
export function fitUslModel(
  ns: readonly number[],
  xs: readonly number[],
  options: { amdahl?: boolean; extraStarts?: UslParams[]; maxDefaultStarts?: number } = {},
): UslModelFit | null {
  const amdahl = options.amdahl ?? false;
  const m = ns.length;
  if (m === 0) return null;
  // Work on X / scale so the SSR is O(1) whatever the TPS magnitude; λ is rescaled at the end.
  const scale = Math.max(...xs.map(Math.abs));
  if (!(scale > 0) || !Number.isFinite(scale)) return null;
  const ys = xs.map((x) => x / scale);

  const k = amdahl ? 2 : 3;
  const problem: LeastSquaresProblem = {
    m,
    lower: amdahl ? [0, 0] : [0, 0, 0],
    upper: amdahl ? [Infinity, SIGMA_MAX] : [Infinity, SIGMA_MAX, Infinity],
    evaluate(p, residuals, jacobian) {
      const lambda = p[0]!;
      const sigma = p[1]!;
      const kappa = amdahl ? 0 : p[2]!;
      for (let i = 0; i < m; i++) {
        const n = ns[i]!;
        const denominator = 1 + sigma * (n - 1) + kappa * n * (n - 1);
        if (!(denominator > 0) || !Number.isFinite(denominator)) return false;
        const value = (lambda * n) / denominator;
        residuals[i] = value - ys[i]!;
        if (jacobian) {
          jacobian[i * k] = n / denominator;
          const common = -value / denominator;
          jacobian[i * k + 1] = common * (n - 1);
          if (!amdahl) jacobian[i * k + 2] = common * n * (n - 1);
        }
      }
      return true;
    },
  };

  const scaled = (p: UslParams): number[] =>
    amdahl ? [p.lambda / scale, p.sigma] : [p.lambda / scale, p.sigma, p.kappa];
  const starts: number[][] = (options.extraStarts ?? []).map(scaled);
  for (const s of uslStartingPoints(ns, xs, amdahl).slice(0, options.maxDefaultStarts ?? Infinity))
    starts.push(scaled(s));

  let best: ReturnType<typeof levenbergMarquardt> = null;
  for (const start of starts) {
    if (!start.every(Number.isFinite)) continue;
    const result = levenbergMarquardt(problem, start);
    if (result === null || !Number.isFinite(result.ssr)) continue;
    if (
      best === null ||
      result.ssr < best.ssr * (1 - 1e-12) ||
      (result.ssr <= best.ssr && result.converged && !best.converged)
    )
      best = result;
  }
  if (best === null) return null;

  const params: UslParams = {
    lambda: best.params[0]! * scale,
    sigma: best.params[1]!,
    kappa: amdahl ? 0 : best.params[2]!,
  };
  if (!Object.values(params).every(Number.isFinite)) return null;
  return {
    params,
    ssr: best.ssr * scale * scale,
    converged: best.converged,
    superlinear: best.atLower[1] === true && best.gradient[1]! > 0,
    kappaAtBound: amdahl || best.atLower[2] === true,
  };
}
