/**
 * Checks a `generate` request early (so a typo fails before any download) and fills the model's
 * defaults for in-browser rendering, the way the server does for its own.
 *
 * @module
 */

import type { ModelManifest } from "../../shared/manifest.ts";
import { randomSeed } from "../../shared/rng/random_seed.ts";
import type { GenerateParams } from "./types.ts";

/** A request with every field resolved. */
export interface ResolvedParams {
  model: string;
  prompt: string;
  negativePrompt: string;
  steps: number;
  guidanceScale: number;
  seed: string;
  width: number;
  height: number;
  scheduler: string;
}

const MAX_SEED = (1n << 64n) - 1n;

function fail(name: string, expectation: string, value: unknown): never {
  throw new RangeError(
    `Cannot generate as '${name}' ${expectation}: current value is ${String(value)}`,
  );
}

function checkInteger(name: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(name, `must be an integer in [${min}, ${max}]`, value);
  }
}

/**
 * Checks the parameters' types and ranges and resolves the seed (a random 32-bit one when absent).
 *
 * @throws {TypeError} when `prompt` is not a non-empty string.
 * @throws {RangeError} for out-of-range numbers.
 *
 * @example Usage
 * ```ts ignore
 * const { seed } = checkParams({ prompt: "a cat" });
 * ```
 */
export function checkParams(params: GenerateParams): GenerateParams & { seed: string } {
  if (typeof params?.prompt !== "string" || params.prompt.trim() === "") {
    throw new TypeError("Cannot generate as 'prompt' must be a non-empty string");
  }
  checkInteger("steps", params.steps, 1, 1000);
  checkInteger("width", params.width, 8, 8192);
  checkInteger("height", params.height, 8, 8192);
  const scale = params.guidanceScale;
  if (scale !== undefined && (typeof scale !== "number" || !Number.isFinite(scale))) {
    fail("guidanceScale", "must be a finite number", scale);
  }
  let seed: bigint;
  const raw = params.seed;
  if (raw === undefined || raw === "") seed = BigInt(randomSeed());
  else if (typeof raw === "bigint") seed = raw;
  else if (typeof raw === "number" && Number.isSafeInteger(raw)) seed = BigInt(raw);
  else if (typeof raw === "string" && /^\d{1,20}$/.test(raw.trim())) seed = BigInt(raw.trim());
  else seed = -1n;
  if (seed < 0n || seed > MAX_SEED) fail("seed", "must be an integer in [0, 2^64 - 1]", raw);
  return { ...params, seed: seed.toString() };
}

/**
 * Fills absent fields from the manifest's defaults.
 *
 * @throws {RangeError} when a side is not a multiple of the VAE scale factor.
 *
 * @example Usage
 * ```ts ignore
 * const resolved = resolveParams(checkParams({ prompt: "a cat" }), manifest);
 * ```
 */
export function resolveParams(
  params: GenerateParams & { seed: string },
  manifest: ModelManifest,
): ResolvedParams {
  const d = manifest.defaults;
  const resolved: ResolvedParams = {
    model: manifest.id,
    prompt: params.prompt,
    negativePrompt: params.negativePrompt ?? "",
    steps: params.steps ?? d.steps,
    guidanceScale: params.guidanceScale ?? d.guidanceScale,
    seed: params.seed,
    width: params.width ?? d.width,
    height: params.height ?? d.height,
    scheduler: params.scheduler ?? d.scheduler,
  };
  for (const name of ["width", "height"] as const) {
    if (resolved[name] % manifest.vaeScaleFactor !== 0) {
      fail(name, `must be a multiple of ${manifest.vaeScaleFactor}`, resolved[name]);
    }
  }
  return resolved;
}
