/**
 * Seeds on the wire: one parser for every surface (decimal string, or a number when exact) and one
 * source of fresh seeds. Both give the decimal string that `GenerationParams.seed` holds.
 *
 * @module
 */

import { MAX_SEED, randomSeed as randomSeedNumber } from "../rng/mod.ts";
import type { RandomSource } from "../rng/mod.ts";
import { GenerationError } from "./error.ts";

/** The expectation every seed error states. */
export const SEED_RANGE = `an integer in [0, ${MAX_SEED}]`;

/**
 * A seed as its decimal string: a bigint, a safe-integer number or a string of digits in
 * [0, 2^64 − 1]. Numbers above 2^53 are refused (they are no longer exact): send those as strings.
 *
 * @throws {GenerationError} naming `seed` for anything else.
 *
 * @example Seeds up to 2^64 − 1 survive as strings
 * ```ts
 * import { parseSeed } from "./seed.ts";
 * console.log(parseSeed("18446744073709551615")); // "18446744073709551615"
 * console.log(parseSeed(42)); // "42"
 * ```
 */
export function parseSeed(value: unknown): string {
  let seed = -1n;
  if (typeof value === "bigint") seed = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) seed = BigInt(value);
  else if (typeof value === "string" && /^\d{1,20}$/.test(value.trim())) {
    seed = BigInt(value.trim());
  }
  if (seed < 0n || seed > MAX_SEED) {
    throw new GenerationError("seed", `must be ${SEED_RANGE}`, value);
  }
  return seed.toString();
}

/**
 * A fresh seed in [0, 2^32) as a decimal string: every stream torch's generator can produce (it
 * keeps `seed mod 2^32`). The only place a surface draws one.
 *
 * @example
 * ```ts
 * import { randomSeed } from "./seed.ts";
 * console.log(/^\d+$/.test(randomSeed())); // true
 * ```
 */
export function randomSeed(source?: RandomSource): string {
  return String(randomSeedNumber(source));
}
