/**
 * Text to image: seeded noise, the denoising loop with classifier-free guidance, VAE decode, RGBA.
 * The same code runs in the browser (WebGPU), the edge and the render worker; only the sessions'
 * backend differs. Follows diffusers' `StableDiffusionPipeline.__call__` step for step, so a seed
 * means the same image here as there.
 *
 * @module
 */

import { createScheduler } from "../schedulers/mod.ts";
import { createGenerator } from "../rng/mod.ts";
import { parseSeed, randomSeed } from "../generation/mod.ts";
import type {
  GeneratedImage,
  PipelineEvent,
  TextToImageOptions,
  TextToImageRequest,
  TextToImageResult,
} from "./types.ts";
import { concatRows, repeatRows } from "./_batch.ts";
import { prepareUnet } from "./_unet.ts";
import { decodeLatents } from "./_decode.ts";
import { applyGuidance, validateRequest } from "./_request.ts";

/**
 * Generates images from prompt embeddings.
 *
 * Guidance is diffusers' `uncond + scale · (cond − uncond)`; with a dynamic UNet batch the
 * unconditional and conditional rows go through one run, with a fixed batch through separate runs,
 * and a scale ≤ 1 skips the unconditional rows. Events arrive in order: `start`, one `step` per
 * requested step (whatever extra UNet calls the scheduler makes), `decode`, `done`.
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
  const started = performance.now();
  const { signal, onProgress } = options;
  const vaeScaleFactor = options.vaeScaleFactor ?? 8;
  const { batchSize, guided } = validateRequest(request, vaeScaleFactor);
  signal?.throwIfAborted();
  const emit = (event: PipelineEvent) => onProgress?.(event);

  const seed = request.seed === undefined ? randomSeed() : parseSeed(request.seed);
  const generator = createGenerator(BigInt(seed));
  const scheduler = createScheduler(request.scheduler, request.schedulerConfig);
  scheduler.setTimesteps(request.steps);
  const timesteps = [...scheduler.timesteps];

  const sampleShape = options.unet.inputs.find((s) => s.name === "sample")?.shape ?? [];
  const channels = typeof sampleShape[1] === "number" ? sampleShape[1] : 4;
  const latentShape = [
    channels,
    request.height / vaeScaleFactor,
    request.width / vaeScaleFactor,
  ] as const;
  const shape = [batchSize, ...latentShape];
  let latents = generator.randn(shape);
  const sigma = scheduler.initNoiseSigma;
  if (sigma !== 1) latents = latents.map((v) => v * sigma);
  const total = request.steps;
  emit({ type: "start", seed, total, latents });

  const { cond, uncond } = request.embeddings;
  const embeddings = guided
    ? concatRows([repeatRows(uncond, batchSize), repeatRows(cond, batchSize)])
    : repeatRows(cond, batchSize);
  const rows = guided ? 2 * batchSize : batchSize;
  const unet = await prepareUnet(options.unet, {
    embeddings,
    rows,
    latentShape,
    keepOnDevice: options.keepEmbeddingsOnDevice ?? true,
  });
  let schedulerMs = 0;
  let reported = 0;
  const unetCalls = options.returnSamples
    ? { timesteps: [] as number[], latents: [] as Float32Array[] }
    : undefined;
  const denoiseStart = performance.now();
  try {
    for (const [i, timestep] of timesteps.entries()) {
      signal?.throwIfAborted();
      let mark = performance.now();
      const input = scheduler.scaleModelInput(
        guided ? concatRows([latents, latents]) : latents,
        timestep,
      );
      schedulerMs += performance.now() - mark;
      const noise = await unet.predict(input, timestep);
      mark = performance.now();
      const prediction = guided ? applyGuidance(noise, request.guidanceScale) : noise;
      latents = scheduler.step(prediction, timestep, latents, {
        generator,
        shape,
        ...(request.eta !== undefined ? { eta: request.eta } : {}),
      }).prevSample;
      schedulerMs += performance.now() - mark;
      unetCalls?.timesteps.push(timestep);
      unetCalls?.latents.push(latents);
      // User-facing steps: call i of n finishes step ⌊(i + 1) · steps / n⌋ (n ≥ steps, so each
      // step is reported exactly once, the last with the last call).
      const step = Math.floor(((i + 1) * total) / timesteps.length);
      if (step > reported) {
        reported = step;
        emit({ type: "step", step, total, timestep, latents });
      }
    }
  } finally {
    unet.dispose();
  }
  const denoiseMs = performance.now() - denoiseStart;
  signal?.throwIfAborted();

  emit({ type: "decode", images: batchSize });
  const decodeStart = performance.now();
  const decoded = await decodeLatents(options.vaeDecoder, latents, {
    batchSize,
    latentShape,
    scalingFactor: options.scalingFactor,
    width: request.width,
    height: request.height,
    returnSamples: options.returnSamples ?? false,
  });
  const images: GeneratedImage[] = decoded.images;
  const decodeMs = performance.now() - decodeStart;

  let nsfwContentDetected: boolean[] | undefined;
  if (options.safetyChecker) {
    const flags = await options.safetyChecker.check(images, signal ? { signal } : {});
    nsfwContentDetected = images.map((image, i) => {
      if (!flags[i]) return false;
      image.rgba.fill(0);
      for (let p = 3; p < image.rgba.length; p += 4) image.rgba[p] = 255;
      return true;
    });
  }
  const timings = {
    totalMs: performance.now() - started,
    denoiseMs,
    decodeMs,
    unetMs: unet.runMs,
    vaeMs: decoded.runMs,
    schedulerMs,
  };
  emit({ type: "done", seed, timings });
  return {
    images,
    seed,
    latents,
    timings,
    ...(unetCalls ? { unetCalls } : {}),
    ...(nsfwContentDetected ? { nsfwContentDetected } : {}),
  };
}
