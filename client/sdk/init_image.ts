/**
 * Init images and masks as a page has them (a `Blob` or `File`, an image URL, an `ImageBitmap`,
 * `ImageData`, or decoded `PixelImage` pixels) turned into the pixels a generation carries: drawn
 * through the browser's own decoders onto an `OffscreenCanvas`, then fitted to the requested size
 * (default: the image's, rounded down to a multiple of 8) with the shared `fitImage`. A mask
 * repaints where it is white, as in diffusers and AUTOMATIC1111; it must have the image's size.
 *
 * @module
 */

import type { PixelImage } from "../../shared/image/pixels.ts";
import { fitImage, type ResizeMode } from "../../shared/image/resize.ts";
import { SdClientError } from "./errors.ts";

/** An image a page can pass as `image` or `mask`. */
export type ImageInput = Blob | ImageBitmap | ImageData | PixelImage | string;

function invalid(param: string, message: string, cause?: unknown): SdClientError {
  return new SdClientError("invalid_request", `'${param}' ${message}`, {
    param,
    ...(cause === undefined ? {} : { cause }),
  });
}

async function bitmapPixels(source: ImageBitmap): Promise<PixelImage> {
  const canvas = new OffscreenCanvas(source.width, source.height);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (context === null) throw new TypeError("no 2d canvas context");
  context.drawImage(source, 0, 0);
  const data = context.getImageData(0, 0, source.width, source.height).data;
  return {
    data: await Promise.resolve(data),
    width: source.width,
    height: source.height,
    channels: 4,
  };
}

/** Decoded pixels of `input`; a 400-style `SdClientError` naming `param` when it is not an image. */
export async function readImageInput(
  input: ImageInput,
  param: string,
  options: { fetch?: typeof fetch; signal?: AbortSignal } = {},
): Promise<PixelImage> {
  if (typeof input === "object" && "channels" in input) return input;
  if (typeof ImageData !== "undefined" && input instanceof ImageData) {
    return { data: input.data, width: input.width, height: input.height, channels: 4 };
  }
  try {
    let source: ImageBitmap | Blob;
    if (typeof input === "string") {
      const response = await (options.fetch ?? fetch)(input, {
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      source = await response.blob();
    } else source = input as Blob | ImageBitmap;
    const bitmap = source instanceof Blob
      ? await createImageBitmap(source, { premultiplyAlpha: "none", colorSpaceConversion: "none" })
      : source;
    if (bitmap.width === 0 || bitmap.height === 0) throw new Error("zero-size image");
    return await bitmapPixels(bitmap);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    const reason = error instanceof Error ? error.message : String(error);
    throw invalid(param, `is not a readable image (${reason})`, error);
  }
}

/** The generation fields of an init image and optional mask, fitted to the size. */
export async function prepareImages(
  input: {
    image: ImageInput;
    mask?: ImageInput;
    width?: number;
    height?: number;
    resizeMode?: ResizeMode;
  },
  options: { fetch?: typeof fetch; signal?: AbortSignal } = {},
): Promise<{ initImage: PixelImage; mask?: PixelImage; width: number; height: number }> {
  const image = await readImageInput(input.image, "image", options);
  const width = input.width ?? Math.floor(image.width / 8) * 8;
  const height = input.height ?? Math.floor(image.height / 8) * 8;
  const mode = input.resizeMode ?? "resize";
  const initImage = fitImage(image, { width, height, mode });
  if (input.mask === undefined) return { initImage, width, height };
  const mask = await readImageInput(input.mask, "mask", options);
  if (mask.width !== image.width || mask.height !== image.height) {
    throw invalid(
      "mask",
      `must have the image's size ${image.width}x${image.height}: current size is ` +
        `${mask.width}x${mask.height}`,
    );
  }
  return { initImage, mask: fitImage(mask, { width, height, mode }), width, height };
}

/** RGBA bytes of any `PixelImage` (gray replicated, opaque where there is no alpha). */
function rgbaOf(image: PixelImage): Uint8ClampedArray {
  const { data, channels, width, height } = image;
  if (channels === 4) return new Uint8ClampedArray(data);
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const at = p * channels;
    const [r, g, b] = channels < 3
      ? [data[at]!, data[at]!, data[at]!]
      : [data[at]!, data[at + 1]!, data[at + 2]!];
    out.set([r, g, b, channels === 2 ? data[at + 1]! : 255], p * 4);
  }
  return out;
}

/** RGBA pixels as a PNG, encoded by the browser's canvas (the SDK ships no PNG encoder). */
async function encodePng(
  rgba: Uint8ClampedArray,
  width: number,
  height: number,
): Promise<Uint8Array> {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext("2d");
  if (context === null) throw new TypeError("no 2d canvas context");
  context.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  const blob = await canvas.convertToBlob({ type: "image/png" });
  return new Uint8Array(await blob.arrayBuffer());
}

/** The init image as a PNG, for the server fallback. */
export function imagePng(image: PixelImage): Promise<Uint8Array> {
  return encodePng(rgbaOf(image), image.width, image.height);
}

/**
 * A white-repaints mask as the PNG `/v1/jobs` takes (OpenAI's convention): fully transparent
 * where the mask's luma is ≥ 128.
 */
export function maskPng(mask: PixelImage): Promise<Uint8Array> {
  const rgba = rgbaOf(mask);
  for (let p = 0; p < mask.width * mask.height; p++) {
    const luma =
      (19595 * rgba[p * 4]! + 38470 * rgba[p * 4 + 1]! + 7471 * rgba[p * 4 + 2]! + 0x8000) >> 16;
    rgba.set([0, 0, 0, luma >= 128 ? 0 : 255], p * 4);
  }
  return encodePng(rgba, mask.width, mask.height);
}
