/**
 * One home for "a generation": the `GenerationParams` type every surface maps its wire format
 * into, seed parsing and drawing, the limits, `resolveGeneration` (defaults and range checks) and
 * the PNG with its A1111 `parameters` chunk.
 *
 * @module
 */

export type { GenerationInit, GenerationParams } from "./params.ts";
export { GenerationError, type GenerationField } from "./error.ts";
export { parseSeed, randomSeed, SEED_RANGE } from "./seed.ts";
export { DEFAULT_LIMITS, type GenerationLimits, MIN_SIZE, PIPELINE_LIMITS } from "./limits.ts";
export {
  checkGeneration,
  type CheckGenerationOptions,
  DEFAULT_STRENGTH,
  resolveGeneration,
  type ResolveGenerationOptions,
} from "./resolve.ts";
export { parametersText, type RgbaImage, toPng } from "./png.ts";
