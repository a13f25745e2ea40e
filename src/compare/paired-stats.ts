// Paired statistics for same-runner A/B runs: the exact null distribution of the Wilcoxon
// signed-rank statistic, Walsh averages, the Hodges–Lehmann estimate and its exact
// distribution-free confidence interval, and exact one-sided p-values. Pure and deterministic.
//
// With R paired differences there are M = R(R+1)/2 Walsh averages (dᵢ + dⱼ)/2, i ≤ j. Their
// median is the Hodges–Lehmann estimate. The interval [W₍ₖ₎, W₍M+1−k₎] covers the true centre
// (of a symmetric distribution) with probability exactly 1 − 2·P(T⁺ ≤ k − 1), where T⁺ is the
// signed-rank statistic under the null. Only these discrete levels are attainable; see
// `wilcoxonInterval` for which one is picked.

import { normalQuantile } from '../analyze/stats.js';
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

/** P(T⁺ ≤ t) for t = 0 … n(n+1)/2, tabulated once per n: the step-down reads it for every sign pattern. */
const cumulativeByN = new Map<number, Float64Array>();

/** P(T⁺ ≤ t) under the null for n pairs (t may be fractional: it is floored). */
export function signedRankCdf(t: number, n: number): number {
  if (t < 0) return 0;
  let cdf = cumulativeByN.get(n);
  if (cdf === undefined) {
    const counts = signedRankCounts(n);
    const table = new Float64Array(counts.length);
    let s = 0;
    counts.forEach((c, i) => (table[i] = (s += c) / 2 ** n));
    cumulativeByN.set(n, (cdf = table));
  }
  return cdf[Math.min(Math.floor(t), cdf.length - 1)]!;
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
 * One figure of the step-down test: its paired values dᵣ (log-ratios head/base), the round each came
 * from, its boundary b (ln of the threshold ratio) and which side is evidence against H₀. 'below': H₀
 * "centre ≥ b" against "centre < b" (e.g. a TPS drop); 'above': the mirror image.
 */
export interface FlipFigure {
  values: readonly number[];
  rounds: readonly number[];
  boundary: number;
  evidence: 'below' | 'above';
}

export interface StepDownResult {
  /** Exact one-sided signed-rank p-value of each figure on the observed data (b as the null centre). */
  raw: number[];
  /** How far (log units) each figure's first-step bound puts it inside H₀; 0 when not clearly inside. */
  slack: number[];
  /** Step-down adjusted p-value of each figure (family-wise), never below its own exact p-value. */
  adjusted: number[];
  /**
   * The first step's critical p-value at `level`: a figure whose exact p-value is at most this fails
   * (null when no level was given). Below 2⁻ᴿ, no figure of the family can fail.
   */
  critical: number | null;
  /** Sign patterns used, including the observed one. */
  flips: number;
  /** True when every pattern of the rounds was enumerated (else a seeded random subset). */
  exact: boolean;
}

export const MAX_EXACT_FLIP_ROUNDS = 12;
const RANDOM_FLIPS = 4096;

/** 1.4826 × MAD: a robust standard deviation (consistent for normal data). */
const MAD_TO_SD = 1.4826;
/** Standard error of Hodges–Lehmann over that of the mean for normal data: √(π/3). */
const HL_SE_FACTOR = Math.sqrt(Math.PI / 3);

/**
 * The share of α spent on the first step of the two-step method: β = α/100, so the step-down tests at
 * 0.99·α (0.02475 for 95%). Romano, Shaikh & Wolf suggest α/10; that would put 3/128, the p-value of 7
 * rounds with one off round, above the level, and the healthy figures' bounds barely move (z 2.81 → 3.48).
 */
export const SLACK_SHARE = 0.01;

/**
 * Step-down test over a family of paired figures whose nulls are inequalities ("no regression beyond
 * the threshold"), after Romano, Shaikh & Wolf (2014), "A practical two-step method for testing
 * moment inequalities", Econometrica 82:1979–2002, with Romano & Wolf's (2005) step-down.
 *
 * Why not flip the signs of d − b: a healthy figure (far inside its threshold) has every d − b on one
 * side, so flipping every round hands it the most extreme statistic, and it charges the figure under
 * test for it (with 6 rounds, the smallest adjusted p becomes 2·2⁻⁶ and nothing can fail).
 *
 * - Statistic: each figure's exact one-sided signed-rank p-value of d − b (mirrored for 'above').
 * - Step 1 (β = SLACK_SHARE·level): a one-sided (1 − β) bound of each centre on the H₀ side,
 *   HL ± z₁₋β·√(π/3)·1.4826·MAD/√R; slack = how far that bound lies inside H₀ (0 if it does not).
 * - Null: for each sign pattern ε over whole rounds (every figure of a round flips together, so the
 *   dependence of figures measured in the same round is kept), each figure's values centred on its
 *   null-restricted centre b + slack and flipped, ε·(d − b − slack) + slack, and their signed-rank
 *   p-value. A figure on or past its boundary keeps the exact sign-flip null of d − b (so figures that
 *   are all far past it share their extreme pattern and cost nothing); a clearly healthy one, moved by
 *   its slack, rarely scores.
 * - Step 2: figures by increasing p; the k-th adjusted p is the running maximum of the share of
 *   patterns whose minimum null p over figures k..m reaches pₖ, and never below pₖ itself. Reject at
 *   level − β. The family-wise rate is then at most `level` (simulated: test/unit/ab/stats.test.ts).
 * Rounds up to MAX_EXACT_FLIP_ROUNDS are enumerated; beyond, 4096 seeded patterns.
 * @example centredStepDown([{ values: [-0.36, -0.35, -0.37, -0.36, -0.34, -0.36], rounds: [0, 1, 2, 3, 4, 5],
 *   boundary: Math.log(0.95), evidence: 'below' }], 1, 0.025).adjusted // [0.015625] (= 2⁻⁶ ≤ 0.02475: fails)
 */
export function centredStepDown(figures: readonly FlipFigure[], seed: number, level = 0.025): StepDownResult {
  const roundIds = [...new Set(figures.flatMap((f) => f.rounds))].sort((a, b) => a - b);
  const roundIndex = new Map(roundIds.map((r, i) => [r, i]));
  const beta = SLACK_SHARE * level;
  const z = -normalQuantile(beta);
  const prepared = figures.map((f) => {
    if (f.values.length !== f.rounds.length)
      throw new RangeError('centredStepDown: values and rounds differ in length');
    if (f.values.length === 0) throw new RangeError('centredStepDown: a figure without values');
    // Evidence is always "below" after mirroring.
    const xs = f.evidence === 'below' ? [...f.values] : f.values.map((x) => -x);
    const b = f.evidence === 'below' ? f.boundary : -f.boundary;
    const hl = hodgesLehmann(xs);
    const se = (HL_SE_FACTOR * MAD_TO_SD * medianAbsoluteDeviation(xs, hl)) / Math.sqrt(xs.length);
    const slack = Math.max(0, hl - z * se - b);
    return {
      // Unflipped: d − b as observed; flipped: mirrored about the slack (see nullP).
      moved: xs.map((x) => x - b),
      round: f.rounds.map((r) => roundIndex.get(r)!),
      slack,
      raw: signedRankPValueBelow(xs, b),
    };
  });
  const raw = prepared.map((f) => f.raw);
  const slack = prepared.map((f) => f.slack);
  const m = figures.length;
  if (m === 0) return { raw, slack, adjusted: [], critical: null, flips: 0, exact: true };
  const v = new Float64Array(Math.max(...prepared.map((f) => f.moved.length)));
  // The signed-rank p-value of the pattern's values against 0: T⁺ = #{Walsh averages > 0} + ½·#{= 0}.
  const nullP = (f: (typeof prepared)[number], flipped: (round: number) => boolean): number => {
    const n = f.moved.length;
    for (let i = 0; i < n; i++) v[i] = flipped(f.round[i]!) ? 2 * f.slack - f.moved[i]! : f.moved[i]!;
    let t = 0;
    for (let i = 0; i < n; i++)
      for (let j = i; j < n; j++) {
        const w = v[i]! + v[j]!;
        t += w > 0 ? 1 : w === 0 ? 0.5 : 0;
      }
    return signedRankCdf(Math.ceil(t), n);
  };
  const order = raw.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const exceed = new Array<number>(m).fill(0);
  const firstStepMin: number[] = [];
  const tally = (flipped: (round: number) => boolean): void => {
    // Successive minima from the least significant figure up: u_k = min over figures k..m.
    let u = Infinity;
    for (let k = m - 1; k >= 0; k--) {
      u = Math.min(u, nullP(prepared[order[k]!.i]!, flipped));
      if (u <= order[k]!.p + 1e-12) exceed[k]!++;
    }
    firstStepMin.push(u);
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
    running = Math.max(running, exceed[k]! / flips, raw[i]!);
    adjusted[i] = running;
  });
  // The largest p-value with share {min null p ≤ p} ≤ level − β: just under the
  // (⌊(level − β)·flips⌋ + 1)-th smallest minimum.
  const test = level - beta;
  const sorted = firstStepMin.sort((a, b) => a - b);
  const allowed = Math.floor(test * flips + 1e-9);
  const critical = Math.min(test, allowed < sorted.length ? sorted[allowed]! - 1e-12 : 1);
  return { raw, slack, adjusted, critical, flips, exact };
}
