// The five curves that fitCurves fits to TPS against concurrency N, and the figures of merit
// that rank them (see fit.ts for the models, the methods and the choice between them).

import { levenbergMarquardt, type LeastSquaresProblem } from './nls.js';
import type { ModelFit, ModelName } from '../results/types.js';
import { fitUslModel, formatNumber, uslThroughput, type UslParams } from './usl.js';

/** Model order, also the tie-break preference (simplest, most familiar first). */
export const MODEL_ORDER: ModelName[] = ['linear', 'logarithmic', 'exponential', 'usl', 'amdahl'];
export const PARAMETER_COUNT: Record<ModelName, number> = {
  linear: 2,
  logarithmic: 2,
  exponential: 2,
  usl: 3,
  amdahl: 2,
};
/** A fit whose RMSE is below this fraction of the largest TPS is exact (SSR = 0 up to rounding). */
const EXACT_RELATIVE_RMSE = 1e-9;

export interface Data {
  ns: number[];
  xs: number[];
  maxN: number;
  scale: number;
}

export interface FittedModel {
  fit: ModelFit;
  /** Present when fitted. */
  evaluate: ((n: number) => number) | null;
  ssr: number | null;
  exact: boolean;
}

// ---------------------------------------------------------------------------------------------
// Figures of merit

function figures(
  model: ModelName,
  data: Data,
  evaluate: (n: number) => number,
): { ssr: number; fit: Omit<ModelFit, 'model' | 'parameters'>; exact: boolean } | null {
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

export function notFitted(model: ModelName, reason: string): FittedModel {
  return {
    fit: { model, parameters: {}, r_squared: null, rmse: null, aicc: null, reason, notes: [] },
    evaluate: null,
    ssr: null,
    exact: false,
  };
}

function assemble(
  model: ModelName,
  data: Data,
  parameters: Record<string, number>,
  evaluate: (n: number) => number,
  extraNotes: string[] = [],
): FittedModel {
  if (!Object.values(parameters).every(Number.isFinite))
    return notFitted(model, 'the fit produced parameters that are not finite numbers');
  const measured = figures(model, data, evaluate);
  if (measured === null) return notFitted(model, 'the fitted curve is not finite at the measured concurrencies');
  return {
    fit: { model, parameters, ...measured.fit, notes: [...(measured.fit.notes ?? []), ...extraNotes] },
    evaluate,
    ssr: measured.ssr,
    exact: measured.exact,
  };
}

export function distinctCount(values: readonly number[]): number {
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

export function fitLinear(data: Data): FittedModel {
  if (distinctCount(data.ns) < 2) return notFitted('linear', 'needs at least two distinct concurrencies');
  const line = straightLine(data.ns, data.xs);
  if (line === null) return notFitted('linear', 'needs at least two distinct concurrencies');
  return assemble('linear', data, { a: line.a, b: line.b }, (n) => line.a * n + line.b);
}

export function fitLogarithmic(data: Data): FittedModel {
  if (distinctCount(data.ns) < 2) return notFitted('logarithmic', 'needs at least two distinct concurrencies');
  const line = straightLine(data.ns.map(Math.log), data.xs);
  if (line === null) return notFitted('logarithmic', 'needs at least two distinct concurrencies');
  return assemble('logarithmic', data, { a: line.a, b: line.b }, (n) => line.a * Math.log(n) + line.b);
}

export function fitExponential(data: Data): FittedModel {
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
    notes.push(
      `the growth rate b is held at ±${formatNumber(rateLimit)}, the largest ` +
        'that keeps predictions finite up to 2× the largest concurrency',
    );
  }
  if (!best.converged) notes.push('the fit stopped at the iteration limit before converging');
  return assemble('exponential', data, { a, b }, (n) => a * Math.exp(b * n), notes);
}

export interface UslFitted extends FittedModel {
  params: UslParams | null;
  superlinear: boolean;
}

export function fitUslFamily(data: Data, amdahl: boolean): UslFitted {
  const model: ModelName = amdahl ? 'amdahl' : 'usl';
  const needed = amdahl ? 2 : 3;
  if (distinctCount(data.ns) < needed) {
    return { ...notFitted(model, `needs at least ${needed} distinct concurrencies`), params: null, superlinear: false };
  }
  const result = fitUslModel(data.ns, data.xs, { amdahl });
  if (result === null)
    return {
      ...notFitted(model, 'the least-squares fit failed from every starting point'),
      params: null,
      superlinear: false,
    };
  const p = result.params;
  const notes: string[] = [];
  if (result.superlinear) {
    notes.push(
      'σ is held at its lower bound 0: TPS per unit of concurrency grows with N ' +
        'somewhere in the data (superlinear scaling), which σ ≥ 0 cannot describe',
    );
  }
  if (!amdahl && result.kappaAtBound)
    notes.push('κ is at its lower bound 0: no coherency penalty is visible in the data');
  if (p.sigma >= 1) notes.push('σ is at its upper bound 1: throughput does not grow with concurrency at all');
  if (!result.converged) notes.push('the fit stopped at the iteration limit before converging');
  const parameters: Record<string, number> = amdahl
    ? { lambda: p.lambda, sigma: p.sigma }
    : { lambda: p.lambda, sigma: p.sigma, kappa: p.kappa };
  return {
    ...assemble(model, data, parameters, (n) => uslThroughput(n, p), notes),
    params: p,
    superlinear: result.superlinear,
  };
}
