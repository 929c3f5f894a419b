/**
 * The VAE encoder stage of image to image and inpainting: an image tensor through the encoder,
 * then a sample of the latent distribution with the pipeline's generator (diffusers'
 * `latent_dist.sample(generator)`), times the VAE scaling factor.
 *
 * Encoders that export the distribution's parameters (`latent_parameters`: mean ‖ log-variance,
 * as the project's own builder and newer optimum exports write) are sampled exactly like
 * diffusers. Encoders that export only the mean (`latent_sample`) give the mean; the noise is
 * still drawn so every later draw of the seed stays where diffusers has it.
 *
 * @module
 */

import type { ModelSession } from "../ort/mod.ts";
import type { RandomGenerator } from "../rng/mod.ts";
import { fixedBatch, ioNamed, planRuns, runBatched } from "./_batch.ts";

const f32 = Math.fround;

/** Options of {@linkcode encodeImage}. */
export interface EncodeImageOptions {
  width: number;
  height: number;
  /** Latent channels (4 for Stable Diffusion). */
  channels: number;
  vaeScaleFactor: number;
  scalingFactor: number;
  generator: RandomGenerator;
}

/** Scaled latents `[1, channels, h, w]` of one image and the time spent in `session.run`. */
export async function encodeImage(
  vae: ModelSession,
  image: Float32Array,
  options: EncodeImageOptions,
): Promise<{ latents: Float32Array; runMs: number }> {
  const { width, height, channels, vaeScaleFactor } = options;
  const input = ioNamed(vae.inputs, "sample", 0);
  const parameters = vae.outputs.find((s) => s.name === "latent_parameters");
  const output = parameters ?? ioNamed(vae.outputs, "latent_sample", 0);
  const start = performance.now();
  const result = await runBatched(
    (feeds, runOptions) => vae.run(feeds, runOptions),
    planRuns(1, fixedBatch(input)),
    output.name,
    (run) => {
      const data = new Float32Array(run.size * image.length);
      for (let r = 0; r < run.size; r++) data.set(image, r * image.length);
      return { [input.name]: { data, dims: [run.size, 3, height, width] } };
    },
  );
  const runMs = performance.now() - start;
  const plane = (height / vaeScaleFactor) * (width / vaeScaleFactor);
  const size = channels * plane;
  const moments = result.data as Float32Array;
  const expected = parameters ? 2 * size : size;
  if (moments.length !== expected) {
    throw new RangeError(
      `Cannot encode the image as the VAE encoder's '${output.name}' must hold ${expected} ` +
        `values for ${width}x${height}: current length is ${moments.length}`,
    );
  }
  const noise = options.generator.randn([
    1,
    channels,
    height / vaeScaleFactor,
    width / vaeScaleFactor,
  ]);
  const scale = f32(options.scalingFactor);
  const latents = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let x = moments[i]!;
    if (parameters) {
      const logvar = Math.min(20, Math.max(-30, moments[size + i]!));
      const std = f32(Math.exp(f32(0.5 * logvar)));
      x = f32(x + f32(std * noise[i]!));
    }
    latents[i] = f32(scale * x);
  }
  return { latents, runMs };
}
