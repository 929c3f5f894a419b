import assert from "node:assert/strict";
import { applyGuidance } from "../../../shared/pipeline/_request.ts";
import { planRuns, takeRows } from "../../../shared/pipeline/_batch.ts";

Deno.test(
  "applyGuidance() computes uncond + scale · (cond − uncond) over uncond-first rows",
  () => {
    // Rows: uncond [1, -2], cond [3, 0.5]; by hand: 1 + 7.5·2 = 16, -2 + 7.5·2.5 = 16.75.
    assert.deepEqual([...applyGuidance(Float32Array.of(1, -2, 3, 0.5), 7.5)], [16, 16.75]);
    assert.deepEqual([...applyGuidance(Float32Array.of(1, -2, 3, 0.5), 0)], [1, -2]);
  },
);

Deno.test("planRuns() splits rows into fixed-size runs and takeRows() pads the last one", () => {
  assert.deepEqual(planRuns(4, null), [{ start: 0, count: 4, size: 4 }]);
  assert.deepEqual(planRuns(5, 2), [
    { start: 0, count: 2, size: 2 },
    { start: 2, count: 2, size: 2 },
    { start: 4, count: 1, size: 2 },
  ]);
  const rows = Float32Array.of(0, 0, 1, 1, 2, 2);
  assert.deepEqual([...takeRows(rows, 2, { start: 2, count: 1, size: 2 })], [2, 2, 2, 2]);
  assert.deepEqual([...takeRows(rows, 2, { start: 1, count: 2, size: 2 })], [1, 1, 2, 2]);
});
