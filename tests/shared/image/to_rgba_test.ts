import assert from "node:assert/strict";
import { toRgba } from "../../../shared/image/mod.ts";
import { readGolden } from "../../_npy.ts";

Deno.test("toRgba() turns the golden decoded sample into diffusers' uint8 image", async () => {
  const sample = await readGolden("e2e.decoded_sample.npy");
  const expected = await readGolden("e2e.image_uint8_hwc.npy");
  const [, , height, width] = sample.shape as [number, number, number, number];
  assert.deepEqual(expected.shape, [height, width, 3]);
  const rgba = toRgba(sample.data as Float32Array, { width, height });
  assert.equal(rgba.length, width * height * 4);
  let mismatches = 0;
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) if (rgba[4 * p + c] !== expected.data[3 * p + c]) mismatches++;
    assert.equal(rgba[4 * p + 3], 255);
  }
  assert.equal(mismatches, 0);
});

// Inputs whose float32 value (x / 2 + 0.5) · 255 is exactly k + 0.5, with numpy's results
// (`np.round` rounds half to even, so 64.5 → 64 where Math.round would give 65).
const TIES: [number, number][] = [
  [0, 128],
  [-0.4941176176071167, 64],
  [-0.4784313440322876, 66],
  [0.9803920984268188, 252],
  [0.996078372001648, 254],
  [0.2823528945446014, 164],
];

Deno.test("toRgba() rounds float32 ties to even like numpy and clamps outside [-1, 1]", () => {
  const values = [...TIES.map(([x]) => x), -1, 1, -1.5, 2.02, -Infinity, Infinity];
  const expected = [...TIES.map(([, v]) => v), 0, 255, 0, 255, 0, 255];
  const width = values.length;
  const sample = new Float32Array(3 * width);
  for (let c = 0; c < 3; c++) sample.set(values, c * width);
  const rgba = toRgba(sample, { width, height: 1 });
  for (let i = 0; i < width; i++) {
    assert.deepEqual(Array.from(rgba.subarray(4 * i, 4 * i + 4)), [
      expected[i],
      expected[i],
      expected[i],
      255,
    ], `x = ${values[i]}`);
  }
});

Deno.test("toRgba() reads planar RGB of the requested batch index", () => {
  // Batch of 2 images, 2 × 1 pixels: image 1 has R = 1, G = -1, B = 0.
  const plane = 2;
  const sample = new Float32Array(2 * 3 * plane).fill(-1);
  sample.fill(1, 6, 8);
  sample.fill(-1, 8, 10);
  sample.fill(0, 10, 12);
  assert.deepEqual(Array.from(toRgba(sample, { width: 2, height: 1, index: 1 })), [
    255,
    0,
    128,
    255,
    255,
    0,
    128,
    255,
  ]);
  assert.deepEqual(Array.from(toRgba(sample, { width: 2, height: 1 })), [
    0,
    0,
    0,
    255,
    0,
    0,
    0,
    255,
  ]);
});

Deno.test("toRgba() rejects sizes and indices the sample cannot hold", () => {
  const sample = new Float32Array(12);
  assert.throws(() => toRgba(sample, { width: 2, height: 1, index: 2 }), RangeError);
  assert.throws(() => toRgba(sample, { width: 4, height: 2 }), RangeError);
  assert.throws(() => toRgba(sample, { width: 0, height: 1 }), RangeError);
  assert.throws(() => toRgba(sample, { width: 1.5, height: 1 }), RangeError);
  assert.throws(() => toRgba(sample, { width: 2, height: 1, index: -1 }), RangeError);
});
