// Paired statistics for same-runner A/B runs: the exact null distribution of the Wilcoxon
// signed-rank statistic, Walsh averages, the Hodges–Lehmann estimate and its exact
// distribution-free confidence interval, and exact one-sided p-values. Pure and deterministic.
//
// With R paired differences there are M = R(R+1)/2 Walsh averages (dᵢ + dⱼ)/2, i ≤ j. Their
// median is the Hodges–Lehmann estimate. The interval [W₍ₖ₎, W₍M+1−k₎] covers the true centre
// (of a symmetric distribution) with probability exactly 1 − 2·P(T⁺ ≤ k − 1), where T⁺ is the
// signed-rank statistic under the null. Only these discrete levels are attainable; see
// `wilcoxonInterval` for which one is picked.

/**
 * counts[t] = number of subsets of {1..n} whose sum is t, t = 0..n(n+1)/2: the exact null
 * distribution of T⁺ is counts[t] / 2ⁿ. Dynamic programming, O(n³); n is a round count (small).
 */
export function signedRankCounts(n: number): number[] {
  if (!(Number.isInteger(n) && n >= 0 && n <= 200)) throw new RangeError(`signedRankCounts: n must be an integer in [0, 200], got ${n}`);
  const max = (n * (n + 1)) / 2;
  const counts = new Array<number>(max + 1).fill(0);
  counts[0] = 1;
  for (let k = 1; k <= n; k++) {
    for (let t = (k * (k + 1)) / 2; t >= k; t--) counts[t]! += counts[t - k]!;
  }
  return counts;
}

/** P(T⁺ ≤ t) under the null for n pairs (t may be fractional: it is floored). */
export function signedRankCdf(t: number, n: number): number {
  if (t < 0) return 0;
  const counts = signedRankCounts(n);
  const top = Math.min(Math.floor(t), counts.length - 1);
  let s = 0;
  for (let i = 0; i <= top; i++) s += counts[i]!;
  return s / 2 ** n;
}

/** The R(R+1)/2 Walsh averages (xᵢ + xⱼ)/2, i ≤ j, sorted ascending. */
export function walshAverages(xs: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) for (let j = i; j < xs.length; j++) out.push((xs[i]! + xs[j]!) / 2);
  return out.sort((a, b) => a - b);
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Hodges–Lehmann estimate of the centre: the median of the Walsh averages. */
export function hodgesLehmann(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('hodgesLehmann: no data');
  return median(walshAverages(xs));
}

/** Median absolute deviation from `centre` (unscaled): the typical size of one pair's noise. */
export function medianAbsoluteDeviation(xs: readonly number[], centre: number): number {
  if (xs.length === 0) throw new RangeError('medianAbsoluteDeviation: no data');
  return median(xs.map((x) => Math.abs(x - centre)).sort((a, b) => a - b));
}

/**
 * The exact levels attainable with n pairs: level(k) = 1 − 2·P(T⁺ ≤ k − 1) for k = 1, 2, …
 * (k = 1 is the widest interval, [min, max] of the Walsh averages). Decreasing in k.
 */
export function attainableLevels(n: number): { k: number; level: number }[] {
  const counts = signedRankCounts(n);
  const m = (n * (n + 1)) / 2;
  const out: { k: number; level: number }[] = [];
  let cumulative = 0;
  for (let k = 1; k <= Math.floor((m + 1) / 2); k++) {
    cumulative += counts[k - 1]!;
    const level = 1 - (2 * cumulative) / 2 ** n;
    if (level <= 0) break;
    out.push({ k, level });
  }
  return out;
}

/**
 * How to pick among the discrete levels:
 * - 'at-most' (the default): the largest attainable level ≤ the requested one; when even the widest
 *   interval is below the requested level (e.g. fewer than 6 pairs for 95%), that widest interval.
 *   The reported `level` is always the exact coverage, so a reader sees what was achieved.
 * - 'at-least': the narrowest interval whose exact level is ≥ the requested one (R's
 *   wilcox.test(conf.int = TRUE) convention); when none is, again the widest.
 */
export type LevelRule = 'at-most' | 'at-least';

export interface WilcoxonInterval {
  low: number;
  high: number;
  /** Exact coverage 1 − 2·P(T⁺ ≤ k − 1). */
  level: number;
  requested_level: number;
  /** Order statistic used: [W₍ₖ₎, W₍M+1−k₎]. */
  k: number;
  /** True when the requested level could not be reached even by the widest interval. */
  below_requested: boolean;
}

export function chooseLevel(n: number, requested: number, rule: LevelRule = 'at-most'): { k: number; level: number; below_requested: boolean } {
  const levels = attainableLevels(n);
  if (levels.length === 0) throw new RangeError(`wilcoxon interval: ${n} pair(s) are too few for any interval`);
  const widest = levels[0]!;
  const eps = 1e-12;
  if (widest.level < requested - eps) return { ...widest, below_requested: true };
  if (rule === 'at-least') {
    let pick = widest;
    for (const l of levels) if (l.level >= requested - eps) pick = l;
    return { ...pick, below_requested: false };
  }
  for (const l of levels) if (l.level <= requested + eps) return { ...l, below_requested: false };
  const last = levels[levels.length - 1]!;
  return { ...last, below_requested: false };
}

/** Exact Wilcoxon signed-rank confidence interval of the centre (Hodges–Lehmann's companion). */
export function wilcoxonInterval(xs: readonly number[], requested: number, rule: LevelRule = 'at-most'): WilcoxonInterval {
  if (!(requested > 0 && requested < 1)) throw new RangeError(`wilcoxonInterval: level must be in (0, 1), got ${requested}`);
  const n = xs.length;
  const w = walshAverages(xs);
  const { k, level, below_requested } = chooseLevel(n, requested, rule);
  return { low: w[k - 1]!, high: w[w.length - k]!, level, requested_level: requested, k, below_requested };
}

/**
 * Exact one-sided p-value of the signed-rank test of H₀: centre ≥ c against "centre < c":
 * P(T⁺ ≤ t) with t = #{Walsh averages > c} + ½·#{= c} (rounded up: ties never help a rejection).
 * By duality, the 'at-most'/'at-least' interval of level L lies entirely below c exactly when this
 * p-value is ≤ (1 − L)/2.
 */
export function signedRankPValueBelow(xs: readonly number[], c: number): number {
  const w = walshAverages(xs);
  let t = 0;
  for (const v of w) t += v > c ? 1 : v === c ? 0.5 : 0;
  return signedRankCdf(Math.ceil(t), xs.length);
}

/** The mirror image: p-value of H₀: centre ≤ c against "centre > c". */
export function signedRankPValueAbove(xs: readonly number[], c: number): number {
  return signedRankPValueBelow(xs.map((x) => -x), -c);
}

/** Percentile interval of a bootstrap sample (linear interpolation between order statistics). */
export function percentileInterval(values: readonly number[], level: number): { low: number; high: number } | null {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length < 2) return null;
  const at = (p: number): number => {
    const pos = p * (v.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
  };
  const tail = (1 - level) / 2;
  return { low: at(tail), high: at(1 - tail) };
}
