/**
 * Seeded noise: PyTorch-compatible `randn` (CPU generator, float32) and fresh random seeds.
 *
 * @module
 */

export { createGenerator, randn, type RandomGenerator } from "./generator.ts";
export { MAX_SEED, randomSeed, type RandomSource } from "./random_seed.ts";
