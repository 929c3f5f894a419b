/**
 * Seed checks shared by the generator: the integers `torch.Generator.manual_seed` accepts,
 * normalised the way it stores them.
 *
 * @module
 */

import { MAX_SEED } from "./random_seed.ts";

const MIN_SEED = -(1n << 63n);

/**
 * The seed in [0, 2^64) (negatives taken mod 2^64, as `manual_seed` does).
 *
 * @throws {RangeError} when `seed` is not an integer in [−2^63, 2^64 − 1].
 */
export function normalizeSeed(seed: number | bigint): bigint {
  if (typeof seed === "number" && !Number.isInteger(seed)) {
    throw new RangeError(
      `Cannot seed the generator as 'seed' must be an integer: current value is ${seed}`,
    );
  }
  if (typeof seed !== "number" && typeof seed !== "bigint") {
    throw new RangeError(
      "Cannot seed the generator as 'seed' must be a number or bigint: " +
        `current type is ${typeof seed}`,
    );
  }
  const value = BigInt(seed);
  if (value < MIN_SEED || value > MAX_SEED) {
    throw new RangeError(
      `Cannot seed the generator as 'seed' must be in [-2^63, 2^64 - 1]: current value is ${seed}`,
    );
  }
  return BigInt.asUintN(64, value);
}
