/**
 * One resolved generation on loaded sessions: `textToImage`, `imageToImage` (an init image) or
 * `inpaint` (an init image and a mask, inverted and blurred as asked), chosen from the
 * `GenerationParams`. The server's `generate` and the browser's render worker both call it, so
 * the two agree on every mode.
 *
 * @module
 */

import type { GenerationParams } from "../generation/params.ts";
import { adjustMask } from "../image/mask_blur.ts";
import type { ModelSession } from "../ort/types.ts";
import { imageToImage } from "./image_to_image.ts";
import { inpaint } from "./inpaint.ts";
import { textToImage } from "./text_to_image.ts";
import type { PromptEmbeddings, TextToImageOptions, TextToImageResult } from "./types.ts";

/** Options of {@linkcode runGeneration}: `textToImage`'s plus the VAE encoder when needed. */
export interface RunGenerationOptions extends TextToImageOptions {
  /** The model's diffusers `scheduler_config.json` object. */
  schedulerConfig: Record<string, unknown>;
  /** The VAE encoder, asked for only when the params have an init image. */
  vaeEncoder?: () => Promise<ModelSession>;
}

/**
 * Runs `params` with prompt `embeddings`.
 *
 * @throws {TypeError} when an init image is given and no `vaeEncoder`.
 *
 * @example
 * ```ts ignore
 * const result = await runGeneration(params, embeddings, {
 *   unet, vaeDecoder, scalingFactor: 0.18215, schedulerConfig, vaeEncoder: () => loadEncoder(),
 * });
 * ```
 */
export async function runGeneration(
  params: GenerationParams,
  embeddings: PromptEmbeddings,
  options: RunGenerationOptions,
): Promise<TextToImageResult> {
  const { schedulerConfig, vaeEncoder: loadEncoder, ...run } = options;
  const request = { ...params, embeddings, schedulerConfig };
  const { initImage, mask, strength } = params;
  if (initImage === undefined) return await textToImage(request, run);
  if (loadEncoder === undefined) {
    throw new TypeError("Cannot run image to image without a VAE encoder ('vaeEncoder')");
  }
  const vaeEncoder = await loadEncoder();
  const images = { ...request, image: initImage, strength: strength ?? (mask ? 1 : 0.8) };
  if (mask === undefined) return await imageToImage(images, { ...run, vaeEncoder });
  const adjusted = adjustMask(mask, {
    blur: params.maskBlur ?? 0,
    invert: params.invertMask ?? false,
  });
  return await inpaint({ ...images, mask: adjusted }, { ...run, vaeEncoder });
}
