/**
 * The one description of "a generation": what every surface (HTTP routes, CLI, job queue, render
 * workers, SDK) translates its wire format into and back. The seed is a decimal string here and on
 * every wire; it becomes a bigint only inside the random generator, so seeds up to 2^64 − 1 stay
 * exact through JSON.
 *
 * @module
 */

import type { PixelImage } from "../image/pixels.ts";
import type { ResizeMode } from "../image/resize.ts";

/** A resolved generation: every default filled from the model's manifest, every range checked. */
export interface GenerationParams {
  /** Model id, as the model registry and `GET /v1/models` name it. */
  model: string;
  prompt: string;
  /** `""` for none. */
  negativePrompt: string;
  /** Decimal integer in [0, 2^64 − 1]. */
  seed: string;
  /** Denoising steps the user asked for: the count every progress event and summary shows. */
  steps: number;
  /** Classifier-free guidance scale; `≤ 1` skips the unconditional pass. */
  guidanceScale: number;
  /** Scheduler alias (`euler_a`) or diffusers class name (`EulerDiscreteScheduler`). */
  scheduler: string;
  width: number;
  height: number;
  /** Images generated together from consecutive noise. */
  batchSize: number;
  /** DDIM-style η, for schedulers that take it; absent means the scheduler's default. */
  eta?: number;
  /**
   * Image to image and inpainting: the init image, decoded and fitted to `width` × `height`
   * (`prepareInitImages`). Absent: text to image. Binary: queues carry it by reference.
   */
  initImage?: PixelImage;
  /** Inpainting: white (luma ≥ 128) repaints, black keeps; `width` × `height`; needs `initImage`. */
  mask?: PixelImage;
  /**
   * Share of the schedule run from the noised init image, in (0, 1].
   * @default {0.8 for image to image (diffusers), 1 for inpainting}
   */
  strength?: number;
  /** How the init image was fitted to the size (A1111 `resize_mode`), recorded as given. */
  resizeMode?: ResizeMode;
  /** Gaussian blur σ in pixels applied to the mask before it is binarised (A1111 `mask_blur`). */
  maskBlur?: number;
  /** Repaint where the mask is black instead (A1111 `inpainting_mask_invert`). */
  invertMask?: boolean;
}

/**
 * A generation as a caller asks for it: only `prompt` is required, the rest falls back to the
 * model's defaults. The seed may arrive as a number, bigint or decimal string; `resolveGeneration`
 * turns it into the decimal string.
 */
export type GenerationInit =
  & Pick<GenerationParams, "prompt">
  & Partial<Omit<GenerationParams, "prompt" | "seed">>
  & { seed?: string | number | bigint };
