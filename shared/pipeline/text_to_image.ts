/**
 * Text to image: seeded noise, the denoising loop with classifier-free guidance, VAE decode, RGBA.
 * The same code runs in the browser (WebGPU), the edge and the render worker; only the sessions'
 * backend differs. Follows diffusers' `StableDiffusionPipeline.__call__` step for step, so a seed
 * means the same image here as there.
 *
 * @module
 */

import type { TextToImageOptions, TextToImageRequest, TextToImageResult } from "./types.ts";
import { beginGeneration, denoiseAndDecode } from "./_generation.ts";

/**
 * Generates images from prompt embeddings.
 *
 * Guidance is diffusers' `uncond + scale · (cond − uncond)`; with a dynamic UNet batch the
 * unconditional and conditional rows go through one run, with a fixed batch through separate runs,
 * and a scale ≤ 1 skips the unconditional rows. A UNet with a `timestep_cond` input (LCM) gets
 * the guidance-scale embedding there instead, and no unconditional rows. Events arrive in order:
 * `start`, one `step` per requested step (whatever extra UNet calls the scheduler makes),
 * `decode`, `done`.
 *
 * @throws {DOMException | unknown} the signal's reason when aborted (within one step).
 * @throws {RangeError | TypeError} for an invalid request.
 *
 * @example Four images of a prompt
 * ```ts ignore
 * const result = await textToImage(
 *   { embeddings, scheduler: "euler_a", schedulerConfig, steps: 25, guidanceScale: 7.5,
 *     width: 512, height: 512, batchSize: 4 },
 *   { unet, vaeDecoder, scalingFactor: 0.18215, onProgress: (e) => console.log(e.type) },
 * );
 * console.log(result.seed, result.images.length);
 * ```
 */
export async function textToImage(
  request: TextToImageRequest,
  options: TextToImageOptions,
): Promise<TextToImageResult> {
  const generation = beginGeneration(request, options);
  const { scheduler } = generation;
  let latents = request.latents === undefined
    ? generation.generator.randn(generation.shape)
    : givenLatents(request.latents, generation.shape);
  const sigma = scheduler.initNoiseSigma;
  if (sigma !== 1) latents = latents.map((v) => v * sigma);
  return await denoiseAndDecode(generation, {
    latents,
    timesteps: scheduler.timesteps,
    total: request.steps,
  });
}

/** A copy of the caller's initial noise, once its size is checked against `shape`. */
function givenLatents(latents: Float32Array, shape: readonly number[]): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (!(latents instanceof Float32Array) || latents.length !== size) {
    throw new RangeError(
      `Cannot use 'latents' as it must be a Float32Array of ${size} values ([${
        shape.join(", ")
      }]): current length is ${(latents as { length?: number })?.length}`,
    );
  }
  return latents.slice();
}
