// A small seeded PRNG, so that every random choice is reproducible from a seed: the analysis's
// bootstrap resamples (`settings.seed`) and the runner's open-loop arrival times. Math.random is never
// used in analyze/. A leaf: it imports nothing of ours, so every stage can reach it.

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n), n ≥ 1. */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
}

/** splitmix32 scrambles the seed so that nearby seeds (1, 2, 3…) give unrelated streams. */
function splitmix32(seed: number): number {
  let z = (seed + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** mulberry32: 32-bit state, period 2^32, good enough statistical quality for resampling. */
export function createRandom(seed: number): Random {
  // Non-integer or huge seeds are folded into 32 bits deterministically.
  const folded = Number.isFinite(seed) ? Math.trunc(seed) % 0x100000000 : 0;
  let state = splitmix32(folded >>> 0);
  let spare: number | null = null;

  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  return {
    next,
    int(n: number): number {
      return Math.min(n - 1, Math.floor(next() * n));
    },
    normal(): number {
      if (spare !== null) {
        const value = spare;
        spare = null;
        return value;
      }
      let u = next();
      while (u <= 0) u = next();
      const v = next();
      const radius = Math.sqrt(-2 * Math.log(u));
      spare = radius * Math.sin(2 * Math.PI * v);
      return radius * Math.cos(2 * Math.PI * v);
    },
  };
}
