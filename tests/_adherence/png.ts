/**
 * Decodes a generated PNG into the RGBA picture the scoring rules read. Test-only.
 *
 * @module
 */

import { decode } from "fast-png";
import type { Picture } from "./score.ts";

/**
 * The RGBA pixels of an 8-bit RGB or RGBA PNG.
 *
 * @example
 * ```ts ignore
 * scorePicture(prompt, pngPicture(await Deno.readFile("out.png")));
 * ```
 */
export function pngPicture(png: Uint8Array): Picture & { rgba: Uint8ClampedArray } {
  const image = decode(png);
  if (image.depth !== 8 || (image.channels !== 3 && image.channels !== 4)) {
    throw new TypeError(`Cannot score a PNG of ${image.channels} channels at depth ${image.depth}`);
  }
  const pixels = image.width * image.height;
  const rgba = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = image.data[p * image.channels + c]!;
    rgba[p * 4 + 3] = image.channels === 4 ? image.data[p * 4 + 3]! : 255;
  }
  return { rgba, width: image.width, height: image.height };
}
