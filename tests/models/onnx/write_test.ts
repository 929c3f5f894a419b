import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import {
  conv2d,
  encodeModel,
  GraphBuilder,
  groupNorm,
  type WeightSource,
  writeModel,
} from "../../../models/onnx/mod.ts";

/** Weights from a table; throws like a real source on an unknown name. */
function table(values: Record<string, number[]>): WeightSource {
  return {
    get(name) {
      const v = values[name];
      if (!v) throw new Error(`Missing tensor '${name}'`);
      return Float32Array.from(v);
    },
  };
}

// 1×1 conv with weight 2 and bias 1 on a 2-channel input, then GroupNorm over 1 group.
const WEIGHTS = table({
  "conv.weight": [2, 0, 0, 2],
  "conv.bias": [1, 1],
  "norm.weight": [1, 3],
  "norm.bias": [0, 0.5],
});

function convNormGraph(
  options: { weightDType?: "float32" | "float16"; ioDType?: "float32" | "float16" } = {},
) {
  const g = new GraphBuilder({ name: "conv_norm", weights: WEIGHTS, ...options });
  const x = g.input("x", "float32", ["batch", 2, 1, 2]);
  const y = conv2d(g, x, "conv", { inChannels: 2, outChannels: 2, kernelSize: 1 });
  const z = groupNorm(g, y, "norm", { numGroups: 1, numChannels: 2, eps: 1e-5 });
  g.output(z, "y", "float32", ["batch", 2, 1, 2]);
  return g;
}

/** Hand-computed expectation of convNormGraph on input [1, 2, 3, 4]. */
function expected(): number[] {
  const conv = [3, 5, 7, 9]; // 2x + 1
  const mean = 6;
  const variance = conv.reduce((s, v) => s + (v - mean) ** 2, 0) / 4;
  const norm = conv.map((v) => (v - mean) / Math.sqrt(variance + 1e-5));
  return [norm[0]!, norm[1]!, norm[2]! * 3 + 0.5, norm[3]! * 3 + 0.5];
}

async function run(model: Uint8Array, input: ort.Tensor): Promise<number[]> {
  const session = await ort.InferenceSession.create(model);
  const out = await session.run({ x: input });
  await session.release();
  return [...(out.y!.data as Float32Array)];
}

function assertClose(actual: number[], wanted: number[], tolerance: number) {
  assert.equal(actual.length, wanted.length);
  actual.forEach((v, i) =>
    assert.ok(Math.abs(v - wanted[i]!) <= tolerance, `${i}: ${v} vs ${wanted[i]}`)
  );
}

Deno.test("encodeModel() writes a graph onnxruntime runs with the expected numbers", async () => {
  const g = convNormGraph();
  assert.equal(g.paramCount(), 10);
  const { model } = encodeModel(g);
  const x = new ort.Tensor("float32", new Float32Array([1, 2, 3, 4]), [1, 2, 1, 2]);
  assertClose(await run(model, x), expected(), 1e-5);
});

Deno.test("writeModel() with external data writes model.onnx + model.onnx_data that load", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const g = new GraphBuilder({
      name: "big",
      weights: { get: (_, s) => new Float32Array(s[0]!).fill(0.5) },
    });
    const x = g.input("x", "float32", [1, 4096]);
    g.output(g.op("Add", [x, g.param("w", [4096])]), "y", "float32", [1, 4096]);
    const written = await writeModel(g, dir, { externalData: true });
    assert.equal(written.dataPath, `${dir}/model.onnx_data`);
    assert.equal((await Deno.stat(`${dir}/model.onnx_data`)).size, 4096 * 4);
    assert.ok((await Deno.stat(`${dir}/model.onnx`)).size < 1024);
    const session = await ort.InferenceSession.create(`${dir}/model.onnx`);
    const out = await session.run({
      x: new ort.Tensor("float32", new Float32Array(4096).fill(1), [1, 4096]),
    });
    assert.ok((out.y!.data as Float32Array).every((v) => v === 1.5));
    await session.release();
    for await (const entry of Deno.readDir(dir)) assert.ok(!entry.name.endsWith(".incomplete"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("float16 weights halve the parameters and stay within float16 precision", async () => {
  const x = new ort.Tensor("float32", new Float32Array([1, 2, 3, 4]), [1, 2, 1, 2]);
  const { model } = encodeModel(convNormGraph({ weightDType: "float16" }));
  assertClose(await run(model, x), expected(), 2e-3);
});

Deno.test("float16 I/O declares float16 inputs and outputs", async () => {
  const { model } = encodeModel(convNormGraph({ ioDType: "float16" }));
  const session = await ort.InferenceSession.create(model);
  // onnxruntime-node under Deno cannot take float16 input buffers (N-API has no Float16Array),
  // so check the declared boundary types rather than running it.
  const types = [...session.inputMetadata, ...session.outputMetadata].map((m) =>
    "type" in m ? m.type : "?"
  );
  assert.deepEqual(types, ["float16", "float16"]);
  await session.release();
});

Deno.test("encodeModel() names the parameter a shape-only source cannot provide", () => {
  const g = new GraphBuilder({ name: "empty", weights: { get: () => null } });
  const x = g.input("x", "float32", [2]);
  g.output(g.op("Add", [x, g.param("bias", [2])]), "y", "float32", [2]);
  assert.throws(() => encodeModel(g), /'bias'/);
});

Deno.test("GraphBuilder.param() rejects one name with two shapes", () => {
  const g = new GraphBuilder({ name: "dup", weights: { get: () => null } });
  g.param("w", [2]);
  assert.equal(g.param("w", [2]).name, "w");
  assert.throws(() => g.param("w", [3]), RangeError);
});
