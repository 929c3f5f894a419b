/**
 * Weight sources for the network builders: safetensors checkpoints (read tensor by tensor),
 * safetensors writers, and seeded random init.
 *
 * @module
 */

export * from "./safetensors.ts";
export * from "./safetensors_write.ts";
export * from "./random.ts";
