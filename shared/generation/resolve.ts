/**
 * `resolveGeneration`: a caller's request plus the model's manifest and the limits gives the
 * `GenerationParams` that run. Defaults are filled here and every range is checked here, once,
 * for every surface.
 *
 * @module
 */

import type { ModelManifest } from "../manifest.ts";
import { schedulerNames } from "../schedulers/names.ts";
import { stepsForStrength } from "../schedulers/strength.ts";
import { GenerationError, type GenerationField } from "./error.ts";
import type { GenerationLimits } from "./limits.ts";
import { MIN_SIZE } from "./limits.ts";
import type { GenerationInit, GenerationParams } from "./params.ts";
import { parseSeed, randomSeed } from "./seed.ts";
import { RESIZE_MODES } from "../image/resize.ts";

/** Default strength of image to image (diffusers' `StableDiffusionImg2ImgPipeline`). */
export const DEFAULT_STRENGTH = 0.8;

/** Options of {@linkcode resolveGeneration}. */
export interface ResolveGenerationOptions {
  /** Draws the seed of a request without one. @default {randomSeed} */
  randomSeed?: () => string;
}

function integer(field: GenerationField, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new GenerationError(field, `must be an integer in [${min}, ${max}]`, value);
  }
  return value;
}

function side(field: "width" | "height", value: unknown, limits: GenerationLimits, step: number) {
  const ok = typeof value === "number" && Number.isInteger(value) && value >= MIN_SIZE &&
    value <= limits.maxSize && value % step === 0;
  if (!ok) {
    throw new GenerationError(
      field,
      `must be a multiple of ${step} in [${MIN_SIZE}, ${limits.maxSize}]`,
      value,
    );
  }
  return value;
}

function number(field: GenerationField, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new GenerationError(field, `must be a number in [${min}, ${max}]`, value);
  }
  return value;
}

function text(field: "prompt" | "negativePrompt", value: unknown, nonEmpty: boolean): string {
  if (typeof value !== "string" || (nonEmpty && value.trim() === "")) {
    throw new GenerationError(field, `must be a${nonEmpty ? " non-empty" : ""} string`, value);
  }
  return value;
}

/** The image-to-image and inpainting fields: present together as they must be, in range. */
function checkImageFields(init: GenerationInit): void {
  const { initImage, mask } = init;
  if (initImage === undefined) {
    for (const field of ["mask", "strength", "maskBlur", "invertMask"] as const) {
      if (init[field] !== undefined) {
        throw new GenerationError(field, "needs an init image ('initImage')", init[field]);
      }
    }
    return;
  }
  for (const [field, image] of [["initImage", initImage], ["mask", mask]] as const) {
    if (image === undefined) continue;
    const { width = image.width, height = image.height } = init;
    if (image.width !== width || image.height !== height) {
      throw new GenerationError(
        field,
        `must be ${width}x${height} like the request`,
        `${image.width}x${image.height}`,
      );
    }
  }
  const { strength } = init;
  if (strength !== undefined && !(typeof strength === "number" && strength > 0 && strength <= 1)) {
    throw new GenerationError("strength", "must be a number in (0, 1]", strength);
  }
  if (init.maskBlur !== undefined) integer("maskBlur", init.maskBlur, 0, 64);
  if (init.invertMask !== undefined && typeof init.invertMask !== "boolean") {
    throw new GenerationError("invertMask", "must be a boolean", init.invertMask);
  }
  if (init.resizeMode !== undefined && !RESIZE_MODES.includes(init.resizeMode)) {
    throw new GenerationError(
      "resizeMode",
      `must be one of ${RESIZE_MODES.join(", ")}`,
      init.resizeMode,
    );
  }
}

/** Options of {@linkcode checkGeneration}. */
export interface CheckGenerationOptions extends ResolveGenerationOptions {
  /** Image sides must be multiples of it (the model's `vaeScaleFactor`). @default {8} */
  vaeScaleFactor?: number;
}

