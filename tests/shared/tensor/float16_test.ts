import assert from "node:assert/strict";
import { toFloat16Array, toFloat16Bits } from "../../../shared/tensor/mod.ts";

// Bit patterns from the IEEE 754 binary16 definition (largest normal 65504, smallest subnormal
// 2^-24, 1/3 rounds to 0x3555, 0.1 to 0x2e66).
Deno.test("toFloat16Bits() matches IEEE 754 binary16 encodings", () => {
  const cases: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [65520, 0x7c00], // halfway to the next binade rounds to even: Infinity
    [1e6, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -24, 0x0001],
    [2 ** -14, 0x0400],
    [2 ** -25, 0x0000], // halfway to the smallest subnormal rounds to even: zero
    [3 * 2 ** -25, 0x0002],
    [1 / 3, 0x3555],
    [0.1, 0x2e66],
    [1 + 2 ** -11, 0x3c00], // tie, even mantissa stays
    [1 + 3 * 2 ** -11, 0x3c02], // tie, odd mantissa rounds up
  ];
  for (const [value, bits] of cases) {
    assert.equal(toFloat16Bits(value), bits, `${value}`);
  }
  assert.equal(toFloat16Bits(NaN) & 0x7c00, 0x7c00);
  assert.notEqual(toFloat16Bits(NaN) & 0x3ff, 0);
});

Deno.test("toFloat16Array() converts element-wise", () => {
  assert.deepEqual([...toFloat16Array(new Float32Array([1, -2, 0.5]))], [0x3c00, 0xc000, 0x3800]);
});
