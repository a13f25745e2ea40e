// Bounded nonlinear least squares: Levenberg–Marquardt with Marquardt scaling and an active set
// for box constraints. Pure and allocation-light; the problems here have ≤ 3 parameters and a
// few dozen observations, so dense normal equations are the right tool.
//
// Bounds: a parameter sitting on a bound whose gradient pushes it outward is frozen for that
// step (removed from the normal equations); every trial point is projected back into the box.
// This is the classic projected-LM scheme — it converges to a KKT point of the bounded problem,
// which is what R's `nls(algorithm = "port")` / `nlxb` return for the USL too.

export interface LeastSquaresProblem {
  /** Number of observations (residuals). */
  m: number;
  /**
   * Fill `residuals` (model − observed) and, when `jacobian` is given, its m × k row-major
   * Jacobian at `params`. Return false when the model is not finite there.
   */
  evaluate(params: readonly number[], residuals: Float64Array, jacobian: Float64Array | null): boolean;
  lower: readonly number[];
  upper: readonly number[];
}

export interface LmOptions {
  maxIterations?: number;
}

export interface LmResult {
  params: number[];
  ssr: number;
  iterations: number;
  /** False when the iteration cap was hit; the parameters are still the best point found. */
  converged: boolean;
  atLower: boolean[];
  atUpper: boolean[];
  /** ∂(½·SSR)/∂p at the solution (Jᵀr), used to tell a binding bound from a touching one. */
  gradient: number[];
}

function clampTo(value: number, lo: number, hi: number): number {
  return value < lo ? lo : value > hi ? hi : value;
}

