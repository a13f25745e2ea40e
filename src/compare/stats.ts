// Small, pure statistics for the comparison. The distributions (normal and Student t) and batch means
// are the analysis stage's (src/analyze/stats.ts), so the gate and the analysis share one
// implementation; what is specific to comparing two runs (Welch df, Holm) lives here.

import { batchMeans as analyzeBatchMeans } from '../analyze/stats.js';

export { normalCdf, normalQuantile, studentTCdf, studentTQuantile } from '../analyze/stats.js';

export interface BatchMeansEstimate {
  mean: number;
  /** Standard error of the mean from the spread of the batch means. */
  standard_error: number;
  /** Degrees of freedom: batches − 1. */
  df: number;
  batches: number;
  batch_size: number;
}

/**
 * Batch means (Law & Kelton) as the analysis computes them: k contiguous batches, the spread of their
 * means for the standard error, so autocorrelation inside a batch does not shrink it; the oldest
 * seconds are dropped when the length is not a multiple of k. Stricter than the analysis on input:
 * a series holding a non-finite value is refused (null), since a damaged baseline must not be judged.
 * Returns null when fewer than 2 batches of at least 2 seconds can be made.
 */
export function batchMeans(series: readonly number[], batches = 10): BatchMeansEstimate | null {
  if (!series.every((x) => Number.isFinite(x))) return null;
  if (batches < 2) return null;
  const r = analyzeBatchMeans(series, batches);
  if (!r.estimate) return null;
  return {
    mean: r.estimate.mean,
    standard_error: r.estimate.se,
    df: r.estimate.df,
    batches: r.batches_used,
    batch_size: r.batch_size,
  };
}

/** Welch–Satterthwaite degrees of freedom for a sum of two variances with their own df. */
export function welchDf(v1: number, df1: number, v2: number, df2: number): number {
  const num = (v1 + v2) ** 2;
  const den = (v1 * v1) / df1 + (v2 * v2) / df2;
  if (den === 0) return Infinity;
  return num / den;
}

/**
 * Holm's step-down adjusted p-values: sort ascending, p̃₍ᵢ₎ = max_{j≤i} min(1, (m − j + 1)·p₍ⱼ₎).
 * Rejecting where p̃ ≤ α controls the family-wise error rate at α (Holm 1979).
 * Also returns each hypothesis' rank (1 = smallest p) so callers can state its step level α/(m − rank + 1).
 */
export function holmAdjust(pValues: readonly number[]): { adjusted: number[]; rank: number[] } {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const adjusted = new Array<number>(m).fill(1);
  const rank = new Array<number>(m).fill(0);
  let running = 0;
  order.forEach(({ p, i }, j) => {
    running = Math.max(running, Math.min(1, (m - j) * p));
    adjusted[i] = running;
    rank[i] = j + 1;
  });
  return { adjusted, rank };
}
