import assert from "node:assert/strict";
import { fitImage, resizeImage } from "../../../shared/image/mod.ts";
import type { PixelImage } from "../../../shared/image/mod.ts";

function ramp(width: number, height: number): PixelImage {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = Math.round((255 * x) / (width - 1));
  }
  return { data, width, height, channels: 1 };
}

Deno.test("resizeImage() keeps a flat image flat and a horizontal ramp monotonic", () => {
  const flat = { data: new Uint8Array(10 * 6 * 3).fill(77), width: 10, height: 6, channels: 3 };
  const small = resizeImage(flat as PixelImage, 4, 3);
  assert.deepEqual([...new Set(small.data)], [77]);
  const big = resizeImage(flat as PixelImage, 23, 17);
  assert.deepEqual([...new Set(big.data)], [77]);
  const down = resizeImage(ramp(64, 2), 16, 2);
  for (let x = 1; x < 16; x++) assert.ok(down.data[x]! >= down.data[x - 1]!);
  assert.ok(down.data[0]! < 20 && down.data[15]! > 235);
});

Deno.test("fitImage() crops the centre in 'crop' mode and repeats edges in 'fill' mode", () => {
  // 4 × 2: left half black, right half white; crop to 2 × 2 keeps the centre columns.
  const data = new Uint8Array([0, 0, 255, 255, 0, 0, 255, 255]);
  const image: PixelImage = { data, width: 4, height: 2, channels: 1 };
  const cropped = fitImage(image, { width: 2, height: 2, mode: "crop" });
  assert.deepEqual([...cropped.data], [0, 255, 0, 255]);
  const filled = fitImage(image, { width: 4, height: 4, mode: "fill" });
  assert.equal(filled.data.length, 16);
  // The bars above and below repeat the image's top and bottom rows.
  assert.deepEqual([...filled.data.subarray(0, 4)], [0, 0, 255, 255]);
  assert.deepEqual([...filled.data.subarray(12, 16)], [0, 0, 255, 255]);
  assert.equal(fitImage(image, { width: 4, height: 2 }), image);
  const stretched = fitImage(image, { width: 8, height: 2 });
  assert.equal(stretched.width, 8);
});
