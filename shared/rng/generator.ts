/**
 * Seeded Gaussian noise that reproduces PyTorch bit for bit:
 * `torch.randn(shape, generator=torch.Generator("cpu").manual_seed(seed))` in float32, on x86-64
 * with AVX2 (the build diffusers users run). A seed therefore gives the same initial latents in the
 * browser, the edge, the render worker and in diffusers, and successive calls on one generator
 * continue the stream as torch does.
 *
 * @module
 */

import { Mt19937 } from "./_mt19937.ts";
import { MAX_LANES, normalBlocks } from "./_block_kernel.ts";
import { normalizeSeed } from "./_seed.ts";

/** A seeded source of normal noise; every random draw of a generation goes through one. */
export interface RandomGenerator {
  /** Standard normal float32 values for `shape`, row-major; continues the generator's stream. */
  randn(shape: readonly number[]): Float32Array;
  /** The seed as given, normalised to [0, 2^64) (negatives taken mod 2^64). */
  readonly seed: bigint;
}

/** Words drawn per refill of the block path; a multiple of 16. */
const CHUNK = 2 * MAX_LANES;
const TWO_POW_32 = 2 ** 32;
const TWO_POW_M53 = 2 ** -53;
const TWO_PI = 2 * Math.PI;

class TorchCpuGenerator implements RandomGenerator {
  readonly seed: bigint;
  #engine: Mt19937;
  #cached: number | null = null;
  #words = new Int32Array(CHUNK);

  constructor(seed: bigint) {
    this.seed = seed;
    this.#engine = new Mt19937(Number(BigInt.asUintN(32, seed)));
  }

  randn(shape: readonly number[]): Float32Array {
    const out = new Float32Array(numel(shape));
    if (out.length >= 16) this.#blocks(out);
    else this.#perElement(out);
    return out;
  }

  /** n ≥ 16: full blocks of 16, then 16 fresh uniforms for the last 16 values when n mod 16 ≠ 0. */
  #blocks(out: Float32Array): void {
    const n = out.length;
    const words = this.#words;
    const full = n - (n % 16);
    for (let start = 0; start < full; start += CHUNK) {
      const count = Math.min(CHUNK, full - start);
      this.#engine.fill(words, count);
      normalBlocks(words, count, out, start);
    }
    if (full === n) return;
    // torch draws a uniform for every element, leaves the leftovers unused and redraws 16.
    this.#engine.fill(words, n - full);
    this.#engine.fill(words, 16);
    normalBlocks(words, 16, out, n - 16);
  }

  /** n < 16: binary64 Box-Muller per element, caching the sine term for the next element. */
  #perElement(out: Float32Array): void {
    const words = this.#words;
    for (let i = 0; i < out.length; i++) {
      if (this.#cached !== null) {
        out[i] = this.#cached;
        this.#cached = null;
        continue;
      }
      this.#engine.fill(words, 4);
      const d1 = toDouble(words[0]!, words[1]!);
      const d2 = toDouble(words[2]!, words[3]!);
      const radius = Math.sqrt(-2 * Math.log(1 - d2));
      const theta = TWO_PI * d1;
      this.#cached = radius * Math.sin(theta);
      out[i] = radius * Math.cos(theta);
    }
  }
}

/** A double in [0, 1) from two draws: the low 21 bits of `hi`, then all 32 bits of `lo`. */
function toDouble(hi: number, lo: number): number {
  return ((hi & 0x1fffff) * TWO_POW_32 + (lo >>> 0)) * TWO_POW_M53;
}

function numel(shape: readonly number[]): number {
  let n = 1;
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new RangeError(
        "Cannot draw noise as every dimension must be a non-negative integer: " +
          `current shape is [${shape}]`,
      );
    }
    n *= dim;
  }
  if (!Number.isSafeInteger(n) || n > 2 ** 31) {
    throw new RangeError(
      `Cannot draw noise as the shape must hold at most 2^31 values: current shape is [${shape}]`,
    );
  }
  return n;
}

/**
 * Creates a generator seeded like `torch.Generator("cpu").manual_seed(seed)`.
 *
 * Only `seed mod 2^32` selects the stream (as in torch): 0, 2^32 and 2^63 give the same noise.
 *
 * @param seed An integer in [−2^63, 2^64 − 1]; a bigint for values past 2^53.
 * @throws {RangeError} when the seed is not an integer in that range.
 *
 * @example Initial latents, then more noise from the same stream
 * ```ts
 * import { createGenerator } from "./generator.ts";
 *
 * const generator = createGenerator(42);
 * const latents = generator.randn([1, 4, 64, 64]);
 * const more = generator.randn([1, 4, 64, 64]);
 * console.log(generator.seed, latents.length, more[0] !== latents[0]);
 * ```
 */
export function createGenerator(seed: number | bigint): RandomGenerator {
  return new TorchCpuGenerator(normalizeSeed(seed));
}

/**
 * Standard normal float32 noise of `shape` from a fresh generator seeded with `seed`: the values
 * of `torch.randn(shape, generator=torch.Generator("cpu").manual_seed(seed))`.
 *
 * @throws {RangeError} for a seed outside [−2^63, 2^64 − 1] or a shape with invalid dimensions.
 *
 * @example Seed 42's latents for a 512 × 512 image
 * ```ts
 * import { randn } from "./generator.ts";
 *
 * const latents = randn([1, 4, 64, 64], 42);
 * console.log(latents.length); // 16384
 * ```
 */
export function randn(shape: readonly number[], seed: number | bigint): Float32Array {
  return createGenerator(seed).randn(shape);
}