/** Solves (M) x = b for a symmetric positive definite M (row-major n × n) by Cholesky; null if not SPD. */
export function choleskySolve(matrix: readonly number[], rhs: readonly number[], n: number): number[] | null {
  const l = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(sum > 0) || !Number.isFinite(sum)) return null;
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j]!;
      }
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let sum = rhs[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!;
    y[i] = sum / l[i * n + i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  return x.every(Number.isFinite) ? x : null;
}

function sumOfSquares(values: Float64Array): number {
  let total = 0;
  for (const v of values) total += v * v;
  return total;
}

/**
 * Minimises Σ rᵢ(p)² subject to lower ≤ p ≤ upper, starting from `start` (projected into the box).
 * Returns null only when the model cannot even be evaluated at the start.
 */
export function levenbergMarquardt(
  problem: LeastSquaresProblem,
  start: readonly number[],
  options: LmOptions = {},
): LmResult | null {
  const k = start.length;
  const m = problem.m;
  const maxIterations = options.maxIterations ?? 400;
  const { lower, upper } = problem;

  let params = start.map((v, i) => clampTo(v, lower[i]!, upper[i]!));
  let residuals = new Float64Array(m);
  let jacobian = new Float64Array(m * k);
  if (!problem.evaluate(params, residuals, jacobian)) return null;
  let ssr = sumOfSquares(residuals);
  if (!Number.isFinite(ssr)) return null;

  let trialResiduals = new Float64Array(m);
  let trialJacobian = new Float64Array(m * k);
  let mu = 1e-3;
  let nu = 2;
  let converged = false;
  let iterations = 0;
  const gradient = new Array<number>(k).fill(0);
  const normal = new Array<number>(k * k).fill(0);

  const buildNormalEquations = (): void => {
    for (let a = 0; a < k; a++) {
      let g = 0;
      for (let row = 0; row < m; row++) g += jacobian[row * k + a]! * residuals[row]!;
      gradient[a] = g;
      for (let b = 0; b <= a; b++) {
        let s = 0;
        for (let row = 0; row < m; row++) s += jacobian[row * k + a]! * jacobian[row * k + b]!;
        normal[a * k + b] = s;
        normal[b * k + a] = s;
      }
    }
  };

  buildNormalEquations();

  outer: for (; iterations < maxIterations; iterations++) {
    if (ssr === 0) {
      converged = true;
      break;
    }
    // Active set: a parameter on a bound whose descent direction leaves the box stays put.
    const free: number[] = [];
    for (let i = 0; i < k; i++) {
      const atLo = params[i]! <= lower[i]! && gradient[i]! > 0;
      const atHi = params[i]! >= upper[i]! && gradient[i]! < 0;
      if (!atLo && !atHi) free.push(i);
    }
    if (free.length === 0) {
      converged = true;
      break;
    }
    // Orthogonality test (MINPACK gtol): the residual is orthogonal to every free Jacobian column.
    const residualNorm = Math.sqrt(ssr);
    let worstCosine = 0;
    for (const i of free) {
      const columnNorm = Math.sqrt(normal[i * k + i]!);
      if (columnNorm > 0) worstCosine = Math.max(worstCosine, Math.abs(gradient[i]!) / (columnNorm * residualNorm));
    }
    if (worstCosine <= 1e-12) {
      converged = true;
      break;
    }

    const f = free.length;
    for (;;) {
      const system = new Array<number>(f * f);
      const rhs = new Array<number>(f);
      for (let a = 0; a < f; a++) {
        const ia = free[a]!;
        rhs[a] = -gradient[ia]!;
        for (let b = 0; b < f; b++) system[a * f + b] = normal[ia * k + free[b]!]!;
        const diag = normal[ia * k + ia]!;
        // Marquardt scaling makes the damping invariant to each parameter's units (κ ~ 1e-5, λ ~ 1e3).
        system[a * f + a] = diag + mu * (diag > 0 ? diag : 1);
      }
      const stepFree = choleskySolve(system, rhs, f);
      if (stepFree === null) {
        mu *= nu;
        nu *= 2;
        if (mu > 1e30) {
          converged = true;
          break outer;
        }
        continue;
      }
      const trial = params.slice();
      for (let a = 0; a < f; a++) {
        const i = free[a]!;
        trial[i] = clampTo(params[i]! + stepFree[a]!, lower[i]!, upper[i]!);
      }
      const step = trial.map((v, i) => v - params[i]!);
      const negligible = step.every((d, i) => Math.abs(d) <= 1e-15 * (Math.abs(params[i]!) + 1e-300));
      if (negligible) {
        converged = true;
        break outer;
      }
      if (!problem.evaluate(trial, trialResiduals, trialJacobian)) {
        mu *= nu;
        nu *= 2;
        if (mu > 1e30) {
          converged = true;
          break outer;
        }
        continue;
      }
      const trialSsr = sumOfSquares(trialResiduals);
      // Reduction the linearised model promised for the (projected) step: −(2δᵀg + δᵀAδ).
      let predicted = 0;
      for (let a = 0; a < k; a++) {
        let quad = 0;
        for (let b = 0; b < k; b++) quad += normal[a * k + b]! * step[b]!;
        predicted -= step[a]! * (2 * gradient[a]! + quad);
      }
      if (Number.isFinite(trialSsr) && trialSsr < ssr) {
        const reduction = ssr - trialSsr;
        const rho = predicted > 0 ? reduction / predicted : 1;
        // Nielsen's damping update: shrink μ smoothly when the model predicted the step well.
        mu *= Math.max(1 / 3, 1 - Math.pow(2 * Math.min(rho, 1) - 1, 3));
        nu = 2;
        const swapResiduals = residuals;
        residuals = trialResiduals;
        trialResiduals = swapResiduals;
        const swapJacobian = jacobian;
        jacobian = trialJacobian;
        trialJacobian = swapJacobian;
        params = trial;
        const previous = ssr;
        ssr = trialSsr;
        buildNormalEquations();
        const smallStep = step.every((d, i) => Math.abs(d) <= 1e-10 * (Math.abs(params[i]!) + 1e-12));
        if (reduction <= 1e-15 * previous || (smallStep && reduction <= 1e-12 * previous)) {
          converged = true;
          iterations++;
          break outer;
        }
        break;
      }
      mu *= nu;
      nu *= 2;
      if (mu > 1e30) {
        // No descent is possible any more: we are at a (bounded) stationary point.
        converged = true;
        break outer;
      }
    }
  }

  return {
    params,
    ssr,
    iterations,
    converged,
    atLower: params.map((v, i) => v <= lower[i]!),
    atUpper: params.map((v, i) => v >= upper[i]!),
    gradient: gradient.slice(),
  };
}
