/**
 * Decoding uploaded init images and masks (PNG and JPEG) into 8-bit pixels, with the checks an
 * API that takes images from strangers needs: an empty or unrecognised file, a zero-size image,
 * and a decompression bomb (dimensions read from the header and refused before anything is
 * inflated) are each a typed {@linkcode ImageDecodeError}; a truncated or corrupt file is one too,
 * never an exception from inside a decoder. PNG goes through `fast-png`, JPEG through `jpeg-js`
 * (with its own resolution and memory limits as a second guard).
 *
 * @module
 */

import { convertIndexedToRgb, decode as decodePngFile, hasPngSignature } from "fast-png";
import { decode as decodeJpegFile } from "jpeg-js";
import type { PixelImage } from "./pixels.ts";

/** Why an image could not be decoded. */
export type ImageDecodeErrorCode =
  | "image_empty"
  | "image_unsupported"
  | "image_zero_size"
  | "image_too_large"
  | "image_corrupt"
  | "image_size_mismatch";

/** An uploaded image that cannot be used; `field` names the request field it came from. */
export class ImageDecodeError extends Error {
  readonly code: ImageDecodeErrorCode;
  readonly field: string;

  constructor(code: ImageDecodeErrorCode, field: string, message: string) {
    super(message);
    this.name = "ImageDecodeError";
    this.code = code;
    this.field = field;
  }
}

/** Options of {@linkcode decodeImage}. */
export interface DecodeImageOptions {
  /** The request field the bytes came from, for messages and `ImageDecodeError.field`. @default {"image"} */
  field?: string;
  /** Largest accepted width × height. @default {16777216} (4096 × 4096) */
  maxPixels?: number;
  /** Largest accepted width or height. @default {8192} */
  maxSide?: number;
}

/** The dimensions in a PNG's IHDR (bytes 16–23), or `null` when the header is cut short. */
function pngHeaderSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 24) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (type !== "IHDR") return null;
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** The dimensions in a JPEG's first start-of-frame segment, or `null` when none is reached. */
function jpegHeaderSize(bytes: Uint8Array): { width: number; height: number } | null {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry precision, height, width.
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      if (at + 9 > bytes.length) return null;
      return {
        height: (bytes[at + 5]! << 8) | bytes[at + 6]!,
        width: (bytes[at + 7]! << 8) | bytes[at + 8]!,
      };
    }
    if (marker === 0xda) return null;
    at += 2 + length;
  }
  return null;
}

function checkSize(
  size: { width: number; height: number } | null,
  kind: string,
  field: string,
  limits: { maxPixels: number; maxSide: number },
): void {
  if (size === null) {
    throw new ImageDecodeError("image_corrupt", field, `'${field}' is a truncated ${kind} file`);
  }
  const { width, height } = size;
  if (width === 0 || height === 0) {
    throw new ImageDecodeError(
      "image_zero_size",
      field,
      `'${field}' has a zero size (${width}x${height})`,
    );
  }
  if (width > limits.maxSide || height > limits.maxSide || width * height > limits.maxPixels) {
    throw new ImageDecodeError(
      "image_too_large",
      field,
      `'${field}' is ${width}x${height}: images may be at most ${limits.maxSide} pixels a side ` +
        `and ${limits.maxPixels} pixels in all`,
    );
  }
}

/** 1/2/4/8/16-bit samples as 8-bit values (sub-byte depths unpacked per row and scaled). */
function to8Bit(
  data: Uint8Array | Uint8ClampedArray | Uint16Array,
  depth: number,
  width: number,
  height: number,
  channels: number,
): Uint8Array {
  if (depth === 8) return data instanceof Uint8Array ? data : new Uint8Array(data);
  if (depth === 16) return Uint8Array.from(data, (v) => v >> 8);
  const out = new Uint8Array(width * height * channels);
  const perRow = Math.ceil((width * channels * depth) / 8);
  const max = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width * channels; i++) {
      const bit = i * depth;
      const byte = data[y * perRow + (bit >> 3)]!;
      const value = (byte >> (8 - depth - (bit & 7))) & max;
      out[y * width * channels + i] = Math.round((value * 255) / max);
    }
  }
  return out;
}

function decodePng(bytes: Uint8Array, field: string): PixelImage {
  const png = decodePngFile(bytes);
  if (png.palette) {
    const rgb = convertIndexedToRgb(png);
    const channels = rgb.length / (png.width * png.height);
    return { data: rgb, width: png.width, height: png.height, channels: channels as 3 | 4 };
  }
  if (![1, 2, 3, 4].includes(png.channels)) {
    throw new ImageDecodeError(
      "image_unsupported",
      field,
      `'${field}' has ${png.channels} channels`,
    );
  }
  return {
    data: to8Bit(png.data, png.depth, png.width, png.height, png.channels),
    width: png.width,
    height: png.height,
    channels: png.channels as PixelImage["channels"],
  };
}

/**
 * Decodes a PNG or JPEG file into 8-bit pixels.
 *
 * @throws {ImageDecodeError} for an empty, unrecognised, zero-size, too large, truncated or
 *   corrupt file.
 *
 * @example
 * ```ts ignore
 * const image = decodeImage(await Deno.readFile("in.png"), { field: "init_images[0]" });
 * console.log(image.width, image.height, image.channels);
 * ```
 */
export function decodeImage(bytes: Uint8Array, options: DecodeImageOptions = {}): PixelImage {
  const field = options.field ?? "image";
  const limits = { maxPixels: options.maxPixels ?? 4096 * 4096, maxSide: options.maxSide ?? 8192 };
  if (bytes.length === 0) {
    throw new ImageDecodeError("image_empty", field, `'${field}' is empty`);
  }
  const isPng = hasPngSignature(bytes);
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg) {
    throw new ImageDecodeError(
      "image_unsupported",
      field,
      `'${field}' is not a PNG or JPEG image`,
    );
  }
  const kind = isPng ? "PNG" : "JPEG";
  checkSize(isPng ? pngHeaderSize(bytes) : jpegHeaderSize(bytes), kind, field, limits);
  let image: PixelImage;
  try {
    if (isPng) image = decodePng(bytes, field);
    else {
      const jpeg = decodeJpegFile(bytes, {
        useTArray: true,
        formatAsRGBA: false,
        tolerantDecoding: false,
        maxResolutionInMP: limits.maxPixels / 1e6,
        maxMemoryUsageInMB: 1024,
      });
      image = { data: jpeg.data, width: jpeg.width, height: jpeg.height, channels: 3 };
    }
  } catch (error) {
    if (error instanceof ImageDecodeError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ImageDecodeError(
      "image_corrupt",
      field,
      `'${field}' is a truncated or corrupt ${kind} file (${reason.split("\n")[0]})`,
    );
  }
  if (image.data.length !== image.width * image.height * image.channels) {
    throw new ImageDecodeError("image_corrupt", field, `'${field}' is a truncated ${kind} file`);
  }
  return image;
}
