import assert from "node:assert/strict";
import onnxProto from "onnx-proto";
import type { HostTensor } from "../../../shared/ort/mod.ts";
import { cpuSession, tensor } from "../../_ort.ts";
import {
  conv2d,
  encodeModel,
  GraphBuilder,
  groupNorm,
  linear,
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

async function run(model: Uint8Array, input: HostTensor): Promise<number[]> {
  const session = await cpuSession(model);
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
  const x = tensor(new Float32Array([1, 2, 3, 4]), [1, 2, 1, 2]);
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
    const session = await cpuSession(`${dir}/model.onnx`);
    const out = await session.run({
      x: tensor(new Float32Array(4096).fill(1), [1, 4096]),
    });
    assert.ok((out.y!.data as Float32Array).every((v) => v === 1.5));
    await session.release();
    for await (const entry of Deno.readDir(dir)) assert.ok(!entry.name.endsWith(".incomplete"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// deno-lint-ignore no-explicit-any
const { onnx } = onnxProto as any;

/** int64 protobuf fields decode as Long objects or numbers depending on size. */
function toNumber(value: number | { toNumber(): number }): number {
  return typeof value === "number" ? value : value.toNumber();
}

/** Three linear layers 64 → 64, weights in [-0.05, 0.045], zero bias: 16 KiB weights each. */
function threeLayerGraph(weightDType: "float32" | "float16" = "float32") {
  const weights: WeightSource = {
    get: (name, shape) => {
      const count = shape.reduce((a, b) => a * b, 1);
      const layer = Number(name.split(".")[1]);
      return Float32Array.from(
        { length: count },
        (_, i) => name.endsWith("bias") ? 0 : ((i + layer) % 7) / 64 - 0.05,
      );
    },
  };
  const g = new GraphBuilder({ name: "mlp", weights, weightDType });
  let x = g.input("x", "float32", [1, 64]);
  for (let i = 0; i < 3; i++) {
    x = linear(g, x, `layers.${i}`, { inFeatures: 64, outFeatures: 64 });
  }
  g.output(x, "y", "float32", [1, 64]);
  return { g, weights };
}

/** Hand-evaluated forward pass of threeLayerGraph on an all-ones input. */
function threeLayerExpected(weights: WeightSource): number[] {
  let x = new Array<number>(64).fill(1);
  for (let layer = 0; layer < 3; layer++) {
    const w = weights.get(`layers.${layer}.weight`, [64, 64])!;
    x = Array.from({ length: 64 }, (_, o) => x.reduce((s, v, i) => s + v * w[o * 64 + i]!, 0));
  }
  return x;
}

Deno.test("writeModel() streams several tensors to aligned external-data offsets", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { g, weights } = threeLayerGraph();
    const written = await writeModel(g, dir, { externalData: true });
    const model = onnx.ModelProto.decode(await Deno.readFile(written.modelPath));
    assert.equal(toNumber(model.irVersion), 8);
    assert.equal(toNumber(model.opsetImport[0].version), 17);
    const data = await Deno.readFile(`${dir}/model.onnx_data`);
    const external = model.graph.initializer.filter((t: { dataLocation: number }) =>
      t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL
    );
    assert.deepEqual(
      external.map((t: { name: string }) => t.name),
      ["layers.0.weight", "layers.1.weight", "layers.2.weight"],
    );
    for (const tensor of external) {
      const entries = Object.fromEntries(
        tensor.externalData.map((e: { key: string; value: string }) => [e.key, e.value]),
      );
      assert.equal(entries.location, "model.onnx_data");
      const offset = Number(entries.offset);
      assert.equal(offset % 4096, 0);
      assert.equal(Number(entries.length), 64 * 64 * 4);
      const stored = new Float32Array(data.slice(offset, offset + 64 * 64 * 4).buffer);
      assert.deepEqual(stored, weights.get(tensor.name, [64, 64]));
    }
    const session = await cpuSession(written.modelPath);
    const out = await session.run({
      x: tensor(new Float32Array(64).fill(1), [1, 64]),
    });
    assertClose([...(out.y!.data as Float32Array)], threeLayerExpected(weights), 1e-4);
    await session.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("float16 weights are stored as FLOAT16, halve the data and stay close", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { g, weights } = threeLayerGraph("float16");
    const written = await writeModel(g, dir, { externalData: true });
    assert.equal((await Deno.stat(written.dataPath!)).size, 3 * 64 * 64 * 2);
    const model = onnx.ModelProto.decode(await Deno.readFile(written.modelPath));
    const types = model.graph.initializer
      .filter((t: { name: string }) => t.name.startsWith("layers."))
      .map((t: { dataType: number }) => t.dataType);
    assert.deepEqual(new Set(types), new Set([onnx.TensorProto.DataType.FLOAT16]));
    const session = await cpuSession(written.modelPath);
    assert.deepEqual(session.inputs.map((spec) => spec.dtype), ["float32"]);
    const out = await session.run({
      x: tensor(new Float32Array(64).fill(1), [1, 64]),
    });
    const actual = [...(out.y!.data as Float32Array)];
    const wanted = threeLayerExpected(weights);
    // Weights of about 0.1 round to float16 within 3e-5; through 3 layers of 64 that is < 1e-2.
    assertClose(actual, wanted, 1e-2);
    assert.ok(actual.some((v, i) => v !== wanted[i]), "float16 rounding should show");
    await session.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("float16 I/O declares float16 inputs and outputs and runs", async () => {
  const { model } = encodeModel(convNormGraph({ ioDType: "float16" }));
  const session = await cpuSession(model);
  const types = [...session.inputs, ...session.outputs].map((spec) => spec.dtype);
  assert.deepEqual(types, ["float16", "float16"]);
  // The session feeds the values as float16 and reads the float16 output back as float32.
  const out = await session.run({ x: tensor(Float32Array.of(1, 2, 3, 4), [1, 2, 1, 2]) });
  assertClose(Array.from(out.y!.data as ArrayLike<number>, Number), expected(), 4e-3);
  await session.release();
});

Deno.test("encodeModel() names the parameter a shape-only source cannot provide", () => {
  const g = new GraphBuilder({ name: "empty", weights: { get: () => null } });
  const x = g.input("x", "float32", [2]);
  g.output(g.op("Add", [x, g.param("bias", [2])]), "y", "float32", [2]);
  assert.throws(() => encodeModel(g), /'bias'/);
});

Deno.test("encodeModel() names a parameter whose data has the wrong length", () => {
  const g = new GraphBuilder({ name: "short", weights: { get: () => new Float32Array(3) } });
  const x = g.input("x", "float32", [4]);
  g.output(g.op("Add", [x, g.param("bias", [4])]), "y", "float32", [4]);
  assert.throws(() => encodeModel(g), /'bias'.*got 3 values, expected 4/);
});
