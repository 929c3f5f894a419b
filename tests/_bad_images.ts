/**
 * The bad-image table every surface that takes uploads is tested with (issue #16): not an image,
 * truncated PNG and JPEG, a zero-size PNG, 20000×20000 PNG and JPEG headers (decompression
 * bombs: refused from the header, nothing inflated), and a valid JPEG to go with them. Test-only.
 */

import { encode as encodeJpeg } from "jpeg-js";
import { encodePng } from "../shared/image/mod.ts";
import { crc32 } from "../shared/image/_png_chunks.ts";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function be32(value: number): number[] {
  return [(value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
}

/** A PNG that is only a signature and an IHDR of `width` × `height` (8-bit RGB). */
export function pngHeaderOnly(width: number, height: number): Uint8Array {
  const body = [
    ...new TextEncoder().encode("IHDR"),
    ...be32(width),
    ...be32(height),
    8,
    2,
    0,
    0,
    0,
  ];
  const crc = crc32(Uint8Array.from(body));
  return Uint8Array.from([...SIGNATURE, ...be32(13), ...body, ...be32(crc)]);
}

/** A baseline JPEG header up to its SOF0 segment declaring `width` × `height`. */
export function jpegHeaderOnly(width: number, height: number): Uint8Array {
  return Uint8Array.from([
    0xff,
    0xd8, // SOI
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 255,
    width >> 8,
    width & 255,
    0x03,
    0x01,
    0x22,
    0x00,
    0x02,
    0x11,
    0x01,
    0x03,
    0x11,
    0x01,
  ]);
}

/** A gradient RGBA image of `size` × `size`. */
export function gradientRgba(size: number): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(size * size * 4);
  for (let p = 0; p < size * size; p++) {
    rgba.set([(p % size) * 4, Math.floor(p / size) * 4, 128, 255], p * 4);
  }
  return rgba;
}

/** A valid 64 × 64 PNG and JPEG of the same gradient. */
export function validImages(): { png: Uint8Array; jpeg: Uint8Array } {
  const rgba = gradientRgba(64);
  const png = encodePng(rgba, { width: 64, height: 64 });
  const jpeg = encodeJpeg({ data: rgba, width: 64, height: 64 }, 95).data;
  return { png, jpeg: new Uint8Array(jpeg) };
}

/** One row of the table: the bytes and the error code they must give. */
export interface BadImage {
  name: string;
  bytes: Uint8Array;
  code: string;
}

/** The bad-image table. */
export function badImages(): BadImage[] {
  const { png, jpeg } = validImages();
  return [
    {
      name: "not an image",
      bytes: new TextEncoder().encode("hello, not a picture"),
      code: "image_unsupported",
    },
    { name: "an empty file", bytes: new Uint8Array(0), code: "image_empty" },
    {
      name: "a truncated PNG",
      bytes: png.slice(0, Math.floor(png.length / 2)),
      code: "image_corrupt",
    },
    { name: "a PNG cut inside its header", bytes: png.slice(0, 20), code: "image_corrupt" },
    {
      name: "a truncated JPEG",
      bytes: jpeg.slice(0, Math.floor(jpeg.length / 2)),
      code: "image_corrupt",
    },
    { name: "a zero-size PNG", bytes: pngHeaderOnly(0, 64), code: "image_zero_size" },
    { name: "a 20000x20000 PNG", bytes: pngHeaderOnly(20000, 20000), code: "image_too_large" },
    { name: "a 20000x20000 JPEG", bytes: jpegHeaderOnly(20000, 20000), code: "image_too_large" },
  ];
}
