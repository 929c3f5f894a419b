/**
 * Image to image: the init image through the VAE encoder, a sample of its latent distribution
 * with the seeded generator, noised by the scheduler's `addNoise` to the first timestep that the
 * strength keeps, then the text-to-image loop from there and the decode. Follows diffusers'
 * `StableDiffusionImg2ImgPipeline` step for step, random draws included (encoder sample first,
 * then the noise, then any step noise), so a seed means the same image here as there.
 *
 * @module
 */

import { imageToTensor, type PixelImage } from "../image/mod.ts";
import { checkStrength, timestepsForStrength } from "../schedulers/mod.ts";
import type { ModelSession } from "../ort/mod.ts";
import type { TextToImageOptions, TextToImageRequest, TextToImageResult } from "./types.ts";
import { beginGeneration, denoiseAndDecode, type Generation } from "./_generation.ts";
import { repeatRows } from "./_batch.ts";
import { encodeImage } from "./_vae_encode.ts";

/** What to generate from an image. */
export interface ImageToImageRequest extends TextToImageRequest {
  /** The init image, already at `width` × `height` (see `fitImage` in `shared/image`). */
  image: PixelImage;
  /**
   * How much of the schedule to run, in (0, 1]: 1 ignores the image's content but its latent
   * colours, small values change little.
   */
  strength: number;
}

/** Options of {@linkcode imageToImage}: `textToImage`'s plus the VAE encoder. */
export interface ImageToImageOptions extends TextToImageOptions {
  vaeEncoder: ModelSession;
}

/** Throws unless `image` is `width` × `height`. */
export function checkImageSize(
  image: PixelImage,
  request: { width: number; height: number },
  name: string,
): void {
  if (image?.width !== request.width || image?.height !== request.height) {
    throw new RangeError(
      `Cannot use '${name}' as it must be ${request.width}x${request.height} like the request ` +
        `(resize it first): current size is ${image?.width}x${image?.height}`,
    );
  }
}

/** Encodes a planar image tensor to scaled latents, one draw of the generator. */
export async function encodeForGeneration(
  g: Generation,
  vaeEncoder: ModelSession,
  image: Float32Array,
): Promise<{ latents: Float32Array; runMs: number }> {
  return await encodeImage(vaeEncoder, image, {
    width: g.request.width,
    height: g.request.height,
    channels: g.latentShape[0],
    vaeScaleFactor: g.options.vaeScaleFactor ?? 8,
    scalingFactor: g.options.scalingFactor,
    generator: g.generator,
  });
}

/**
 * Generates images from an init image and prompt embeddings.
 *
 * @throws {RangeError | TypeError} for an invalid request (strength outside (0, 1], an image of
 *   another size than the request).
 *
 * @example Strength 0.6 over 25 steps
 * ```ts ignore
 * const result = await imageToImage(
 *   { embeddings, scheduler: "ddim", schedulerConfig, steps: 25, guidanceScale: 7.5,
 *     width: 512, height: 512, image, strength: 0.6 },
 *   { unet, vaeDecoder, vaeEncoder, scalingFactor: 0.18215 },
 * );
 * // 15 UNet steps ran: ⌊25 · 0.6⌋.
 * ```
 */
export async function imageToImage(
  request: ImageToImageRequest,
  options: ImageToImageOptions,
): Promise<TextToImageResult> {
  checkStrength(request.strength);
  checkImageSize(request.image, request, "image");
  const g = beginGeneration(request, options);
  const schedule = timestepsForStrength(g.scheduler, request.strength);
  const encoded = await encodeForGeneration(g, options.vaeEncoder, imageToTensor(request.image));
  const initLatents = repeatRows(encoded.latents, g.batchSize);
  const noise = g.generator.randn(g.shape);
  const latents = g.scheduler.addNoise(
    initLatents,
    noise,
    new Array(g.batchSize).fill(schedule.latentTimestep),
  );
  return await denoiseAndDecode(g, {
    latents,
    timesteps: schedule.timesteps,
    total: schedule.steps,
    encodeMs: encoded.runMs,
  });
}
