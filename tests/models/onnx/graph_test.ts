import assert from "node:assert/strict";
import { cpuSession, tensor } from "../../_ort.ts";
import { encodeModel, GraphBuilder } from "../../../models/onnx/mod.ts";

const NO_WEIGHTS = { get: () => null };

Deno.test("GraphBuilder.param() returns one value per name and rejects a second shape", () => {
  const g = new GraphBuilder({ name: "dup", weights: NO_WEIGHTS });
  const first = g.param("w", [2]);
  assert.equal(g.param("w", [2]), first);
  assert.equal(first.name, "w");
  assert.throws(() => g.param("w", [3]), /'w' with shape \[3\]: already declared as \[2\]/);
});

Deno.test("GraphBuilder.paramCount() counts parameters, not constants", () => {
  const g = new GraphBuilder({ name: "count", weights: NO_WEIGHTS });
  g.param("a.weight", [3, 4, 2]);
  g.param("a.bias", [3]);
  g.constFloat(new Float32Array(100), [10, 10]);
  g.constInt64([1, 2, 3]);
  assert.equal(g.paramCount(), 27);
  assert.deepEqual(g.paramNames(), ["a.weight", "a.bias"]);
  assert.equal(g.initializers.filter((i) => i.isParam).length, 2);
});

Deno.test("GraphBuilder with float16 weights casts each parameter back to float32 once", () => {
  const g = new GraphBuilder({ name: "half", weights: NO_WEIGHTS, weightDType: "float16" });
  const w = g.param("w", [2]);
  assert.equal(g.param("w", [2]), w);
  assert.notEqual(w.name, "w");
  assert.deepEqual(g.nodes.map((n) => [n.opType, n.inputs]), [["Cast", ["w"]]]);
  assert.equal(g.initializers[0]!.dtype, "float16");
});

Deno.test("GraphBuilder.opMulti() wires every output of Split", async () => {
  const g = new GraphBuilder({ name: "split", weights: NO_WEIGHTS });
  const x = g.input("x", "float32", [1, 4]);
  const [a, b] = g.opMulti("Split", [x, g.constInt64([1, 3])], 2, { axis: 1 });
  assert.notEqual(a!.name, b!.name);
  g.output(a!, "a", "float32", [1, 1]);
  g.output(g.op("Neg", [b!]), "b", "float32", [1, 3]);
  const session = await cpuSession(encodeModel(g).model);
  const out = await session.run({
    x: tensor(Float32Array.of(1, 2, 3, 4), [1, 4]),
  });
  assert.deepEqual([...(out.a!.data as Float32Array)], [1]);
  assert.deepEqual([...(out.b!.data as Float32Array)], [-2, -3, -4]);
  await session.release();
});

Deno.test("GraphBuilder.op() passes optional inputs as empty names and typed attributes", async () => {
  const g = new GraphBuilder({ name: "resize", weights: NO_WEIGHTS });
  const x = g.input("x", "float32", [1, 1, 1, 2]);
  const up = g.op("Resize", [x, "", g.constFloat([1, 1, 2, 2])], {
    mode: "nearest",
    coordinate_transformation_mode: "asymmetric",
    nearest_mode: "floor",
  });
  g.output(up, "y", "float32", [1, 1, 2, 4]);
  assert.deepEqual(g.nodes[0]!.inputs.slice(0, 2), ["x", ""]);
  const session = await cpuSession(encodeModel(g).model);
  const out = await session.run({
    x: tensor(Float32Array.of(5, 7), [1, 1, 1, 2]),
  });
  assert.deepEqual([...(out.y!.data as Float32Array)], [5, 5, 7, 7, 5, 5, 7, 7]);
  await session.release();
});

Deno.test("GraphBuilder with float16 compute uses float16 parameters as stored, with no Cast", () => {
  const g = new GraphBuilder({ name: "half", weights: NO_WEIGHTS, computeDType: "float16" });
  assert.equal(g.weightDType, "float16");
  assert.deepEqual(g.param("w", [2]), { name: "w" });
  assert.deepEqual(g.nodes, []);
  g.constFloat([0.5]);
  g.constFloat32([1, 1, 2, 2]);
  assert.deepEqual(g.initializers.map((i) => [i.name, i.dtype]), [
    ["w", "float16"],
    [g.initializers[1]!.name, "float16"],
    [g.initializers[2]!.name, "float32"],
  ]);
});

Deno.test("GraphBuilder with float16 compute casts float I/O once at the boundary", () => {
  const g = new GraphBuilder({ name: "io", weights: NO_WEIGHTS, computeDType: "float16" });
  const x = g.input("x", "float32", [2]);
  const ids = g.input("ids", "int64", [2]);
  assert.equal(ids.name, "ids");
  g.output(g.op("Relu", [x]), "y", "float32", [2]);
  assert.deepEqual(g.nodes.map((n) => [n.opType, n.attributes.to ?? null]), [
    ["Cast", 10],
    ["Relu", null],
    ["Cast", 1],
    ["Identity", null],
  ]);
  assert.deepEqual(g.inputs.map((io) => io.dtype), ["float32", "int64"]);
  assert.deepEqual(g.outputs.map((io) => io.dtype), ["float32"]);

  const halfIo = new GraphBuilder({
    name: "io16",
    weights: NO_WEIGHTS,
    computeDType: "float16",
    ioDType: "float16",
  });
  halfIo.output(halfIo.input("x", "float32", [2]), "y", "float32", [2]);
  assert.deepEqual(halfIo.nodes.map((n) => n.opType), ["Identity"]);
  assert.deepEqual([...halfIo.inputs, ...halfIo.outputs].map((io) => io.dtype), [
    "float16",
    "float16",
  ]);
});

Deno.test("GraphBuilder.toCompute() and toFloat32() cast only under float16 compute", () => {
  const full = new GraphBuilder({ name: "full", weights: NO_WEIGHTS });
  const x = { name: "x" };
  assert.equal(full.toCompute(x), x);
  assert.equal(full.toFloat32(x), x);
  assert.equal(full.nodes.length, 0);
  const half = new GraphBuilder({ name: "half", weights: NO_WEIGHTS, computeDType: "float16" });
  half.toFloat32(half.toCompute(x));
  assert.deepEqual(half.nodes.map((n) => n.attributes.to), [10, 1]);
});

Deno.test("GraphBuilder rejects float16 compute over float32 weights", () => {
  assert.throws(
    () =>
      new GraphBuilder({
        name: "mixed",
        weights: NO_WEIGHTS,
        computeDType: "float16",
        weightDType: "float32",
      }),
    /Cannot build 'mixed' as 'weightDType' must be "float16" when 'computeDType' is "float16": current value is "float32"/,
  );
});
