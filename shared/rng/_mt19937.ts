/**
 * MT19937 (32-bit Mersenne Twister) as PyTorch's CPU generator runs it: 624 words seeded from the
 * low 32 bits of the seed, twisted before the first output and after every 624 outputs.
 *
 * @module
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;

/** The engine state: 624 words plus the position of the next output. */
export class Mt19937 {
  #state = new Int32Array(N);
  #index = N;

  /** Seeds the engine with a 32-bit value (`seed32` in [0, 2^32)). */
  constructor(seed32: number) {
    const s = this.#state;
    s[0] = seed32 | 0;
    for (let i = 1; i < N; i++) {
      const prev = s[i - 1]!;
      s[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) | 0;
    }
  }

  /**
   * Writes the next `count` tempered outputs to `out` from index 0, as int32 bit patterns (the
   * caller masks what it needs, so the sign bit never matters).
   */
  fill(out: Int32Array, count: number): void {
    const s = this.#state;
    let index = this.#index;
    for (let k = 0; k < count; k++) {
      if (index >= N) {
        twist(s);
        index = 0;
      }
      let y = s[index++]!;
      y ^= y >>> 11;
      y ^= (y << 7) & 0x9d2c5680;
      y ^= (y << 15) & 0xefc60000;
      y ^= y >>> 18;
      out[k] = y;
    }
    this.#index = index;
  }
}

function twist(s: Int32Array): void {
  // The textbook `(i + 1) % N` loop, split so that no index needs a modulo.
  let i = 0;
  for (; i < N - M; i++) s[i] = s[i + M]! ^ mix(s[i]!, s[i + 1]!);
  for (; i < N - 1; i++) s[i] = s[i + M - N]! ^ mix(s[i]!, s[i + 1]!);
  s[N - 1] = s[M - 1]! ^ mix(s[N - 1]!, s[0]!);
}

function mix(upper: number, lower: number): number {
  const y = (upper & UPPER) | (lower & LOWER);
  return (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
}
