// A small, fast, seedable PRNG for the hot path: xoshiro128** (Blackman & Vigna), seeded by
// splitmix32. 32-bit integer maths only, so it allocates nothing per draw.

const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;

/** splitmix32 step: turns any 32-bit seed into well-mixed state words. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `seed` may be any finite number; `stream` separates workers that share one seed. */
  constructor(seed: number, stream = 0) {
    // Fold the seed's high and low 32 bits and the stream number into one 32-bit seed.
    const hi = Math.floor(Math.abs(seed) / TWO_32) >>> 0;
    const mix = { s: ((seed >>> 0) ^ Math.imul(hi, 0x27d4eb2d) ^ Math.imul(stream + 1, 0x165667b1)) | 0 };
    this.s0 = splitmix32(mix);
    this.s1 = splitmix32(mix);
    this.s2 = splitmix32(mix);
    this.s3 = splitmix32(mix);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const s1 = this.s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  nextDouble(): number {
    return ((this.nextU32() >>> 5) * 67108864 + (this.nextU32() >>> 6)) / TWO_53;
  }

  /** Uniform integer in [0, n) without modulo bias; n must be an integer in [1, 2^53]. */
  below(n: number): number {
    if (n <= TWO_32) {
      // Reject the top partial bucket so every residue is equally likely.
      const limit = TWO_32 - (TWO_32 % n);
      let x = this.nextU32();
      while (x >= limit) x = this.nextU32();
      return x % n;
    }
    const limit = TWO_53 - (TWO_53 % n);
    let x = this.nextDouble() * TWO_53;
    while (x >= limit) x = this.nextDouble() * TWO_53;
    return x % n;
  }
}
