/**
 * Inpainting, as diffusers' `StableDiffusionInpaintPipeline` (v0.25) runs it, for both kinds of
 * UNet: a 9-channel inpainting UNet gets latents ‖ mask ‖ masked-image latents every step; an
 * ordinary 4-channel UNet denoises freely and the noised init latents are blended back outside
 * the mask after every step. The mask is binarised (≥ 0.5 repaints) and downsampled to the latent
 * grid by nearest neighbour (the top-left pixel of each 8×8 block). Random draws come in
 * diffusers' order: the init image's encoder sample (4-channel UNets, or strength < 1), the
 * noise, the masked image's encoder sample, then any step noise.
 *
 * @module
 */

import { imageToTensor, maskToTensor, type PixelImage } from "../image/mod.ts";
import { checkStrength, timestepsForStrength } from "../schedulers/mod.ts";
import type { TextToImageResult } from "./types.ts";
import { beginGeneration, denoiseAndDecode, type Generation } from "./_generation.ts";
import { concatRows, repeatRows } from "./_batch.ts";
import {
  checkImageSize,
  encodeForGeneration,
  type ImageToImageOptions,
  type ImageToImageRequest,
} from "./image_to_image.ts";

const f32 = Math.fround;

/** What to repaint. `strength` defaults to 1 here, as in diffusers. */
export interface InpaintRequest extends Omit<ImageToImageRequest, "strength"> {
  /** White (≥ 128 after grayscale) repaints, black keeps; `width` × `height`. */
  mask: PixelImage;
  /** @default {1} */
  strength?: number;
}

/** The mask at latent size: pixel (8i, 8j) of the binarised mask, like `F.interpolate(nearest)`. */
function maskLatents(mask: Float32Array, g: Generation): Float32Array {
  const [, h, w] = g.latentShape;
  const factor = g.options.vaeScaleFactor ?? 8;
  const width = g.request.width;
  const out = new Float32Array(h * w);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) out[i * w + j] = mask[i * factor * width + j * factor]!;
  }
  return out;
}

/** `(1 − m)·init + m·latents` per channel and row, m the latent mask (float32 like torch). */
function blend(latents: Float32Array, init: Float32Array, mask: Float32Array): Float32Array {
  const plane = mask.length;
  return latents.map((x, i) => {
    const m = mask[i % plane]!;
    return f32(f32(1 - m) * init[i]!) + f32(m * x);
  });
}

/**
 * Repaints the masked area of an image.
 *
 * @throws {RangeError | TypeError} for an invalid request (strength outside (0, 1], an image or
 *   mask of another size than the request).
 *
 * @example Repaint a region with a 4- or 9-channel UNet
 * ```ts ignore
 * const result = await inpaint(
 *   { embeddings, scheduler: "ddim", schedulerConfig, steps: 25, guidanceScale: 7.5,
 *     width: 512, height: 512, image, mask },
 *   { unet, vaeDecoder, vaeEncoder, scalingFactor: 0.18215 },
 * );
 * ```
 */
export async function inpaint(
  request: InpaintRequest,
  options: ImageToImageOptions,
): Promise<TextToImageResult> {
  const strength = checkStrength(request.strength ?? 1);
  checkImageSize(request.image, request, "image");
  checkImageSize(request.mask, request, "mask");
  const g = beginGeneration({ ...request }, options);
  const { scheduler, batchSize, shape } = g;
  const schedule = timestepsForStrength(scheduler, strength);
  const strengthMax = strength === 1;
  const legacy = g.unetChannels === g.latentShape[0];
  const imageTensor = imageToTensor(request.image);
  let encodeMs = 0;
  let imageLatents: Float32Array | null = null;
  if (legacy || !strengthMax) {
    const encoded = await encodeForGeneration(g, options.vaeEncoder, imageTensor);
    imageLatents = repeatRows(encoded.latents, batchSize);
    encodeMs += encoded.runMs;
  }
  const noise = g.generator.randn(shape);
  const latents = strengthMax
    ? noise.map((v) => v * scheduler.initNoiseSigma)
    : scheduler.addNoise(imageLatents!, noise, new Array(batchSize).fill(schedule.latentTimestep));

  const mask = maskToTensor(request.mask);
  const plane = mask.length;
  const masked = imageTensor.map((x, i) => (mask[i % plane]! < 0.5 ? x : 0));
  const latentMask = maskLatents(mask, g);
  // diffusers encodes the masked image for 4-channel UNets too (and so draws its noise).
  const maskedEncoded = await encodeForGeneration(g, options.vaeEncoder, masked);
  encodeMs += maskedEncoded.runMs;
  const rows = g.guided ? 2 * batchSize : batchSize;
  const { timesteps } = schedule;
  return await denoiseAndDecode(g, {
    latents,
    timesteps,
    total: schedule.steps,
    encodeMs,
    ...(legacy
      ? {
        afterStep: (current: Float32Array, i: number) => {
          const next = timesteps[i + 1];
          const init = next === undefined
            ? imageLatents!
            : scheduler.addNoise(imageLatents!, noise, new Array(batchSize).fill(next));
          return blend(current, init, latentMask);
        },
      }
      : { conditioning: repeatRows(concatRows([latentMask, maskedEncoded.latents]), rows) }),
  });
}
