import assert from "node:assert/strict";
import { createRandomWeights } from "../../../models/weights/mod.ts";

function stats(data: Float32Array): { mean: number; std: number; min: number; max: number } {
  const mean = data.reduce((a, b) => a + b, 0) / data.length;
  const std = Math.sqrt(data.reduce((a, b) => a + (b - mean) ** 2, 0) / data.length);
  return { mean, std, min: Math.min(...data), max: Math.max(...data) };
}

Deno.test("createRandomWeights() depends only on seed, name and shape", () => {
  const a = createRandomWeights({ seed: 1 });
  const b = createRandomWeights({ seed: 1 });
  const c = createRandomWeights({ seed: 2 });
  b.get("other.weight", [3, 3]); // request order must not matter
  assert.deepEqual(a.get("conv.weight", [4, 2, 3, 3]), b.get("conv.weight", [4, 2, 3, 3]));
  assert.notDeepEqual(a.get("conv.weight", [4, 2, 3, 3]), c.get("conv.weight", [4, 2, 3, 3]));
  assert.notDeepEqual(a.get("conv1.weight", [4, 2, 3, 3]), a.get("conv2.weight", [4, 2, 3, 3]));
});

Deno.test("createRandomWeights() draws weights uniform in ±√(3/fan_in)", () => {
  const w = createRandomWeights({ seed: 3 }).get("block.conv.weight", [64, 32, 3, 3])!;
  const { mean, std, min, max } = stats(w);
  const bound = Math.sqrt(3 / (32 * 9));
  assert.ok(min >= -bound && max <= bound);
  assert.ok(max > 0.99 * bound && min < -0.99 * bound);
  assert.ok(Math.abs(mean) < 0.01 * bound);
  assert.ok(Math.abs(std - 1 / Math.sqrt(32 * 9)) < 0.01 / Math.sqrt(32 * 9)); // unit fan-in variance
});

Deno.test("createRandomWeights() keeps norms near 1/0, small biases and 0.02 embeddings", () => {
  const r = createRandomWeights();
  for (
    const name of ["norm1.weight", "text_model.final_layer_norm.weight", "conv_norm_out.weight"]
  ) {
    const v = r.get(name, [512])!;
    assert.ok(v.every((x) => x >= 0.9 && x <= 1.1), name);
  }
  const bias = r.get("norm1.bias", [4096])!;
  assert.ok(bias.every((x) => Math.abs(x) <= 0.05) && stats(bias).std > 0.025);
  const embedding = stats(r.get("text_model.embeddings.token_embedding.weight", [1000, 32])!);
  assert.ok(Math.abs(embedding.std - 0.02) < 0.001);
});
