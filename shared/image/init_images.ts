/**
 * Uploaded init image and mask bytes to what the pipeline takes: decoded (PNG or JPEG), the mask
 * checked to match the image, the output size settled (the request's, else the image's rounded
 * down to the latent grid), and both fitted to it with a resize mode. Every surface (CLI, OpenAI
 * edits, AUTOMATIC1111 img2img, jobs) goes through here, so they agree on the rules.
 *
 * @module
 */

import { decodeImage, ImageDecodeError } from "./decode_image.ts";
import type { PixelImage } from "./pixels.ts";
import { fitImage, type ResizeMode } from "./resize.ts";

/** Options of {@linkcode prepareInitImages}. */
export interface PrepareInitImagesOptions {
  /** Mask bytes (PNG/JPEG); white repaints unless `maskFrom` says otherwise. */
  mask?: Uint8Array;
  /**
   * How the mask marks the area to repaint: `"luma"` (white, AUTOMATIC1111 and diffusers) or
   * `"alpha"` (fully transparent pixels, the OpenAI edits API).
   * @default {"luma"}
   */
  maskFrom?: "luma" | "alpha";
  /** Output size; both or neither. @default {the image's size rounded down to `multiple`} */
  width?: number;
  height?: number;
  /** The size must be a multiple of this (the VAE scale factor). @default {8} */
  multiple?: number;
  /** @default {"resize"} */
  resizeMode?: ResizeMode;
  /** Request field names, for errors. @default {{ image: "image", mask: "mask" }} */
  fields?: { image: string; mask: string };
}

/** What {@linkcode prepareInitImages} gives. */
export interface InitImages {
  image: PixelImage;
  /** Grayscale, 255 repaints, 0 keeps. */
  mask?: PixelImage;
  width: number;
  height: number;
}

/** A one-channel mask: 255 where a pixel is fully transparent (`alpha`) or as its luma. */
function maskPixels(mask: PixelImage, from: "luma" | "alpha"): PixelImage {
  const plane = mask.width * mask.height;
  const out = new Uint8Array(plane);
  const { data, channels } = mask;
  for (let p = 0; p < plane; p++) {
    let value: number;
    if (from === "alpha") {
      const alpha = channels === 2 || channels === 4 ? data[p * channels + channels - 1]! : 255;
      value = alpha === 0 ? 255 : 0;
    } else if (channels < 3) value = data[p * channels]!;
    else {
      const at = p * channels;
      value = (19595 * data[at]! + 38470 * data[at + 1]! + 7471 * data[at + 2]! + 0x8000) >> 16;
    }
    out[p] = value;
  }
  return { data: out, width: mask.width, height: mask.height, channels: 1 };
}

/**
 * Decodes and fits an init image (and mask) for image to image or inpainting.
 *
 * @throws {ImageDecodeError} for an unusable image or mask, or a mask whose size differs from
 *   the image's.
 *
 * @example A 600×400 upload, cropped to the model's 512×512
 * ```ts ignore
 * const { image, width, height } = prepareInitImages(bytes, {
 *   width: 512, height: 512, resizeMode: "crop",
 * });
 * ```
 */
export function prepareInitImages(
  bytes: Uint8Array,
  options: PrepareInitImagesOptions = {},
): InitImages {
  const fields = options.fields ?? { image: "image", mask: "mask" };
  const multiple = options.multiple ?? 8;
  const decoded = decodeImage(bytes, { field: fields.image });
  const width = options.width ?? Math.floor(decoded.width / multiple) * multiple;
  const height = options.height ?? Math.floor(decoded.height / multiple) * multiple;
  if (width < multiple || height < multiple) {
    throw new ImageDecodeError(
      "image_zero_size",
      fields.image,
      `'${fields.image}' is ${decoded.width}x${decoded.height}: images must be at least ` +
        `${multiple} pixels a side`,
    );
  }
  const mode = options.resizeMode ?? "resize";
  const image = fitImage(decoded, { width, height, mode });
  if (options.mask === undefined) return { image, width, height };
  const rawMask = decodeImage(options.mask, { field: fields.mask });
  if (rawMask.width !== decoded.width || rawMask.height !== decoded.height) {
    throw new ImageDecodeError(
      "image_size_mismatch",
      fields.mask,
      `'${fields.mask}' must have the size of '${fields.image}' (${decoded.width}x` +
        `${decoded.height}): current size is ${rawMask.width}x${rawMask.height}`,
    );
  }
  const mask = fitImage(
    maskPixels(rawMask, options.maskFrom ?? "luma"),
    { width, height, mode },
  );
  return { image, mask, width, height };
}
