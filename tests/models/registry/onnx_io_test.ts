import assert from "node:assert/strict";
import onnxProto from "onnx-proto";
import { encodeModel, GraphBuilder } from "../../../models/onnx/mod.ts";
import { readOnnxInfo } from "../../../models/registry/onnx_io.ts";
import { createRandomWeights } from "../../../models/weights/mod.ts";
import { readFixtureBytes } from "../../_fixtures.ts";
import { externalize } from "../hub/_tiny_repo.ts";

const { onnx } = onnxProto;
const ROOT = "models/tiny-sd-reference";

// The I/O table of the fixture's README ("ONNX inputs and outputs"), from torch.onnx.export.
Deno.test("readOnnxInfo() reads the I/O of the reference text encoder export", async () => {
  const info = readOnnxInfo(await readFixtureBytes(`${ROOT}/text_encoder/model.onnx`));
  assert.deepEqual(info.inputs, [
    { name: "input_ids", dtype: "int32", shape: ["batch", "sequence"] },
  ]);
  assert.deepEqual(info.outputs, [
    { name: "last_hidden_state", dtype: "float32", shape: ["batch", "sequence", 32] },
    { name: "pooler_output", dtype: "float32", shape: ["batch", 32] },
  ]);
  assert.deepEqual(info.externalData, []);
  assert.equal(info.opset, 17);
  assert.equal(info.float16Weights, false);
});

Deno.test("readOnnxInfo() says when weights are float16, inline or external, whatever the I/O types", () => {
  for (const dtype of ["float32", "float16"] as const) {
    const g = new GraphBuilder({ name: "g", weights: createRandomWeights(), computeDType: dtype });
    const x = g.input("x", "float32", [4, 300]);
    g.output(g.op("MatMul", [x, g.param("w", [300, 300])]), "y", "float32", [4, 300]);
    for (const threshold of [1 << 30, 16]) {
      const info = readOnnxInfo(encodeModel(g, { externalThreshold: threshold }).model);
      assert.equal(info.float16Weights, dtype === "float16", `${dtype}, threshold ${threshold}`);
      assert.deepEqual(info.inputs.map((i) => i.dtype), ["float32"]);
    }
  }
});

Deno.test("readOnnxInfo() reads the I/O of the reference UNet and VAE exports", async () => {
  const unet = readOnnxInfo(await readFixtureBytes(`${ROOT}/unet/model.onnx`));
  assert.deepEqual(unet.inputs, [
    { name: "sample", dtype: "float32", shape: ["batch", 4, "height", "width"] },
    { name: "timestep", dtype: "int64", shape: ["batch"] },
    { name: "encoder_hidden_states", dtype: "float32", shape: ["batch", "sequence", 32] },
  ]);
  assert.deepEqual(unet.outputs.map((o) => [o.name, o.dtype, o.shape.length]), [
    ["out_sample", "float32", 4],
  ]);
  const decoder = readOnnxInfo(await readFixtureBytes(`${ROOT}/vae_decoder/model.onnx`));
  assert.deepEqual(decoder.inputs.map((i) => [i.name, i.shape[1]]), [["latent_sample", 4]]);
  assert.deepEqual(decoder.outputs.map((o) => [o.name, o.shape[1]]), [["sample", 3]]);
  const encoder = readOnnxInfo(await readFixtureBytes(`${ROOT}/vae_encoder/model.onnx`));
  assert.deepEqual(encoder.inputs.map((i) => [i.name, i.shape[1]]), [["sample", 3]]);
  assert.deepEqual(encoder.outputs.map((o) => [o.name, o.shape[1]]), [["latent_sample", 4]]);
});

Deno.test("readOnnxInfo() names the external data file of a model saved with external data", async () => {
  const { model } = externalize(await readFixtureBytes(`${ROOT}/unet/model.onnx`), "weights.pb");
  const info = readOnnxInfo(model);
  assert.deepEqual(info.externalData, ["weights.pb"]);
  assert.equal(info.inputs.length, 3);
});

Deno.test("readOnnxInfo() leaves out graph inputs that are initializers (IR < 4 exports)", () => {
  const model = onnx.ModelProto.encode({
    irVersion: 3,
    opsetImport: [{ domain: "", version: 9 }],
    graph: {
      name: "g",
      node: [{ opType: "Add", input: ["x", "w"], output: ["y"] }],
      initializer: [{ name: "w", dims: [2], dataType: 1, floatData: [1, 2] }],
      input: ["x", "w"].map((name) => ({
        name,
        type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } },
      })),
      output: [{
        name: "y",
        type: { tensorType: { elemType: 10, shape: { dim: [{}] } } },
      }],
    },
  }).finish();
  const info = readOnnxInfo(model);
  assert.deepEqual(info.inputs, [{ name: "x", dtype: "float32", shape: [2] }]);
  assert.deepEqual(info.outputs, [{ name: "y", dtype: "float16", shape: ["y_dim_0"] }]);
  assert.equal(info.opset, 9);
});

Deno.test("readOnnxInfo() rejects bytes that are not an ONNX model with a TypeError", () => {
  assert.throws(
    () => readOnnxInfo(new TextEncoder().encode('{"not": "onnx"}')),
    (error: unknown) =>
      error instanceof TypeError && /not a valid ModelProto|has no graph/.test(error.message),
  );
  assert.throws(() => readOnnxInfo(new Uint8Array(0)), /has no graph/);
});
