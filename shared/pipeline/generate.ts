/**
 * Prompt in, images out, on a loaded pipeline: resolves the generation against the manifest
 * (`resolveGeneration`), encodes the prompts and runs `textToImage`, `imageToImage` (an init
 * image) or `inpaint` (an init image and a mask, inverted and blurred as asked). What the CLI and
 * the render workers call.
 *
 * @module
 */

import {
  type GenerationInit,
  type GenerationLimits,
  type GenerationParams,
  PIPELINE_LIMITS,
  resolveGeneration,
} from "../generation/mod.ts";
import { encodePrompt } from "./encode_prompt.ts";
import type { LoadedPipeline } from "./load.ts";
import { runGeneration } from "./run_generation.ts";
import { timestepCondSpec } from "./_unet.ts";
import type { TextToImageOptions, TextToImageResult } from "./types.ts";

/** Options of {@linkcode generate}: `textToImage`'s hooks and the limits to check against. */
export type GenerateOptions =
  & Omit<TextToImageOptions, "unet" | "vaeDecoder" | "scalingFactor">
  & {
    /** @default {PIPELINE_LIMITS} (a surface resolves against its own limits first) */
    limits?: GenerationLimits;
  };

/** `textToImage`'s result plus the parameters that ran (seed resolved). */
export interface GenerateResult extends TextToImageResult {
  parameters: GenerationParams;
}

/**
 * Generates images for a prompt with a loaded pipeline; absent fields take the manifest's
 * defaults.
 *
 * @throws {GenerationError} for a parameter out of range.
 *
 * @example A seeded 25-step image
 * ```ts ignore
 * const result = await generate(pipeline, { prompt: "a photo of a cat", seed: 42, steps: 25 });
 * console.log(result.parameters.scheduler, result.images[0]!.width);
 * ```
 */
export async function generate(
  pipeline: LoadedPipeline,
  init: GenerationInit,
  options: GenerateOptions = {},
): Promise<GenerateResult> {
  const { manifest } = pipeline;
  const { limits = PIPELINE_LIMITS, ...hooks } = options;
  const parameters = resolveGeneration(init, manifest, limits);
  const embeddings = await encodePrompt(pipeline, {
    prompt: parameters.prompt,
    negativePrompt: parameters.negativePrompt,
    maxLength: manifest.tokenizer.maxLength,
    // diffusers guides only above 1: below, the negative prompt is neither encoded nor used; nor
    // is it by an LCM UNet, which takes the guidance as an embedding.
    unconditional: parameters.guidanceScale > 1 && timestepCondSpec(pipeline.unet) === undefined,
  });
  hooks.signal?.throwIfAborted();
  const result = await runGeneration(parameters, embeddings, {
    ...hooks,
    unet: pipeline.unet,
    vaeDecoder: pipeline.vaeDecoder,
    scalingFactor: manifest.scalingFactor,
    vaeScaleFactor: manifest.vaeScaleFactor,
    schedulerConfig: manifest.schedulerConfig,
    vaeEncoder: () => pipeline.loadVaeEncoder(),
  });
  return { ...result, parameters };
}
