/**
 * AUTOMATIC1111's mask options before a mask is used: `inpainting_mask_invert` (repaint the black
 * part) and `mask_blur` (a Gaussian blur of σ = `mask_blur` pixels, kernel size
 * `2·⌊2.5σ + 0.5⌋ + 1`, borders reflected as OpenCV's `BORDER_REFLECT_101`, first along x then
 * along y, as A1111 calls `cv2.GaussianBlur`). The pipeline then binarises the result at 0.5, so
 * the blur rounds the mask's corners and smooths its edge.
 *
 * @module
 */

import { checkPixelImage, type PixelImage } from "./pixels.ts";

/** Options of {@linkcode adjustMask}. */
export interface AdjustMaskOptions {
  /** Gaussian σ in pixels; 0 leaves the mask sharp. @default {0} */
  blur?: number;
  /** Swap repaint and keep. @default {false} */
  invert?: boolean;
}

function kernel(sigma: number): Float64Array {
  const radius = Math.floor(2.5 * sigma + 0.5);
  const weights = Float64Array.from({ length: 2 * radius + 1 }, (_, i) => {
    const x = i - radius;
    return Math.exp(-(x * x) / (2 * sigma * sigma));
  });
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

function reflect101(i: number, size: number): number {
  if (size === 1) return 0;
  let j = i;
  while (j < 0 || j >= size) j = j < 0 ? -j : 2 * (size - 1) - j;
  return j;
}

function blurPass(
  plane: Float64Array,
  width: number,
  height: number,
  k: Float64Array,
  alongX: boolean,
) {
  const out = new Float64Array(plane.length);
  const radius = (k.length - 1) / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let t = 0; t < k.length; t++) {
        const sx = alongX ? reflect101(x + t - radius, width) : x;
        const sy = alongX ? y : reflect101(y + t - radius, height);
        sum += k[t]! * plane[sy * width + sx]!;
      }
      out[y * width + x] = sum;
    }
  }
  return out;
}

/**
 * A one-channel copy of `mask` (its first channel, or luma for colour masks is the caller's job)
 * inverted and blurred as asked.
 *
 * @example
 * ```ts
 * import { adjustMask } from "./mask_blur.ts";
 * const mask = { data: new Uint8Array([0, 255]), width: 2, height: 1, channels: 1 } as const;
 * console.log(adjustMask(mask, { invert: true }).data); // Uint8Array [255, 0]
 * ```
 */
export function adjustMask(mask: PixelImage, options: AdjustMaskOptions = {}): PixelImage {
  checkPixelImage(mask, "mask");
  const { width, height, channels, data } = mask;
  const { blur = 0, invert = false } = options;
  let plane = Float64Array.from({ length: width * height }, (_, p) => {
    const value = data[p * channels]!;
    return invert ? 255 - value : value;
  });
  if (blur > 0) {
    const k = kernel(blur);
    plane = blurPass(blurPass(plane, width, height, k, true), width, height, k, false);
  }
  const out = Uint8Array.from(plane, (v) => Math.min(255, Math.max(0, Math.round(v))));
  return { data: out, width, height, channels: 1 };
}
