import assert from "node:assert/strict";
import { adjustMask, maskToTensor } from "../../../shared/image/mod.ts";

const square = () => {
  // A 16 × 16 mask with a white 8 × 8 square at (4, 4).
  const data = new Uint8Array(256);
  for (let y = 4; y < 12; y++) for (let x = 4; x < 12; x++) data[y * 16 + x] = 255;
  return { data, width: 16, height: 16, channels: 1 } as const;
};

Deno.test("adjustMask() inverts, and blurs with a normalised Gaussian that keeps the square's centre", () => {
  const inverted = adjustMask(square(), { invert: true });
  assert.equal(inverted.data[0], 255);
  assert.equal(inverted.data[8 * 16 + 8], 0);
  const blurred = adjustMask(square(), { blur: 1 });
  assert.ok(blurred.data[8 * 16 + 8]! > 240, "the centre stays white");
  assert.ok(blurred.data[4 * 16 + 4]! < 200, "the corner softens");
  assert.ok(blurred.data[0]! < 5, "far away stays black");
  const total = (m: { data: ArrayLike<number> }) => Array.from(m.data).reduce((a, b) => a + b, 0);
  // The blur moves mass but keeps it (reflected borders, weights summing to 1).
  assert.ok(Math.abs(total(blurred) - total(square())) / total(square()) < 0.02);
  // Binarised again, the blurred square has rounded corners: fewer repaint pixels at the corner.
  const before = maskToTensor(square());
  const after = maskToTensor(blurred);
  assert.equal(before[4 * 16 + 4], 1);
  assert.equal(after[4 * 16 + 4], 0);
});
