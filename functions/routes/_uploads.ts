/**
 * Image uploads of the image-to-image routes (OpenAI edits, A1111 img2img): base64 and multipart
 * file fields to bytes, and bytes to the fitted init image and mask through the shared
 * `prepareInitImages`, every failure a 4xx JSON error naming the request field (a decompression
 * bomb is refused from its header with 413).
 *
 * @module
 */

import { ApiError } from "../middleware/errors.ts";
import { ImageDecodeError } from "../../shared/image/decode_image.ts";
import {
  type InitImages,
  prepareInitImages,
  type PrepareInitImagesOptions,
} from "../../shared/image/init_images.ts";
import type { GenerationInit } from "../../shared/generation/mod.ts";
import { invalid } from "./_validate.ts";

/** Decoded, fitted uploads as the generation fields they fill. */
export function uploadedImages(
  bytes: Uint8Array,
  options: PrepareInitImagesOptions,
): Pick<GenerationInit, "initImage" | "mask" | "width" | "height"> {
  let images: InitImages;
  try {
    images = prepareInitImages(bytes, options);
  } catch (error) {
    if (!(error instanceof ImageDecodeError)) throw error;
    throw new ApiError(error.code === "image_too_large" ? 413 : 400, error.code, error.message, {
      param: error.field,
    });
  }
  return {
    initImage: images.image,
    width: images.width,
    height: images.height,
    ...(images.mask ? { mask: images.mask } : {}),
  };
}

/** The bytes of a base64 image field (a bare string or a `data:` URL), or a 400 naming it. */
export function base64Image(value: unknown, param: string): Uint8Array {
  if (typeof value !== "string" || value.length === 0) {
    throw invalid(param, "must be a base64-encoded PNG or JPEG", value);
  }
  const text = value.replace(/^data:[\w/+.-]*;base64,/, "").replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) {
    throw invalid(param, "must be a base64-encoded PNG or JPEG", value);
  }
  const binary = atob(text.padEnd(Math.ceil(text.length / 4) * 4, "="));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
