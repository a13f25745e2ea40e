// Paired statistics for same-runner A/B runs: the exact null distribution of the Wilcoxon
// signed-rank statistic, Walsh averages, the Hodges–Lehmann estimate and its exact
// distribution-free confidence interval, and exact one-sided p-values. Pure and deterministic.
//
// With R paired differences there are M = R(R+1)/2 Walsh averages (dᵢ + dⱼ)/2, i ≤ j. Their
// median is the Hodges–Lehmann estimate. The interval [W₍ₖ₎, W₍M+1−k₎] covers the true centre
// (of a symmetric distribution) with probability exactly 1 − 2·P(T⁺ ≤ k − 1), where T⁺ is the
// signed-rank statistic under the null. Only these discrete levels are attainable; see
// `wilcoxonInterval` for which one is picked.

import { createRandom } from '../random.js';

/**
 * counts[t] = number of subsets of {1..n} whose sum is t, t = 0..n(n+1)/2: the exact null
 * distribution of T⁺ is counts[t] / 2ⁿ. Dynamic programming, O(n³); n is a round count (small).
 */
export function signedRankCounts(n: number): number[] {
  if (!(Number.isInteger(n) && n >= 0 && n <= 200))
    throw new RangeError(`signedRankCounts: n must be an integer in [0, 200], got ${n}`);
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

/** The median of ascending `sorted` (not empty). */
export function median(sorted: readonly number[]): number {
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

export function chooseLevel(
  n: number,
  requested: number,
  rule: LevelRule = 'at-most',
): { k: number; level: number; below_requested: boolean } {
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
export function wilcoxonInterval(
  xs: readonly number[],
  requested: number,
  rule: LevelRule = 'at-most',
): WilcoxonInterval {
  if (!(requested > 0 && requested < 1))
    throw new RangeError(`wilcoxonInterval: level must be in (0, 1), got ${requested}`);
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
  return signedRankPValueBelow(
    xs.map((x) => -x),
    -c,
  );
}

/**
 * One figure for the sign-flip step-down test: paired values already shifted by the figure's
 * boundary (x = d − boundary), the round each came from, and which side is evidence against H₀.
 * 'below': H₀ "centre ≥ 0" against "centre < 0" (e.g. a TPS drop); 'above': the mirror image.
 */
export interface FlipFigure {
  values: readonly number[];
  rounds: readonly number[];
  evidence: 'below' | 'above';
}

export interface StepDownResult {
  /** Exact one-sided signed-rank p-value of each figure on the observed data. */
  raw: number[];
  /** Step-down minP adjusted p-value of each figure (family-wise). */
  adjusted: number[];
  /** Sign patterns used, including the observed one. */
  flips: number;
  /** True when every pattern of the rounds was enumerated (else a seeded random subset). */
  exact: boolean;
}

/** Rounds up to this many are enumerated exactly (2^12 = 4096 sign patterns). */
export const MAX_EXACT_FLIP_ROUNDS = 12;
const RANDOM_FLIPS = 4096;

/** Mid-ranks of |x| (1-based), so that T⁺ can be re-summed under any sign pattern in O(n). */
function absoluteRanks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => ({ a: Math.abs(x), i })).sort((p, q) => p.a - q.a);
  const ranks = new Array<number>(xs.length);
  for (let s = 0; s < order.length;) {
    let e = s;
    while (e + 1 < order.length && order[e + 1]!.a === order[s]!.a) e++;
    const mid = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++) ranks[order[k]!.i] = mid;
    s = e + 1;
  }
  return ranks;
}

/**
 * Westfall–Young step-down minP over a family of paired figures, with the null distribution
 * generated by flipping the sign of whole rounds: every figure of a round flips together, so the
 * dependence between figures measured in the same round (TPS and p95 of a band move together in a
 * closed loop; neighbouring bands share the server's state) is kept, and correlated figures do not
 * pay Bonferroni's price. Each figure's statistic is its exact one-sided signed-rank p-value
 * (T⁺ = Σ ranks of the positive x, equal to the count of positive Walsh averages), so a family of
 * one gives exactly that p-value. Valid under the same assumption as the signed-rank test: each
 * round's vector of shifted values is symmetric about 0 under H₀ (swapping base and head in a round
 * negates it). Rounds up to MAX_EXACT_FLIP_ROUNDS are enumerated; beyond, 4096 seeded patterns.
 */
export function signFlipStepDown(figures: readonly FlipFigure[], seed: number): StepDownResult {
  const roundIds = [...new Set(figures.flatMap((f) => f.rounds))].sort((a, b) => a - b);
  const roundIndex = new Map(roundIds.map((r, i) => [r, i]));
  const prepared = figures.map((f) => {
    if (f.values.length !== f.rounds.length)
      throw new RangeError('signFlipStepDown: values and rounds differ in length');
    const xs = f.evidence === 'below' ? f.values : f.values.map((x) => -x);
    const counts = signedRankCounts(xs.length);
    const cdf = new Float64Array(counts.length);
    let s = 0;
    counts.forEach((c, t) => (cdf[t] = (s += c) / 2 ** xs.length));
    return { sign: xs.map(Math.sign), ranks: absoluteRanks(xs), round: f.rounds.map((r) => roundIndex.get(r)!), cdf };
  });
  // p-value of one figure when the rounds in `flipped` change sign: P(T⁺ ≤ ⌈t⌉), ties never helping.
  const pValue = (f: (typeof prepared)[number], flipped: (round: number) => boolean): number => {
    let t = 0;
    for (let i = 0; i < f.ranks.length; i++) {
      const s = flipped(f.round[i]!) ? -f.sign[i]! : f.sign[i]!;
      t += s > 0 ? f.ranks[i]! : s === 0 ? f.ranks[i]! / 2 : 0;
    }
    return f.cdf[Math.min(Math.ceil(t - 1e-9), f.cdf.length - 1)]!;
  };
  const raw = prepared.map((f) => pValue(f, () => false));
  const m = figures.length;
  if (m === 0) return { raw, adjusted: [], flips: 0, exact: true };
  const order = raw.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const exceed = new Array<number>(m).fill(0);
  const tally = (flipped: (round: number) => boolean): void => {
    // Successive minima from the least significant figure up: u_k = min over figures k..m.
    let u = Infinity;
    for (let k = m - 1; k >= 0; k--) {
      u = Math.min(u, pValue(prepared[order[k]!.i]!, flipped));
      if (u <= order[k]!.p + 1e-12) exceed[k]!++;
    }
  };
  const n = roundIds.length;
  let flips: number;
  const exact = n <= MAX_EXACT_FLIP_ROUNDS;
  if (exact) {
    flips = 2 ** n;
    for (let mask = 0; mask < flips; mask++) tally((r) => ((mask >>> r) & 1) === 1);
  } else {
    const random = createRandom(seed);
    flips = RANDOM_FLIPS;
    tally(() => false);
    const pattern = new Uint8Array(n);
    for (let b = 1; b < flips; b++) {
      for (let r = 0; r < n; r++) pattern[r] = random.next() < 0.5 ? 1 : 0;
      tally((r) => pattern[r] === 1);
    }
  }
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ i }, k) => {
    // Never below the figure's own exact p-value: with sampled patterns the estimate could dip under it.
    running = Math.max(running, exceed[k]! / flips, raw[i]!);
    adjusted[i] = running;
  });
  return { raw, adjusted, flips, exact };
}
