import assert from "node:assert/strict";
import { BYTES_PER_ELEMENT, elementCount } from "../../../shared/tensor/mod.ts";

Deno.test("elementCount() multiplies the dimensions; a scalar holds one element", () => {
  assert.equal(elementCount([2, 4, 64, 64]), 32768);
  assert.equal(elementCount([1, 77, 768]), 59136);
  assert.equal(elementCount([]), 1);
  assert.equal(elementCount([3, 0, 5]), 0);
});

Deno.test("BYTES_PER_ELEMENT gives the ONNX element sizes", () => {
  assert.deepEqual(BYTES_PER_ELEMENT, { float32: 4, float16: 2, int32: 4, int64: 8, uint8: 1 });
});
