/**
 * Types of the text-to-image pipeline: prompt embeddings, the request, progress events, the result
 * and the optional safety-checker stage. Shared by the browser, the edge and the render worker.
 *
 * @module
 */

import type { GenerationInit, GenerationParams } from "../generation/mod.ts";
import type { ModelSession } from "../ort/mod.ts";

/**
 * Text-encoder outputs for one prompt and its negative prompt, each `[1, 77, dim]` row-major.
 * The pipeline feeds the UNet `uncond` first, then `cond`, as diffusers does.
 */
export interface PromptEmbeddings {
  cond: Float32Array;
  uncond: Float32Array;
  shape: [1, number, number];
}

/**
 * What `textToImage` runs: the scheduling fields of `GenerationParams` plus the prompt embeddings
 * and the model's scheduler config. The seed is a random one when absent (always returned).
 */
export type TextToImageRequest =
  & Pick<GenerationParams, "scheduler" | "steps" | "guidanceScale" | "width" | "height">
  & Partial<Pick<GenerationParams, "batchSize" | "eta">>
  & Pick<GenerationInit, "seed">
  & {
    embeddings: PromptEmbeddings;
    /** The diffusers `scheduler_config.json` object, snake_case keys as shipped. */
    schedulerConfig: Record<string, unknown>;
    /**
     * Text to image: the initial noise `[batch, channels, height / f, width / f]` to start from
     * instead of the seeded draw (diffusers' `latents` argument; scaled by the scheduler's
     * `init_noise_sigma` the same way). The seed still drives any noise the scheduler adds later.
     */
    latents?: Float32Array;
  };

/** Milliseconds spent per stage of one `textToImage` call. */
export interface PipelineTimings {
  totalMs: number;
  /** The denoising loop, UNet runs included. */
  denoiseMs: number;
  decodeMs: number;
  /** Time inside `ModelSession.run` of the UNet. */
  unetMs: number;
  /** Time inside `ModelSession.run` of the VAE decoder. */
  vaeMs: number;
  /** Scheduler `scaleModelInput` + `step` and the guidance arithmetic. */
  schedulerMs: number;
  /** Image to image and inpainting: time spent VAE-encoding the init (and masked) image. */
  encodeMs?: number;
}

/** Progress of loading and generating, in the order events arrive. */
export type PipelineEvent =
  /** A model component finished loading (`loadPipeline`). */
  | { type: "load"; component: string; loaded: number; total: number }
  /** Initial latents are drawn (`seed` resolved); `total` denoising steps follow. */
  | { type: "start"; seed: string; total: number; latents: Float32Array }
  /**
   * Denoising step `step` of `total` (1-based) finished; `latents` are the current latents.
   * `total` is the step count asked for: schedulers that call the UNet more often (PNDM's warm-up,
   * Heun's second order) report each user-facing step once, when its last call finishes.
   */
  | { type: "step"; step: number; total: number; timestep: number; latents: Float32Array }
  /** Denoising is over; the VAE decodes `images` images. */
  | { type: "decode"; images: number }
  /** The images are ready. */
  | { type: "done"; seed: string; timings: PipelineTimings };

/** One generated image. */
export interface GeneratedImage {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  /** The VAE output `[3, height, width]` in about [-1, 1], when `returnSamples` was set. */
  sample?: Float32Array;
}

/**
 * An optional stage after decoding that flags unsafe images (diffusers' safety checker). Flagged
 * images are replaced by black ones.
 */
export interface SafetyChecker {
  check(
    images: readonly GeneratedImage[],
    options: { signal?: AbortSignal },
  ): Promise<readonly boolean[]>;
}

/** Options of `textToImage`: the models and the host's hooks. */
export interface TextToImageOptions {
  unet: ModelSession;
  vaeDecoder: ModelSession;
  /** VAE latent scale; latents are divided by it before decoding (0.18215 for SD 1.x). */
  scalingFactor: number;
  /** Image pixels per latent pixel. @default {8} */
  vaeScaleFactor?: number;
  onProgress?(event: PipelineEvent): void;
  /** Checked before every step; aborting stops within one step with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Keep the text embeddings on the device (a GPU buffer on WebGPU) for all steps.
   * @default {true}
   */
  keepEmbeddingsOnDevice?: boolean;
  /**
   * Return each image's float VAE output too, and the latents after every UNet call
   * (`TextToImageResult.unetCalls`). @default {false}
   */
  returnSamples?: boolean;
  safetyChecker?: SafetyChecker;
}

/**
 * Every UNet call of a run, in order: what golden tests compare with diffusers' per-call arrays
 * (progress events report user-facing steps, which PNDM's warm-up and Heun do not match).
 */
export interface UnetCallTrace {
  /** The timestep of each UNet call. */
  timesteps: number[];
  /** The latents after the scheduler step of each UNet call. */
  latents: Float32Array[];
}

/** What `textToImage` gives back. */
export interface TextToImageResult {
  /** Every UNet call's timestep and resulting latents, when `returnSamples` was set. */
  unetCalls?: UnetCallTrace;
  images: GeneratedImage[];
  /** The seed used (the request's, or the random one drawn), as a decimal string. */
  seed: string;
  /** Final latents `[batch, channels, height/8, width/8]`, before VAE scaling. */
  latents: Float32Array;
  timings: PipelineTimings;
  /** Per image, whether the safety checker flagged it; present only when one ran. */
  nsfwContentDetected?: boolean[];
}

/** The part of a CLIP tokenizer the pipeline uses. */
export interface PromptTokenizer {
  inputIds(text: string, options?: { maxLength?: number; padTokenId?: number }): Int32Array;
}
