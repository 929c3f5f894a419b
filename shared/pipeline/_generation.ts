/**
 * What every generation mode shares once its initial latents exist: the request checks, seed,
 * generator and scheduler set-up (`beginGeneration`), then the denoising loop with classifier-free
 * guidance, VAE decode, the optional safety checker and the timings (`denoiseAndDecode`).
 * Text to image starts the loop from noise; image to image and inpainting from noised image
 * latents, optionally with extra UNet input channels or a blend after every step.
 *
 * @module
 */

import { createScheduler, type Scheduler } from "../schedulers/mod.ts";
import { createGenerator, type RandomGenerator } from "../rng/mod.ts";
import { parseSeed, randomSeed } from "../generation/mod.ts";
import type {
  GeneratedImage,
  PipelineEvent,
  TextToImageOptions,
  TextToImageRequest,
  TextToImageResult,
} from "./types.ts";
import { concatRows, repeatRows } from "./_batch.ts";
import { prepareUnet, timestepCondSpec } from "./_unet.ts";
import { guidanceScaleEmbedding } from "./guidance_embedding.ts";
import { decodeLatents } from "./_decode.ts";
import { applyGuidance, validateRequest } from "./_request.ts";

/** A generation set up by {@linkcode beginGeneration}. */
export interface Generation {
  request: TextToImageRequest;
  options: TextToImageOptions;
  /** `performance.now()` when the call began. */
  started: number;
  emit(event: PipelineEvent): void;
  batchSize: number;
  guided: boolean;
  /** Decimal seed. */
  seed: string;
  generator: RandomGenerator;
  /** The scheduler with `setTimesteps(request.steps)` done. */
  scheduler: Scheduler;
  /** Latent `[channels, height/8, width/8]`. */
  latentShape: readonly [number, number, number];
  /** Channels of the UNet's `sample` input: the latent channels, or 9 for inpainting UNets. */
  unetChannels: number;
  /** `[batch, ...latentShape]`. */
  shape: number[];
  /**
   * An LCM UNet's `timestep_cond` (the guidance-scale embedding, one row), when the UNet takes
   * the guidance that way instead of through unconditional rows.
   */
  timestepCond?: Float32Array;
}

function condDim(spec: { name: string; shape: (number | string)[] }): number {
  const dim = spec.shape[spec.shape.length - 1];
  if (typeof dim !== "number") {
    throw new TypeError(
      `Cannot use the UNet as the width of its input '${spec.name}' must be fixed: ` +
        `current shape is [${spec.shape}]`,
    );
  }
  return dim;
}

/** Checks the request and creates the seeded generator and the scheduler. */
export function beginGeneration(
  request: TextToImageRequest,
  options: TextToImageOptions,
): Generation {
  const started = performance.now();
  const vaeScaleFactor = options.vaeScaleFactor ?? 8;
  // LCM-distilled UNets take the guidance as an embedding (`timestep_cond`), not as a second pass.
  const condSpec = timestepCondSpec(options.unet);
  const { batchSize, guided } = validateRequest(request, vaeScaleFactor, condSpec !== undefined);
  options.signal?.throwIfAborted();
  const seed = request.seed === undefined ? randomSeed() : parseSeed(request.seed);
  const scheduler = createScheduler(request.scheduler, request.schedulerConfig);
  scheduler.setTimesteps(request.steps);
  const sampleShape = options.unet.inputs.find((s) => s.name === "sample")?.shape ?? [];
  const unetChannels = typeof sampleShape[1] === "number" ? sampleShape[1] : 4;
  // An inpainting UNet takes latents ‖ mask ‖ masked-image latents: 4 + 1 + 4.
  const channels = unetChannels === 9 ? 4 : unetChannels;
  const latentShape = [
    channels,
    request.height / vaeScaleFactor,
    request.width / vaeScaleFactor,
  ] as const;
  return {
    request,
    options,
    started,
    emit: (event) => options.onProgress?.(event),
    batchSize,
    guided,
    seed,
    generator: createGenerator(BigInt(seed)),
    scheduler,
    latentShape,
    unetChannels,
    shape: [batchSize, ...latentShape],
    ...(condSpec === undefined
      ? {}
      : { timestepCond: guidanceScaleEmbedding(request.guidanceScale, condDim(condSpec)) }),
  };
}

