/**
 * Prompt in, images out, on a loaded pipeline: fills the request from the manifest's defaults,
 * encodes the prompts and runs `textToImage`. What the CLI and the render worker call.
 *
 * @module
 */

import { encodePrompt } from "./encode_prompt.ts";
import type { LoadedPipeline } from "./load.ts";
import { textToImage } from "./text_to_image.ts";
import { timestepCondSpec } from "./_unet.ts";
import type { TextToImageOptions, TextToImageResult } from "./types.ts";

/** A prompt-level request; absent fields take the model manifest's defaults. */
export interface GenerateRequest {
  prompt: string;
  /** @default {""} */
  negativePrompt?: string;
  steps?: number;
  guidanceScale?: number;
  seed?: number | bigint;
  width?: number;
  height?: number;
  /** @default {1} */
  batchSize?: number;
  /** Scheduler class name or alias. */
  scheduler?: string;
  eta?: number;
}

/** The request as it ran, seed resolved: what goes into a PNG's parameters. */
export interface GenerateParameters {
  model: string;
  prompt: string;
  negativePrompt: string;
  steps: number;
  guidanceScale: number;
  seed: bigint;
  width: number;
  height: number;
  batchSize: number;
  scheduler: string;
  eta?: number;
}

/** Options of {@linkcode generate}: `textToImage`'s hooks. */
export type GenerateOptions = Omit<TextToImageOptions, "unet" | "vaeDecoder" | "scalingFactor">;

/** `textToImage`'s result plus the resolved parameters. */
export interface GenerateResult extends TextToImageResult {
  parameters: GenerateParameters;
}

/**
 * Generates images for a prompt with a loaded pipeline.
 *
 * @example A seeded 25-step image
 * ```ts ignore
 * const result = await generate(pipeline, { prompt: "a photo of a cat", seed: 42, steps: 25 });
 * console.log(result.parameters.scheduler, result.images[0]!.width);
 * ```
 */
export async function generate(
  pipeline: LoadedPipeline,
  request: GenerateRequest,
  options: GenerateOptions = {},
): Promise<GenerateResult> {
  const { manifest } = pipeline;
  const defaults = manifest.defaults;
  const negativePrompt = request.negativePrompt ?? "";
  const guidanceScale = request.guidanceScale ?? defaults.guidanceScale;
  const embeddings = await encodePrompt(pipeline, {
    prompt: request.prompt,
    negativePrompt,
    maxLength: manifest.tokenizer.maxLength,
    // diffusers guides only above 1: below, the negative prompt is neither encoded nor used; nor
    // is it by an LCM UNet, which takes the guidance as an embedding.
    unconditional: guidanceScale > 1 && timestepCondSpec(pipeline.unet) === undefined,
  });
  options.signal?.throwIfAborted();
  const scheduler = request.scheduler ?? defaults.scheduler;
  const steps = request.steps ?? defaults.steps;
  const width = request.width ?? defaults.width;
  const height = request.height ?? defaults.height;
  const batchSize = request.batchSize ?? 1;
  const result = await textToImage({
    embeddings,
    scheduler,
    schedulerConfig: manifest.schedulerConfig,
    steps,
    guidanceScale,
    width,
    height,
    batchSize,
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.eta !== undefined ? { eta: request.eta } : {}),
  }, {
    ...options,
    unet: pipeline.unet,
    vaeDecoder: pipeline.vaeDecoder,
    scalingFactor: manifest.scalingFactor,
    vaeScaleFactor: manifest.vaeScaleFactor,
  });
  return {
    ...result,
    parameters: {
      model: manifest.id,
      prompt: request.prompt,
      negativePrompt,
      steps,
      guidanceScale,
      seed: result.seed,
      width,
      height,
      batchSize,
      scheduler,
      ...(request.eta !== undefined ? { eta: request.eta } : {}),
    },
  };
}
