import assert from "node:assert/strict";
import { encodePng } from "../../../shared/image/mod.ts";
import { ImageDecodeError } from "../../../shared/image/decode_image.ts";
import { prepareInitImages } from "../../../shared/image/init_images.ts";
import { gradientRgba } from "../../_bad_images.ts";

const image = encodePng(gradientRgba(20), { width: 20, height: 20 });

function maskPng(alphaZeroBelowRow: number): Uint8Array {
  const rgba = new Uint8ClampedArray(20 * 20 * 4).fill(255);
  for (let p = alphaZeroBelowRow * 20; p < 400; p++) rgba[p * 4 + 3] = 0;
  return encodePng(rgba, { width: 20, height: 20 });
}

Deno.test("prepareInitImages() takes the image's size rounded down to the latent grid", () => {
  const out = prepareInitImages(image);
  assert.deepEqual([out.width, out.height, out.image.width, out.image.height], [16, 16, 16, 16]);
  assert.equal(out.mask, undefined);
});

Deno.test("prepareInitImages() reads OpenAI masks by transparency and A1111 masks by luma", () => {
  const fromAlpha = prepareInitImages(image, {
    mask: maskPng(10),
    maskFrom: "alpha",
    width: 16,
    height: 16,
  }).mask!;
  // Rows 0-9 opaque (keep = 0), rows 10-19 transparent (repaint = 255), stretched to 16 rows.
  assert.equal(fromAlpha.data[0], 0);
  assert.equal(fromAlpha.data[15 * 16], 255);
  const fromLuma = prepareInitImages(image, { mask: maskPng(10) }).mask!;
  // White RGB everywhere: luma 255 (the alpha channel is ignored).
  assert.deepEqual([...new Set(fromLuma.data)], [255]);
});

Deno.test("prepareInitImages() refuses an image smaller than one latent pixel", () => {
  const tiny = encodePng(new Uint8ClampedArray(4 * 4 * 4), { width: 4, height: 4 });
  assert.throws(() => prepareInitImages(tiny), ImageDecodeError);
});