/** Where the loop starts and what it adds to the plain text-to-image loop. */
export interface LoopStart {
  /** Initial latents `[batch, ...latentShape]`. */
  latents: Float32Array;
  /** The step calls to run (all of `scheduler.timesteps`, or the strength's tail). */
  timesteps: readonly number[];
  /**
   * User-facing steps these calls make (`request.steps`, or what a strength leaves): progress
   * reports each once, whatever extra UNet calls the scheduler makes.
   */
  total: number;
  /** Milliseconds spent encoding images before the loop. @default {0} */
  encodeMs?: number;
  /**
   * Extra UNet input channels per UNet row (`[rows, unetChannels − channels, h, w]`), appended
   * after the scaled latents of each row: an inpainting UNet's mask ‖ masked-image latents.
   */
  conditioning?: Float32Array;
  /** Replaces the latents after step `index` (inpainting's blend for 4-channel UNets). */
  afterStep?(latents: Float32Array, index: number): Float32Array;
}

/** Appends `extra` channels to each row of `sample` (rows of `channels × plane` values). */
function appendChannels(
  sample: Float32Array,
  extra: Float32Array,
  rows: number,
): Float32Array {
  const own = sample.length / rows;
  const more = extra.length / rows;
  const out = new Float32Array(sample.length + extra.length);
  for (let r = 0; r < rows; r++) {
    out.set(sample.subarray(r * own, (r + 1) * own), r * (own + more));
    out.set(extra.subarray(r * more, (r + 1) * more), r * (own + more) + own);
  }
  return out;
}

/** Runs the denoising loop from `start`, decodes, and returns the result. */
export async function denoiseAndDecode(
  g: Generation,
  start: LoopStart,
): Promise<TextToImageResult> {
  const { request, options, emit, batchSize, guided, scheduler, generator, shape, seed } = g;
  const { signal } = options;
  const { timesteps, total } = start;
  let latents = start.latents;
  emit({ type: "start", seed, total, latents });

  const { cond, uncond } = request.embeddings;
  const embeddings = guided
    ? concatRows([repeatRows(uncond, batchSize), repeatRows(cond, batchSize)])
    : repeatRows(cond, batchSize);
  const rows = guided ? 2 * batchSize : batchSize;
  const [, height, width] = g.latentShape;
  if (g.unetChannels !== g.latentShape[0]) {
    const expected = rows * (g.unetChannels - g.latentShape[0]) * height * width;
    if (start.conditioning?.length !== expected) {
      throw new TypeError(
        `Cannot denoise with a ${g.unetChannels}-channel UNet (an inpainting model) without ` +
          `a mask: pass 'mask' and an init image`,
      );
    }
  }
  const unet = await prepareUnet(options.unet, {
    embeddings,
    rows,
    latentShape: [g.unetChannels, height, width],
    keepOnDevice: options.keepEmbeddingsOnDevice ?? true,
    ...(g.timestepCond === undefined ? {} : { timestepCond: g.timestepCond }),
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
      let input = scheduler.scaleModelInput(
        guided ? concatRows([latents, latents]) : latents,
        timestep,
      );
      if (start.conditioning) input = appendChannels(input, start.conditioning, rows);
      schedulerMs += performance.now() - mark;
      const noise = await unet.predict(input, timestep);
      mark = performance.now();
      const prediction = guided ? applyGuidance(noise, request.guidanceScale) : noise;
      latents = scheduler.step(prediction, timestep, latents, {
        generator,
        shape,
        ...(request.eta !== undefined ? { eta: request.eta } : {}),
      }).prevSample;
      if (start.afterStep) latents = start.afterStep(latents, i);
      schedulerMs += performance.now() - mark;
      unetCalls?.timesteps.push(timestep);
      unetCalls?.latents.push(latents);
      // User-facing steps: call i of n finishes step ⌊(i + 1) · total / n⌋ (n ≥ total, so each
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
    latentShape: g.latentShape,
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
    totalMs: performance.now() - g.started,
    denoiseMs,
    decodeMs,
    unetMs: unet.runMs,
    vaeMs: decoded.runMs,
    schedulerMs,
    ...(start.encodeMs !== undefined ? { encodeMs: start.encodeMs } : {}),
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
