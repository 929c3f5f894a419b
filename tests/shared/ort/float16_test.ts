import assert from "node:assert/strict";
import {
  float32ToHalfBits,
  fromFloat16Data,
  halfBitsToFloat32,
  toFloat16Data,
} from "../../../shared/ort/_float16.ts";

// Bit patterns from Python's struct "e" (IEEE 754 binary16, round half to even).
const KNOWN: [number, number][] = [
  [1, 0x3c00],
  [0.1, 0x2e66],
  [-2, 0xc000],
  [65504, 0x7bff],
  [2 ** -24, 0x0001],
  [1.5 * 2 ** -24, 0x0002],
  [2049, 0x6800],
  [2051, 0x6802],
  [1 / 3, 0x3555],
  [0.333, 0x3554],
];

Deno.test("float32ToHalfBits() rounds to nearest even like IEEE 754 binary16", () => {
  for (const [value, bits] of KNOWN) {
    assert.equal(float32ToHalfBits(value), bits, `value ${value}`);
  }
  assert.equal(float32ToHalfBits(65520), 0x7c00, "overflow goes to infinity");
  assert.equal(float32ToHalfBits(-Infinity), 0xfc00);
  assert.equal(float32ToHalfBits(2 ** -26), 0, "underflow goes to zero");
  assert.equal(float32ToHalfBits(NaN) & 0x7c00, 0x7c00);
  assert.notEqual(float32ToHalfBits(NaN) & 0x3ff, 0);
});

Deno.test("halfBitsToFloat32() inverts the known bit patterns", () => {
  assert.equal(halfBitsToFloat32(0x2e66), 0.0999755859375);
  assert.equal(halfBitsToFloat32(0x3555), 0.333251953125);
  assert.equal(halfBitsToFloat32(0x0001), 2 ** -24);
  assert.equal(halfBitsToFloat32(0xfc00), -Infinity);
  assert.ok(Number.isNaN(halfBitsToFloat32(0x7e00)));
});

Deno.test("toFloat16Data() and fromFloat16Data() agree with the bit-level conversion", () => {
  const values = KNOWN.map(([v]) => v);
  const half = toFloat16Data(values);
  const back = fromFloat16Data(half);
  const viaBits = fromFloat16Data(Uint16Array.from(values, float32ToHalfBits));
  assert.deepEqual([...back], [...viaBits]);
  assert.equal(back[1], Math.fround(0.0999755859375));
});
