/**
 * PNG files of generated images, with the generation parameters in a `parameters` text chunk as
 * AUTOMATIC1111 writes them, and reading those parameters back.
 *
 * @module
 */

import { decode, encode, hasPngSignature } from "fast-png";
import { findInternationalText, insertAfterHeader, textChunk } from "./_png_chunks.ts";

/** Options of {@linkcode encodePng}. */
export interface EncodePngOptions {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Text for the `parameters` chunk (see `formatParameters`); no chunk when absent. */
  parameters?: string;
}

const KEYWORD = "parameters";

/**
 * Encodes 8-bit RGBA pixels as a PNG. The parameters chunk goes right after IHDR (as Pillow
 * places it), so readers that stop at the image data still find it: `tEXt` when the text is
 * Latin-1, otherwise an uncompressed UTF-8 `iTXt`.
 *
 * @throws {RangeError} when `rgba` does not hold `width · height · 4` bytes.
 *
 * @example A 1 × 1 red pixel with parameters
 * ```ts
 * import { encodePng } from "./png.ts";
 *
 * const png = encodePng(new Uint8Array([255, 0, 0, 255]), {
 *   width: 1,
 *   height: 1,
 *   parameters: "a red dot\nSteps: 1, Sampler: Euler, CFG scale: 1.0, Seed: 1, Size: 1x1",
 * });
 * console.log(png[1], png[2], png[3]); // 80 78 71 ("PNG")
 * ```
 */
export function encodePng(
  rgba: Uint8Array | Uint8ClampedArray,
  options: EncodePngOptions,
): Uint8Array {
  const { width, height, parameters } = options;
  for (const [name, value] of [["width", width], ["height", height]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(
        `Cannot encode PNG as '${name}' must be a positive integer: current value is ${value}`,
      );
    }
  }
  if (rgba.length !== width * height * 4) {
    throw new RangeError(
      `Cannot encode PNG as 'rgba' must hold ${width}x${height}x4 = ${width * height * 4} bytes: ` +
        `current length is ${rgba.length}`,
    );
  }
  const png = encode({ width, height, data: rgba, channels: 4, depth: 8 });
  return parameters === undefined ? png : insertAfterHeader(png, textChunk(KEYWORD, parameters));
}

/**
 * The `parameters` text of a PNG (`tEXt`, or uncompressed `iTXt`), or `null` when it has none.
 *
 * @throws {TypeError} when `png` is not a PNG file.
 *
 * @example Reading back the parameters
 * ```ts
 * import { encodePng, readPngParameters } from "./png.ts";
 *
 * const png = encodePng(new Uint8Array(4), { width: 1, height: 1, parameters: "a cat" });
 * console.log(readPngParameters(png)); // "a cat"
 * ```
 */
export function readPngParameters(png: Uint8Array): string | null {
  if (!hasPngSignature(png)) {
    throw new TypeError("Cannot read PNG parameters as the data is not a PNG file");
  }
  return decode(png).text[KEYWORD] ?? findInternationalText(png, KEYWORD);
}
