/**
 * The last stage of `textToImage`: latents scaled by `1 / scalingFactor`, the VAE decoder (in
 * runs of its fixed batch, or one run), and the float output converted to RGBA.
 *
 * @module
 */

import type { ModelSession } from "../ort/mod.ts";
import { toRgba } from "../image/mod.ts";
import type { GeneratedImage } from "./types.ts";
import { fixedBatch, ioNamed, planRuns, runBatched } from "./_batch.ts";

/** Options of {@linkcode decodeLatents}. */
export interface DecodeOptions {
  batchSize: number;
  latentShape: readonly [number, number, number];
  scalingFactor: number;
  width: number;
  height: number;
  returnSamples: boolean;
}

/** Decodes the latents of `batchSize` images; `runMs` is the time inside `session.run`. */
export async function decodeLatents(
  vae: ModelSession,
  latents: Float32Array,
  options: DecodeOptions,
): Promise<{ images: GeneratedImage[]; runMs: number }> {
  const { batchSize, latentShape, scalingFactor, width, height } = options;
  if (!(scalingFactor > 0)) {
    throw new RangeError(
      `Cannot decode as 'scalingFactor' must be positive: current value is ${scalingFactor}`,
    );
  }
  const input = ioNamed(vae.inputs, "latent_sample", 0);
  const output = ioNamed(vae.outputs, "sample", 0);
  // diffusers divides (`latents / scaling_factor`) in float32, the scalar cast to float32.
  const divisor = Math.fround(scalingFactor);
  const scaled = latents.map((v) => v / divisor);
  const row = latentShape[0] * latentShape[1] * latentShape[2];
  let runMs = 0;
  const decoded = await runBatched(
    async (feeds, runOptions) => {
      const start = performance.now();
      try {
        return await vae.run(feeds, runOptions);
      } finally {
        runMs += performance.now() - start;
      }
    },
    planRuns(batchSize, fixedBatch(input)),
    output.name,
    (run) => {
      const data = new Float32Array(run.size * row);
      for (let r = 0; r < run.size; r++) {
        const source = Math.min(run.start + r, run.start + run.count - 1);
        data.set(scaled.subarray(source * row, (source + 1) * row), r * row);
      }
      return { [input.name]: { data, dims: [run.size, ...latentShape] } };
    },
  );
  const sample = decoded.data as Float32Array;
  const expected = [batchSize, 3, height, width];
  if (decoded.dims.join() !== expected.join()) {
    throw new RangeError(
      `Cannot decode as the VAE output must be [${expected}]: current dims are [${decoded.dims}]`,
    );
  }
  const pixels = 3 * width * height;
  const images = Array.from({ length: batchSize }, (_, index): GeneratedImage => ({
    rgba: toRgba(sample, { width, height, index }),
    width,
    height,
    ...(options.returnSamples
      ? { sample: sample.slice(index * pixels, (index + 1) * pixels) }
      : {}),
  }));
  return { images, runMs };
}
