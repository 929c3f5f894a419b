/**
 * Fresh seeds for requests that name none. The seed drawn here is recorded with the job and
 * returned to the caller, so any image can be reproduced later.
 *
 * @module
 */

/** The largest seed: torch's generator takes seeds in [0, 2^64 − 1] (2^64 − 1 is exact only as a bigint or decimal string). */
export const MAX_SEED: bigint = (1n << 64n) - 1n;

/** Where random bits come from: `crypto` or anything with the same `getRandomValues`. */
export type RandomSource = Pick<Crypto, "getRandomValues">;

/**
 * A random seed in [0, 2^32): every stream torch's generator can produce (only `seed mod 2^32`
 * matters to it), as a plain number that survives JSON.
 *
 * @param source Random bits; defaults to `globalThis.crypto`.
 *
 * @example A seed to record and reuse
 * ```ts
 * import { randomSeed } from "./random_seed.ts";
 *
 * const seed = randomSeed();
 * console.log(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32); // true
 * ```
 */
export function randomSeed(source: RandomSource = globalThis.crypto): number {
  const word = new Uint32Array(1);
  source.getRandomValues(word);
  return word[0]!;
}
