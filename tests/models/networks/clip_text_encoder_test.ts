import assert from "node:assert/strict";
import { cpuSession, tensor } from "../../_ort.ts";
import { buildClipTextEncoder } from "../../../models/networks/mod.ts";
import { encodeModel } from "../../../models/onnx/mod.ts";
import { openSafetensors, SHAPE_ONLY_WEIGHTS } from "../../../models/weights/mod.ts";
import { fixturePath, readFixtureJson } from "../../_fixtures.ts";
import { readGolden } from "../../_npy.ts";

const REFERENCE = "models/tiny-sd-reference/diffusers/text_encoder";

function maxAbs(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

Deno.test("buildClipTextEncoder() matches the CLIP text tower on the golden prompts", async () => {
  const config = await readFixtureJson<Record<string, unknown>>(`${REFERENCE}/config.json`);
  const weights = await openSafetensors(fixturePath(`${REFERENCE}/model.safetensors`));
  const { model } = encodeModel(buildClipTextEncoder(config, weights));
  assert.deepEqual(weights.unused(), []);
  weights.close();
  const session = await cpuSession(model);
  const ids = await readGolden("text_encoder.input_ids.npy");
  const out = await session.run({ input_ids: tensor(ids.data, ids.shape) });
  const last = await readGolden("text_encoder.last_hidden_state.npy");
  const pooled = await readGolden("text_encoder.pooler_output.npy");
  assert.deepEqual(out.last_hidden_state!.dims, last.shape);
  assert.deepEqual(out.pooler_output!.dims, pooled.shape);
  const lastDiff = maxAbs(out.last_hidden_state!.data as Float32Array, last.data as Float32Array);
  const pooledDiff = maxAbs(out.pooler_output!.data as Float32Array, pooled.data as Float32Array);
  assert.ok(lastDiff <= 1e-4, `last_hidden_state max abs diff ${lastDiff}`);
  assert.ok(pooledDiff <= 1e-4, `pooler_output max abs diff ${pooledDiff}`);
  await session.release();
});

Deno.test("buildClipTextEncoder() with float16 weights stays within float16 error", async () => {
  const config = await readFixtureJson<Record<string, unknown>>(`${REFERENCE}/config.json`);
  const weights = await openSafetensors(fixturePath(`${REFERENCE}/model.safetensors`));
  const half = encodeModel(buildClipTextEncoder(config, weights, { weightDType: "float16" }));
  const full = encodeModel(buildClipTextEncoder(config, weights));
  weights.close();
  assert.ok(half.model.byteLength < 0.55 * full.model.byteLength);
  const session = await cpuSession(half.model);
  const ids = await readGolden("text_encoder.input_ids.npy");
  const out = await session.run({ input_ids: tensor(ids.data, ids.shape) });
  const last = await readGolden("text_encoder.last_hidden_state.npy");
  const diff = maxAbs(out.last_hidden_state!.data as Float32Array, last.data as Float32Array);
  // float16 keeps 11 significant bits (relative error 4.9e-4) on weights of order 0.1–1.
  assert.ok(diff > 0 && diff < 1e-2, `last_hidden_state max abs diff ${diff}`);
  await session.release();
});

Deno.test("buildClipTextEncoder() reports missing and unused checkpoint tensors by name", async () => {
  const config = await readFixtureJson<Record<string, unknown>>(`${REFERENCE}/config.json`);
  const weights = await openSafetensors(fixturePath(`${REFERENCE}/model.safetensors`));
  try {
    const deeper = buildClipTextEncoder({ ...config, num_hidden_layers: 3 }, weights);
    assert.throws(() => encodeModel(deeper), /'text_model\.encoder\.layers\.2\.[a-z_.0-9]+'/);
    const wider = buildClipTextEncoder({ ...config, intermediate_size: 40 }, weights);
    assert.throws(() => encodeModel(wider), /'text_model\.encoder\.layers\.0\.mlp\.fc1\.weight'/);
  } finally {
    weights.close();
  }
  const fresh = await openSafetensors(fixturePath(`${REFERENCE}/model.safetensors`));
  encodeModel(buildClipTextEncoder({ ...config, num_hidden_layers: 1 }, fresh));
  const unused = fresh.unused();
  fresh.close();
  assert.equal(unused.length, 16); // layer 1: q, k, v, out, fc1, fc2, 2 LayerNorms × (weight, bias)
  assert.ok(unused.every((name) => name.startsWith("text_model.encoder.layers.1.")));
});

Deno.test("buildClipTextEncoder() with the SD 1.5 config has 123,060,480 parameters", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(
      new URL("../../../models/configs/sd15/text_encoder.json", import.meta.url),
    ),
  );
  assert.equal(buildClipTextEncoder(config, SHAPE_ONLY_WEIGHTS).paramCount(), 123_060_480);
});

Deno.test("buildClipTextEncoder() rejects a hidden size the heads do not divide", () => {
  assert.throws(
    () => buildClipTextEncoder({ hidden_size: 30, num_attention_heads: 4 }, SHAPE_ONLY_WEIGHTS),
    RangeError,
  );
  assert.throws(
    () => buildClipTextEncoder({ hidden_act: "relu" }, SHAPE_ONLY_WEIGHTS),
    /hidden_act/,
  );
});
