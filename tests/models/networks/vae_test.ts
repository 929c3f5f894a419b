import assert from "node:assert/strict";
import { buildVaeDecoder, buildVaeEncoder } from "../../../models/networks/mod.ts";
import type { WeightSource } from "../../../models/onnx/mod.ts";
import * as ort from "onnxruntime-node";
import { readFixtureNpy, readGolden } from "../../_npy.ts";
import { maxAbs } from "../../shared/pipeline/_image_cases.ts";
import {
  goldenFeeds,
  maxAbsDiff,
  referenceConfig,
  referenceSession,
  referenceTensorNames,
  SHAPE_ONLY,
} from "./_reference.ts";

const TOLERANCE = 1e-4;

/** Runs the decoder golden through the graph `build` makes, within {@linkcode TOLERANCE}. */
async function assertDecoderGolden(
  build: (config: Record<string, unknown>, weights: WeightSource) => ReturnType<
    typeof buildVaeDecoder
  >,
): Promise<void> {
  const session = await referenceSession("vae", build);
  const feeds = await goldenFeeds({ latent_sample: "vae_decoder.latent_sample.npy" });
  const { sample } = await session.run(feeds);
  const diff = maxAbsDiff(sample, await readGolden("vae_decoder.sample.npy"));
  assert.ok(diff <= TOLERANCE, `max abs diff ${diff} exceeds ${TOLERANCE}`);
  await session.release();
}

Deno.test("buildVaeDecoder() matches diffusers AutoencoderKL.decode", async () => {
  const session = await referenceSession("vae", buildVaeDecoder);
  assert.deepEqual(session.inputs.map((s) => s.name), ["latent_sample"]);
  assert.deepEqual(session.outputs.map((s) => s.name), ["sample"]);
  const feeds = await goldenFeeds({ latent_sample: "vae_decoder.latent_sample.npy" });
  const { sample } = await session.run(feeds);
  const diff = maxAbsDiff(sample, await readGolden("vae_decoder.sample.npy"));
  assert.ok(diff <= TOLERANCE, `max abs diff ${diff} exceeds ${TOLERANCE}`);
  await session.release();
});

Deno.test("buildVaeDecoder({ fusedAttention }) matches the golden with one MultiHeadAttention", async () => {
  const build = (config: Record<string, unknown>, weights: WeightSource) =>
    buildVaeDecoder(config, weights, { fusedAttention: true });
  const ops = build(await referenceConfig("vae"), SHAPE_ONLY).nodes.map((n) => n.opType);
  assert.equal(ops.filter((op) => op === "MultiHeadAttention").length, 1);
  assert.equal(ops.filter((op) => op === "Softmax").length, 0);
  await assertDecoderGolden(build);
});

Deno.test("buildVaeDecoder({ reduceMeanGroupNorm }) matches the golden with no InstanceNormalization", async () => {
  const build = (config: Record<string, unknown>, weights: WeightSource) =>
    buildVaeDecoder(config, weights, { reduceMeanGroupNorm: true });
  const ops = build(await referenceConfig("vae"), SHAPE_ONLY).nodes.map((n) => n.opType);
  assert.equal(ops.filter((op) => op === "InstanceNormalization").length, 0);
  await assertDecoderGolden(build);
});

Deno.test("buildVaeEncoder() matches the mean of diffusers AutoencoderKL.encode", async () => {
  const session = await referenceSession("vae", buildVaeEncoder);
  assert.deepEqual(session.inputs.map((s) => s.name), ["sample"]);
  assert.deepEqual(session.outputs.map((s) => s.name), ["latent_sample", "latent_parameters"]);
  const { latent_sample } = await session.run(
    await goldenFeeds({ sample: "vae_encoder.sample.npy" }),
  );
  const diff = maxAbsDiff(latent_sample, await readGolden("vae_encoder.latent_sample.npy"));
  assert.ok(diff <= TOLERANCE, `max abs diff ${diff} exceeds ${TOLERANCE}`);
  await session.release();
});

Deno.test("buildVaeEncoder()'s latent_parameters give diffusers' latent_dist mean and std", async () => {
  const session = await referenceSession("vae", buildVaeEncoder);
  const golden = (name: string) => readFixtureNpy(`img2img/golden/pndm_s060.${name}.npy`);
  const image = await golden("init_image_tensor");
  const { latent_parameters } = await session.run({
    sample: new ort.Tensor("float32", image.data as Float32Array, image.shape),
  });
  const moments = latent_parameters!.data as Float32Array;
  const half = moments.length / 2;
  const std = moments.subarray(half).map((v) => Math.exp(0.5 * Math.min(20, Math.max(-30, v))));
  const mean = await golden("vae_latent_mean");
  const expectedStd = await golden("vae_latent_std");
  const meanDiff = maxAbs(moments.subarray(0, half), mean.data as Float32Array);
  const stdDiff = maxAbs(std, expectedStd.data as Float32Array);
  assert.ok(meanDiff <= TOLERANCE && stdDiff <= TOLERANCE, `mean ${meanDiff}, std ${stdDiff}`);
  await session.release();
});

Deno.test("the VAE graphs split AutoencoderKL's state-dict tensors between them", async () => {
  const config = await referenceConfig("vae");
  const decoder = buildVaeDecoder(config, SHAPE_ONLY).paramNames();
  const encoder = buildVaeEncoder(config, SHAPE_ONLY).paramNames();
  assert.ok(decoder.every((name) => /^(decoder|post_quant_conv)\./.test(name)));
  assert.ok(encoder.every((name) => /^(encoder|quant_conv)\./.test(name)));
  assert.deepEqual([...decoder, ...encoder].sort(), (await referenceTensorNames("vae")).sort());
});

Deno.test("buildVaeDecoder() and buildVaeEncoder() reject unsupported settings", async () => {
  const config = await referenceConfig("vae");
  const up = Array.from({ length: 4 }, () => "AttnUpDecoderBlock2D");
  assert.throws(() => buildVaeDecoder({ ...config, up_block_types: up }, SHAPE_ONLY), TypeError);
  assert.throws(
    () => buildVaeEncoder({ ...config, act_fn: "gelu" }, SHAPE_ONLY),
    /Cannot build VAE as 'act_fn' must be "silu": current value is "gelu"/,
  );
});
