/**
 * Prompt in, images out, on a loaded pipeline: fills the request from the manifest's defaults,
 * encodes the prompts and runs `textToImage`, `imageToImage` (an init image) or `inpaint` (an init
 * image and a mask). What the CLI and the render worker call.
 *
 * @module
 */

import { encodePrompt } from "./encode_prompt.ts";
import type { LoadedPipeline } from "./load.ts";
import { textToImage } from "./text_to_image.ts";
import { imageToImage } from "./image_to_image.ts";
import { inpaint } from "./inpaint.ts";
import type { PixelImage } from "../image/mod.ts";
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
  /** Init image for image to image / inpainting, at `width` × `height` (see `fitImage` in `shared/image`). */
  image?: PixelImage;
  /** Inpainting mask (white repaints), at `width` × `height`; needs `image`. */
  mask?: PixelImage;
  /**
   * Share of the schedule run from the noised image, in (0, 1].
   * @default {0.8 for image to image (diffusers' default), 1 for inpainting}
   */
  strength?: number;
}

/** Default strength of image to image (diffusers' `StableDiffusionImg2ImgPipeline`). */
export const DEFAULT_STRENGTH = 0.8;

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
  /** Image to image and inpainting: the strength used. */
  strength?: number;
  /** `"img2img"` or `"inpaint"` when an init image was given. */
  mode?: "img2img" | "inpaint";
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
  const embeddings = await encodePrompt(pipeline, {
    prompt: request.prompt,
    negativePrompt,
    maxLength: manifest.tokenizer.maxLength,
  });
  options.signal?.throwIfAborted();
  const scheduler = request.scheduler ?? defaults.scheduler;
  const steps = request.steps ?? defaults.steps;
  const guidanceScale = request.guidanceScale ?? defaults.guidanceScale;
  const width = request.width ?? defaults.width;
  const height = request.height ?? defaults.height;
  const batchSize = request.batchSize ?? 1;
  const base = {
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
  };
  const hooks = {
    ...options,
    unet: pipeline.unet,
    vaeDecoder: pipeline.vaeDecoder,
    scalingFactor: manifest.scalingFactor,
    vaeScaleFactor: manifest.vaeScaleFactor,
  };
  const { image, mask } = request;
  if (mask !== undefined && image === undefined) {
    throw new TypeError("Cannot inpaint as 'mask' needs an init 'image'");
  }
  const mode = image === undefined ? undefined : mask === undefined ? "img2img" : "inpaint";
  const strength = mode === undefined
    ? undefined
    : request.strength ?? (mode === "inpaint" ? 1 : DEFAULT_STRENGTH);
  let result: TextToImageResult;
  if (image === undefined) result = await textToImage(base, hooks);
  else {
    const vaeEncoder = await pipeline.loadVaeEncoder();
    result = mask === undefined
      ? await imageToImage({ ...base, image, strength: strength! }, { ...hooks, vaeEncoder })
      : await inpaint({ ...base, image, mask, strength: strength! }, { ...hooks, vaeEncoder });
  }
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
      ...(mode !== undefined ? { mode, strength: strength! } : {}),
    },
  };
}
