/**
 * VAE output to pixels: one image of a `[batch, 3, H, W]` float32 sample in [-1, 1] as RGBA bytes,
 * rounded exactly as diffusers does it, so a seed gives the same PNG here as there.
 *
 * @module
 */

/** Options of {@linkcode toRgba}. */
export interface ToRgbaOptions {
  /** Image width in pixels (the sample's last dimension). */
  width: number;
  /** Image height in pixels. */
  height: number;
  /**
   * Which image of the batch to convert.
   * @default {0}
   */
  index?: number;
}

/**
 * Converts image `index` of a planar `[batch, 3, height, width]` sample to interleaved RGBA with
 * opaque alpha, as `ImageData` and PNG encoders take it.
 *
 * Each channel value `x` becomes `round(clamp(x / 2 + 0.5, 0, 1) · 255)` with every step in float32
 * and ties to even, like diffusers' `(image / 2 + 0.5).clamp(0, 1)` then numpy's
 * `(images * 255).round().astype("uint8")`.
 *
 * @throws {RangeError} when the size is not positive integers or the sample holds no image `index`.
 *
 * @example The first image of a decoded batch
 * ```ts
 * import { toRgba } from "./to_rgba.ts";
 *
 * const sample = new Float32Array(3 * 2 * 2).fill(1); // white 2 × 2
 * const rgba = toRgba(sample, { width: 2, height: 2 });
 * console.log(rgba.slice(0, 4)); // Uint8ClampedArray [255, 255, 255, 255]
 * ```
 */
export function toRgba(sample: Float32Array, options: ToRgbaOptions): Uint8ClampedArray {
  const { width, height, index = 0 } = options;
  for (const [name, value] of [["width", width], ["height", height]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(
        `Cannot convert to RGBA as '${name}' must be a positive integer: current value is ${value}`,
      );
    }
  }
  const plane = width * height;
  const images = Math.floor(sample.length / (3 * plane));
  if (!Number.isSafeInteger(index) || index < 0 || index >= images) {
    throw new RangeError(
      `Cannot convert to RGBA as 'index' must be in [0, ${images - 1}] for ${sample.length} ` +
        `values of ${width}x${height}: current value is ${index}`,
    );
  }
  const rgba = new Uint8ClampedArray(4 * plane);
  const base = 3 * plane * index;
  for (let channel = 0; channel < 3; channel++) {
    const from = base + channel * plane;
    for (let i = 0; i < plane; i++) {
      // x / 2 is exact; the + 0.5 and the · 255 each round to float32. Storing into a
      // Uint8ClampedArray rounds half to even like numpy's round().
      const v = Math.min(Math.max(Math.fround(sample[from + i]! * 0.5 + 0.5), 0), 1);
      rgba[4 * i + channel] = Math.fround(v * 255);
    }
  }
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  return rgba;
}
