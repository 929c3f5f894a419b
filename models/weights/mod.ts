/**
 * Weight sources for the network builders: safetensors checkpoints and seeded random init.
 *
 * @module
 */

export * from "./safetensors.ts";
export * from "./random.ts";
