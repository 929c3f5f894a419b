/**
 * Fitting an init image or mask to the requested size, with AUTOMATIC1111's `resize_mode`s:
 * `"resize"` (0, just resize: stretch to the size), `"crop"` (1, crop and resize: scale to cover,
 * then cut the centre) and `"fill"` (2, resize and fill: scale to fit, centre, and fill the bars by
 * repeating the image's edge pixels). Resampling is Lanczos-3 like PIL's `Image.resize(LANCZOS)`,
 * which diffusers' image processor uses: separable, the kernel widened by the scale when shrinking,
 * weights normalised, an 8-bit intermediate between the horizontal and vertical pass.
 *
 * @module
 */

import { checkPixelImage, type PixelImage } from "./pixels.ts";

/** AUTOMATIC1111's resize modes by name; index = its `resize_mode` number. */
export const RESIZE_MODES = ["resize", "crop", "fill"] as const;
/** One of {@linkcode RESIZE_MODES}. */
export type ResizeMode = typeof RESIZE_MODES[number];

function sinc(x: number): number {
  if (x === 0) return 1;
  const p = Math.PI * x;
  return Math.sin(p) / p;
}

function lanczos(x: number): number {
  return x > -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

/** Per output index: first input index and normalised weights (PIL's `precompute_coeffs`). */
function coefficients(inSize: number, outSize: number): { start: number; weights: number[] }[] {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 3 * filterScale;
  return Array.from({ length: outSize }, (_, i) => {
    const center = (i + 0.5) * scale;
    const start = Math.max(0, Math.trunc(center - support + 0.5));
    const end = Math.min(inSize, Math.trunc(center + support + 0.5));
    const weights: number[] = [];
    for (let x = start; x < end; x++) weights.push(lanczos((x - center + 0.5) / filterScale));
    const total = weights.reduce((a, b) => a + b, 0);
    return { start, weights: weights.map((w) => (total === 0 ? 0 : w / total)) };
  });
}

/** One separable pass along x (`horizontal`) or y, rounding to 8 bits like PIL. */
function pass(image: PixelImage, size: number, horizontal: boolean): PixelImage {
  const { width, height, channels, data } = image;
  const outW = horizontal ? size : width;
  const outH = horizontal ? height : size;
  const coeffs = coefficients(horizontal ? width : height, size);
  const out = new Uint8Array(outW * outH * channels);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const { start, weights } = coeffs[horizontal ? x : y]!;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) {
          const sx = horizontal ? start + k : x;
          const sy = horizontal ? y : start + k;
          sum += weights[k]! * data[(sy * width + sx) * channels + c]!;
        }
        out[(y * outW + x) * channels + c] = Math.min(255, Math.max(0, Math.round(sum)));
      }
    }
  }
  return { data: out, width: outW, height: outH, channels };
}

/**
 * `image` resampled to `width` × `height` with Lanczos-3 (returned as is when already that size).
 *
 * @example
 * ```ts
 * import { resizeImage } from "./resize.ts";
 * const gray = { data: new Uint8Array(16).fill(128), width: 4, height: 4, channels: 1 } as const;
 * console.log(resizeImage(gray, 2, 2).data); // Uint8Array [128, 128, 128, 128]
 * ```
 */
export function resizeImage(image: PixelImage, width: number, height: number): PixelImage {
  checkPixelImage(image);
  if (image.width === width && image.height === height) return image;
  const across = image.width === width ? image : pass(image, width, true);
  return across.height === height ? across : pass(across, height, false);
}

/** The `[x, y, w, h]` window of `image`, copied; coordinates outside are clamped to the edge. */
function window(image: PixelImage, x0: number, y0: number, w: number, h: number): PixelImage {
  const { width, height, channels, data } = image;
  const out = new Uint8Array(w * h * channels);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(height - 1, Math.max(0, y0 + y));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(width - 1, Math.max(0, x0 + x));
      const from = (sy * width + sx) * channels;
      out.set(data.subarray(from, from + channels), (y * w + x) * channels);
    }
  }
  return { data: out, width: w, height: h, channels };
}

/**
 * `image` brought to `width` × `height` by one of AUTOMATIC1111's resize modes (see the module
 * comment). An image already at the size is returned as is.
 *
 * @example Crop-and-resize a 3:2 photo to a square
 * ```ts ignore
 * const square = fitImage(photo, { width: 512, height: 512, mode: "crop" });
 * ```
 */
export function fitImage(
  image: PixelImage,
  options: { width: number; height: number; mode?: ResizeMode },
): PixelImage {
  checkPixelImage(image);
  const { width, height, mode = "resize" } = options;
  if (image.width === width && image.height === height) return image;
  if (mode === "resize") return resizeImage(image, width, height);
  const ratio = mode === "crop"
    ? Math.max(width / image.width, height / image.height)
    : Math.min(width / image.width, height / image.height);
  const scaledW = Math.max(1, Math.round(image.width * ratio));
  const scaledH = Math.max(1, Math.round(image.height * ratio));
  const scaled = resizeImage(image, scaledW, scaledH);
  const x0 = Math.floor((scaledW - width) / 2);
  const y0 = Math.floor((scaledH - height) / 2);
  return window(scaled, x0, y0, width, height);
}
