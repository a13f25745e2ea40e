// Distribution functions and interval estimates used across the analysis.
// simple-statistics supplies log-gamma; it has no Student t inverse, and its probit is only
// accurate to ~3e-3 (1.957 for 0.975), so both quantiles are implemented here.

import { gammaln, sampleStandardDeviation } from 'simple-statistics';

/**
 * Standard normal quantile Φ⁻¹(p), Acklam's rational approximation (relative error < 1.2e-9).
 * Source: P. J. Acklam, "An algorithm for computing the inverse normal cumulative distribution function".
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - pLow) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/** Continued fraction for the incomplete beta (modified Lentz; Numerical Recipes §6.4). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b), for 0 ≤ x ≤ 1 and a, b > 0. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = gammaln(a + b) - gammaln(a) - gammaln(b) + a * Math.log(x) + b * Math.log(1 - x);
  // The continued fraction converges fast only for x < (a+1)/(a+b+2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

/** Standard normal CDF through erfc's Chebyshev fit (Numerical Recipes erfcc, relative error < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Student t CDF with df > 0 degrees of freedom (df = Infinity gives the normal). */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`studentTCdf: df must be > 0, got ${df}`);
  if (!Number.isFinite(df) || df > 1e7) return normalCdf(t);
  if (t === 0) return 0.5;
  const tail = regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5) / 2;
  return t > 0 ? 1 - tail : tail;
}

/**
 * Student t quantile: the x with P(T ≤ x) = p for df degrees of freedom (df may be fractional,
 * as Welch–Satterthwaite produces). Bisection on the CDF, so it is monotone and deterministic.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`studentTQuantile: df must be > 0, got ${df}`);
  if (!Number.isFinite(df) || df > 1e7) return normalQuantile(p);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = Math.max(1, normalQuantile(p));
  while (studentTCdf(hi, df) < p) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return hi;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Two-sided critical value for a confidence level: t_{(1+level)/2, df}. */
export function tCritical(confidence: number, df: number): number {
  return studentTQuantile((1 + confidence) / 2, df);
}

/** Two-sided p-value of a t statistic. */
export function twoSidedPValue(tStat: number, df: number): number {
  if (!Number.isFinite(tStat)) return 0;
  return Math.min(1, 2 * (1 - studentTCdf(Math.abs(tStat), df)));
}

/** A mean with its standard error and the degrees of freedom behind that error. */
export interface MeanEstimate {
  mean: number;
  se: number;
  df: number;
}

export interface BatchMeansResult {
  estimate: MeanEstimate | null;
  batches_used: number;
  batch_size: number;
  batch_means: number[];
  reason: string | null;
}

/**
 * Non-overlapping batch means (Law & Kelton, Simulation Modeling and Analysis, §9.5.3).
 * Per-second samples are autocorrelated; means of long enough batches are nearly independent,
 * so the spread of the batch means gives an honest standard error with (k − 1) degrees of freedom.
 * k = min(requested, ⌊n/2⌋) so that each batch spans at least two seconds; fewer than 2 batches
 * gives no estimate. The first n mod k samples (nearest the warm-up) are dropped to keep batches equal.
 */
export function batchMeans(series: readonly number[], requestedBatches: number): BatchMeansResult {
  const clean = series.filter((v) => Number.isFinite(v));
  const n = clean.length;
  const k = Math.min(Math.max(2, Math.floor(requestedBatches)), Math.floor(n / 2));
  if (k < 2) {
    return {
      estimate: null,
      batches_used: 0,
      batch_size: 0,
      batch_means: [],
      reason:
        n === 0
          ? 'no per-second samples'
          : `only ${n} per-second sample${n === 1 ? '' : 's'}; at least 4 are needed for 2 batches of 2 s`,
    };
  }
  const m = Math.floor(n / k);
  const offset = n - m * k;
  const means: number[] = [];
  for (let b = 0; b < k; b++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += clean[offset + b * m + i] as number;
    means.push(s / m);
  }
  const grand = means.reduce((s, v) => s + v, 0) / k;
  const sd = sampleStandardDeviation(means);
  return {
    estimate: { mean: grand, se: sd / Math.sqrt(k), df: k - 1 },
    batches_used: k,
    batch_size: m,
    batch_means: means,
    reason: null,
  };
}

/** Difference of two independent means: standard error and Welch–Satterthwaite degrees of freedom. */
export function combineErrors(parts: { coefficient: number; se: number; df: number }[]): { se: number; df: number } {
  let variance = 0;
  let denominator = 0;
  let minDf = Infinity;
  for (const p of parts) {
    const v = p.coefficient * p.coefficient * p.se * p.se;
    variance += v;
    denominator += (v * v) / p.df;
    minDf = Math.min(minDf, p.df);
  }
  // All-zero errors (a constant series) leave the Satterthwaite ratio 0/0; the smallest df is the conservative choice.
  const df = denominator > 0 ? (variance * variance) / denominator : minDf;
  return { se: Math.sqrt(variance), df: Math.max(1, df) };
}

/** True for a finite number. */
export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
