import assert from "node:assert/strict";
import type { ModelSession } from "../../../shared/ort/mod.ts";
import { tensor } from "../../_ort.ts";
import { buildUnet } from "../../../models/networks/mod.ts";
import type { WeightSource } from "../../../models/onnx/mod.ts";
import { readGolden } from "../../_npy.ts";
import {
  goldenFeeds,
  maxAbsDiff,
  referenceConfig,
  referenceSession,
  referenceTensorNames,
  SHAPE_ONLY,
} from "./_reference.ts";

const TOLERANCE = 1e-4;

/** Runs both golden cases through `session` and checks each output within {@linkcode TOLERANCE}. */
async function assertGoldenCases(session: ModelSession): Promise<void> {
  for (const name of ["t999_500", "t1_250"]) {
    const feeds = await goldenFeeds({
      sample: `unet.${name}.sample.npy`,
      timestep: `unet.${name}.timestep.npy`,
      encoder_hidden_states: `unet.${name}.encoder_hidden_states.npy`,
    });
    const { out_sample } = await session.run(feeds);
    const diff = maxAbsDiff(out_sample, await readGolden(`unet.${name}.out_sample.npy`));
    assert.ok(diff <= TOLERANCE, `${name}: max abs diff ${diff} exceeds ${TOLERANCE}`);
  }
}

Deno.test("buildUnet() matches diffusers UNet2DConditionModel on both golden cases", async () => {
  const session = await referenceSession("unet", buildUnet);
  assert.deepEqual(session.inputs.map((s) => s.name), [
    "sample",
    "timestep",
    "encoder_hidden_states",
  ]);
  assert.deepEqual(session.outputs.map((s) => s.name), ["out_sample"]);
  await assertGoldenCases(session);
  await session.release();
});

Deno.test("buildUnet({ fusedAttention }) matches the golden too, with every attention one MultiHeadAttention", async () => {
  const build = (config: Record<string, unknown>, weights: WeightSource) =>
    buildUnet(config, weights, { fusedAttention: true });
  const graph = build(await referenceConfig("unet"), SHAPE_ONLY);
  const ops = graph.nodes.map((n) => n.opType);
  const fused = graph.nodes.filter((n) => n.opType === "MultiHeadAttention");
  // The reference UNet has 2 transformer blocks × (self + cross) in its cross-attention blocks.
  assert.equal(fused.length, 2 * referenceTransformerBlocks(await referenceConfig("unet")));
  assert.ok(fused.every((n) => n.domain === "com.microsoft"));
  assert.equal(ops.filter((op) => op === "Softmax").length, 0);
  const session = await referenceSession("unet", build);
  await assertGoldenCases(session);
  await session.release();
});

Deno.test("buildUnet({ reduceMeanGroupNorm }) matches the golden too, with no InstanceNormalization", async () => {
  const build = (config: Record<string, unknown>, weights: WeightSource) =>
    buildUnet(config, weights, { reduceMeanGroupNorm: true });
  const ops = build(await referenceConfig("unet"), SHAPE_ONLY).nodes.map((n) => n.opType);
  assert.equal(ops.filter((op) => op === "InstanceNormalization").length, 0);
  assert.ok(ops.includes("ReduceMean"));
  const session = await referenceSession("unet", build);
  await assertGoldenCases(session);
  await session.release();
});

/** Transformer blocks of a UNet config: per cross-attention down/up block and the mid block. */
function referenceTransformerBlocks(config: Record<string, unknown>): number {
  const layers = Number(config.layers_per_block);
  const cross = (types: unknown) =>
    (types as string[]).filter((t) => t.startsWith("CrossAttn")).length;
  return cross(config.down_block_types) * layers + cross(config.up_block_types) * (layers + 1) +
    (String(config.mid_block_type ?? "UNetMidBlock2DCrossAttn").includes("CrossAttn") ? 1 : 0);
}

Deno.test("buildUnet() takes latents whose sides are not a multiple of 2^upsamplers, like diffusers' upsample_size", async () => {
  const session = await referenceSession("unet", buildUnet);
  const feeds = await goldenFeeds({
    timestep: "unet.t999_500.timestep.npy",
    encoder_hidden_states: "unet.t999_500.encoder_hidden_states.npy",
  });
  const batch = feeds.encoder_hidden_states!.dims[0]!;
  for (const [h, w] of [[9, 8], [7, 11], [8, 8]] as const) {
    const data = Float32Array.from({ length: batch * 4 * h * w }, (_, i) => Math.sin(i * 0.37));
    const { out_sample } = await session.run({
      ...feeds,
      sample: tensor(data, [batch, 4, h, w]),
    });
    assert.deepEqual([...out_sample!.dims], [batch, 4, h, w]);
    assert.ok((out_sample!.data as Float32Array).every(Number.isFinite));
  }
  await session.release();
});

Deno.test("buildUnet() declares exactly the diffusers state-dict tensors", async () => {
  const g = buildUnet(await referenceConfig("unet"), SHAPE_ONLY);
  assert.deepEqual(g.paramNames().sort(), (await referenceTensorNames("unet")).sort());
});

Deno.test("buildUnet() rejects configurations it does not implement", async () => {
  const config = await referenceConfig("unet");
  assert.throws(
    () => buildUnet({ ...config, class_embed_type: "timestep" }, SHAPE_ONLY),
    /Cannot build UNet as 'class_embed_type' must be null: current value is "timestep"/,
  );
  assert.throws(
    () =>
      buildUnet({ ...config, down_block_types: ["SimpleDownBlock2D", "DownBlock2D"] }, SHAPE_ONLY),
    TypeError,
  );
});
