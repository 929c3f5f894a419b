/**
 * Bounds of a generation, in one place: the same for every surface. Servers read them from
 * `SD_MAX_*` (`functions/config.ts`); the CLI uses the same variables and goes past them only
 * with `--no-limits` (then {@linkcode PIPELINE_LIMITS}, what the pipeline itself can run).
 *
 * @module
 */

/** Largest values a generation may ask for. */
export interface GenerationLimits {
  /** Largest `steps`. */
  readonly maxSteps: number;
  /** Largest image width or height in pixels. */
  readonly maxSize: number;
  /** Largest number of images per request. */
  readonly maxImages: number;
  /** Largest classifier-free guidance scale. */
  readonly maxGuidance: number;
}

/** Smallest image side in pixels, on every surface. */
export const MIN_SIZE = 64;

/** The defaults of `SD_MAX_STEPS`, `SD_MAX_SIZE`, `SD_MAX_IMAGES` and `SD_MAX_GUIDANCE`. */
export const DEFAULT_LIMITS: GenerationLimits = Object.freeze({
  maxSteps: 150,
  maxSize: 1024,
  maxImages: 4,
  maxGuidance: 50,
});

/** What the pipeline can run at all: the ceiling of every configured limit. */
export const PIPELINE_LIMITS: GenerationLimits = Object.freeze({
  maxSteps: 1000,
  maxSize: 8192,
  maxImages: 64,
  maxGuidance: 100,
});
