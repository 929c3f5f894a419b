import assert from "node:assert/strict";
import {
  fromFloat16Bits,
  fromFloat16Data,
  toFloat16Bits,
  toFloat16Data,
} from "../../../shared/tensor/mod.ts";

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

Deno.test("toFloat16Bits() rounds to nearest even like IEEE 754 binary16", () => {
  for (const [value, bits] of KNOWN) {
    assert.equal(toFloat16Bits(value), bits, `value ${value}`);
  }
  assert.equal(toFloat16Bits(65520), 0x7c00, "overflow goes to infinity");
  assert.equal(toFloat16Bits(-Infinity), 0xfc00);
  assert.equal(toFloat16Bits(2 ** -26), 0, "underflow goes to zero");
  assert.equal(toFloat16Bits(NaN) & 0x7c00, 0x7c00);
  assert.notEqual(toFloat16Bits(NaN) & 0x3ff, 0);
});

Deno.test("fromFloat16Bits() inverts the known bit patterns", () => {
  assert.equal(fromFloat16Bits(0x2e66), 0.0999755859375);
  assert.equal(fromFloat16Bits(0x3555), 0.333251953125);
  assert.equal(fromFloat16Bits(0x0001), 2 ** -24);
  assert.equal(fromFloat16Bits(0xfc00), -Infinity);
  assert.ok(Number.isNaN(fromFloat16Bits(0x7e00)));
});

Deno.test("toFloat16Data() and fromFloat16Data() agree with the bit-level conversion", () => {
  const values = KNOWN.map(([v]) => v);
  const half = toFloat16Data(values);
  const back = fromFloat16Data(half);
  const viaBits = fromFloat16Data(Uint16Array.from(values, toFloat16Bits));
  assert.deepEqual([...back], [...viaBits]);
  assert.equal(back[1], Math.fround(0.0999755859375));
});
