/**
 * Pixels in, tensors out: an init image as diffusers' `VaeImageProcessor.preprocess` gives it to
 * the VAE encoder (RGB, `2·(u8/255) − 1`, planar), and an inpainting mask as its mask processor
 * gives it (grayscale, /255, binarised at 0.5). Images are decoded elsewhere; this takes bytes.
 *
 * @module
 */

/** Decoded 8-bit pixels, interleaved: 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA) channels. */
export interface PixelImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

const f32 = Math.fround;

/** Throws unless `image` is a well-formed {@linkcode PixelImage}. */
export function checkPixelImage(image: PixelImage, name = "image"): void {
  const { width, height, channels, data } = image ?? {};
  if (
    !Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1 ||
    ![1, 2, 3, 4].includes(channels) ||
    !(data instanceof Uint8Array || data instanceof Uint8ClampedArray)
  ) {
    throw new TypeError(
      `Cannot use '${name}' as it must be 8-bit pixels with a positive width and height`,
    );
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `Cannot use '${name}' as ${width}x${height}x${channels} needs ${width * height * channels} ` +
        `bytes: current length is ${data.length}`,
    );
  }
}

/** The RGB bytes of pixel `p` (alpha dropped like PIL's `convert("RGB")`, gray replicated). */
function rgbAt(image: PixelImage, p: number): [number, number, number] {
  const { data, channels } = image;
  const at = p * channels;
  if (channels < 3) return [data[at]!, data[at]!, data[at]!];
  return [data[at]!, data[at + 1]!, data[at + 2]!];
}

/**
 * An image as the VAE encoder's input: planar `[3, height, width]` float32 in [-1, 1], each value
 * `2·(u8/255) − 1` rounded to float32 after each operation like diffusers.
 *
 * @example
 * ```ts
 * import { imageToTensor } from "./pixels.ts";
 * const white = { data: new Uint8Array([255, 255, 255]), width: 1, height: 1, channels: 3 } as const;
 * console.log(imageToTensor(white)); // Float32Array [1, 1, 1]
 * ```
 */
export function imageToTensor(image: PixelImage): Float32Array {
  checkPixelImage(image);
  const plane = image.width * image.height;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    const rgb = rgbAt(image, p);
    for (let c = 0; c < 3; c++) out[c * plane + p] = f32(f32(2 * f32(rgb[c]! / 255)) - 1);
  }
  return out;
}

/**
 * An inpainting mask as diffusers' mask processor makes it: grayscale (PIL's `convert("L")`
 * weights for colour masks), /255, then 1 (repaint) where ≥ 0.5 and 0 (keep) below.
 * Returns `[height, width]` of 0 and 1.
 *
 * @example
 * ```ts
 * import { maskToTensor } from "./pixels.ts";
 * const mask = { data: new Uint8Array([0, 127, 128, 255]), width: 4, height: 1, channels: 1 } as const;
 * console.log(maskToTensor(mask)); // Float32Array [0, 0, 1, 1]
 * ```
 */
export function maskToTensor(mask: PixelImage): Float32Array {
  checkPixelImage(mask, "mask");
  const plane = mask.width * mask.height;
  const out = new Float32Array(plane);
  for (let p = 0; p < plane; p++) {
    const [r, g, b] = rgbAt(mask, p);
    // PIL's ITU-R 601-2 luma in fixed point: L = (19595 R + 38470 G + 7471 B + 2^15) >> 16.
    const luma = mask.channels < 3 ? r : (19595 * r + 38470 * g + 7471 * b + 0x8000) >> 16;
    out[p] = f32(luma / 255) < 0.5 ? 0 : 1;
  }
  return out;
}