/**
 * Checks the fields `init` gives against `limits` (absent ones stay absent) and resolves the seed:
 * what a surface can check before it has the model's manifest.
 *
 * @throws {GenerationError} naming the first field out of range.
 *
 * @example
 * ```ts
 * import { checkGeneration } from "./resolve.ts";
 * import { DEFAULT_LIMITS } from "./limits.ts";
 * const init = checkGeneration({ prompt: "a cat", seed: 2n ** 64n - 1n }, DEFAULT_LIMITS);
 * console.log(init.seed); // 18446744073709551615
 * ```
 */
export function checkGeneration<T extends GenerationInit>(
  init: T,
  limits: GenerationLimits,
  options: CheckGenerationOptions = {},
): T & { seed: string } {
  const step = options.vaeScaleFactor ?? 8;
  text("prompt", init?.prompt, true);
  const checked = { ...init };
  const has = (field: GenerationField) => checked[field] !== undefined;
  if (has("negativePrompt")) text("negativePrompt", checked.negativePrompt, false);
  if (has("scheduler")) {
    const known = schedulerNames();
    if (typeof checked.scheduler !== "string" || !known.includes(checked.scheduler)) {
      throw new GenerationError(
        "scheduler",
        `must be one of ${known.join(", ")}`,
        checked.scheduler,
      );
    }
  }
  if (has("steps")) integer("steps", checked.steps, 1, limits.maxSteps);
  if (has("guidanceScale")) number("guidanceScale", checked.guidanceScale, 0, limits.maxGuidance);
  if (has("width")) side("width", checked.width, limits, step);
  if (has("height")) side("height", checked.height, limits, step);
  if (has("batchSize")) integer("batchSize", checked.batchSize, 1, limits.maxImages);
  if (has("eta")) number("eta", checked.eta, 0, 1);
  checkImageFields(checked);
  if (has("strength") && has("steps") && stepsForStrength(checked.steps!, checked.strength) < 1) {
    throw new GenerationError(
      "strength",
      `must leave at least one of the ${checked.steps} steps (strength × steps ≥ 1)`,
      checked.strength,
    );
  }
  const seed = checked.seed === undefined
    ? (options.randomSeed ?? randomSeed)()
    : parseSeed(checked.seed);
  return { ...checked, seed };
}

/**
 * Fills `init`'s absent fields from `manifest.defaults` (steps and sides capped at the limits) and
 * checks every field against `limits`.
 *
 * @throws {GenerationError} naming the first field out of range.
 *
 * @example Defaults from the manifest, the seed as a decimal string
 * ```ts ignore
 * const params = resolveGeneration({ prompt: "a cat", seed: 42 }, manifest, DEFAULT_LIMITS);
 * console.log(params.steps, params.seed); // 25 "42"
 * ```
 */
export function resolveGeneration(
  init: GenerationInit,
  manifest: ModelManifest,
  limits: GenerationLimits,
  options: ResolveGenerationOptions = {},
): GenerationParams {
  const d = manifest.defaults;
  const given = Object.fromEntries(
    Object.entries(init ?? {}).filter(([, value]) => value !== undefined),
  ) as GenerationInit;
  const full = {
    negativePrompt: "",
    steps: Math.min(d.steps, limits.maxSteps),
    guidanceScale: d.guidanceScale,
    scheduler: d.scheduler,
    width: given.initImage?.width ?? Math.min(d.width, limits.maxSize),
    height: given.initImage?.height ?? Math.min(d.height, limits.maxSize),
    batchSize: 1,
    ...(given.initImage ? { strength: given.mask === undefined ? DEFAULT_STRENGTH : 1 } : {}),
    ...given,
    model: manifest.id,
  };
  return checkGeneration(full, limits, { ...options, vaeScaleFactor: manifest.vaeScaleFactor });
}
