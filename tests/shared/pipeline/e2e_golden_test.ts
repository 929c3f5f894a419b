import assert from "node:assert/strict";
import type { Device } from "../../../shared/ort/mod.ts";
import { nodeRuntime } from "../../../shared/ort/node.ts";
import { encodePrompt, type PipelineEvent, textToImage } from "../../../shared/pipeline/mod.ts";
import { nativeWebGpuUnavailable } from "../ort/_native_webgpu.ts";
import { readFixtureJson } from "../../_fixtures.ts";
import { readGolden } from "../../_npy.ts";
import { maxAbsDiff, openReference } from "./_reference.ts";

interface E2eFixture {
  prompt: string;
  negative_prompt: string;
  steps: number;
  guidance_scale: number;
  seed: number;
  height: number;
  width: number;
  scheduler: string;
  timesteps: number[];
  scaling_factor: number;
  tolerance: {
    final_latents_max_abs: number;
    decoded_sample_max_abs: number;
    image_uint8_max_abs: number;
    image_uint8_max_fraction_differing: number;
  };
}

// The text encoder case's own tolerance (golden/index.json cases[*].tolerance.max_abs).
const EMBEDDINGS_MAX_ABS = 1e-4;
// torch's CPU Box-Muller draws in float32: a faithful generator is within a few ulps.
const NOISE_MAX_ABS = 1e-5;

/** Runs diffusers' end-to-end recipe on `device` of onnxruntime-node and checks every stage. */
async function checkGoldenRun(device: Device): Promise<void> {
  const e2e = (await readFixtureJson<{ e2e: E2eFixture }>(
    "models/tiny-sd-reference/golden/index.json",
  )).e2e;
  const reference = await openReference([device], [nodeRuntime()]);
  try {
    assert.equal(reference.backend.device, device);
    const { pipeline } = reference;
    const embeddings = await encodePrompt(pipeline, {
      prompt: e2e.prompt,
      negativePrompt: e2e.negative_prompt,
    });
    const promptEmbeds = (await readGolden("e2e.prompt_embeds.npy")).data as Float32Array;
    const row = embeddings.cond.length;
    assert.deepEqual(embeddings.shape, [1, 77, 32]);
    const embedsDiff = Math.max(
      maxAbsDiff(embeddings.uncond, promptEmbeds.subarray(0, row)),
      maxAbsDiff(embeddings.cond, promptEmbeds.subarray(row)),
    );
    assert.ok(embedsDiff <= EMBEDDINGS_MAX_ABS, `prompt_embeds differ by ${embedsDiff}`);

    const events: PipelineEvent[] = [];
    const result = await textToImage({
      embeddings,
      scheduler: e2e.scheduler,
      schedulerConfig: pipeline.manifest.schedulerConfig,
      steps: e2e.steps,
      guidanceScale: e2e.guidance_scale,
      seed: e2e.seed,
      width: e2e.width,
      height: e2e.height,
    }, {
      unet: pipeline.unet,
      vaeDecoder: pipeline.vaeDecoder,
      scalingFactor: e2e.scaling_factor,
      returnSamples: true,
      onProgress: (event) => events.push(event),
    });
    assert.equal(result.seed, String(e2e.seed));

    const start = events.find((e) => e.type === "start");
    assert.ok(start?.type === "start");
    const noise = (await readGolden("e2e.initial_noise.npy")).data as Float32Array;
    const noiseDiff = maxAbsDiff(start.latents, noise);
    assert.ok(noiseDiff <= NOISE_MAX_ABS, `initial noise differs by ${noiseDiff}`);

    const calls = result.unetCalls;
    assert.ok(calls, "returnSamples gives the per-call trace");
    assert.deepEqual(calls.timesteps, e2e.timesteps);
    assert.equal(events.filter((e) => e.type === "step").length, e2e.steps);
    const perStep = (await readGolden("e2e.latents_per_step.npy")).data as Float32Array;
    const stepDiffs = calls.latents.map((latents, i) =>
      maxAbsDiff(latents, perStep.subarray(i * noise.length, (i + 1) * noise.length))
    );
    for (const [i, diff] of stepDiffs.entries()) {
      assert.ok(
        diff <= e2e.tolerance.final_latents_max_abs,
        `step ${i} latents differ by ${diff}`,
      );
    }

    const finalLatents = (await readGolden("e2e.final_latents.npy")).data as Float32Array;
    const latentsDiff = maxAbsDiff(result.latents, finalLatents);
    assert.ok(
      latentsDiff <= e2e.tolerance.final_latents_max_abs,
      `final latents: ${latentsDiff}`,
    );

    const image = result.images[0]!;
    const decoded = (await readGolden("e2e.decoded_sample.npy")).data as Float32Array;
    const sampleDiff = maxAbsDiff(image.sample!, decoded);
    assert.ok(sampleDiff <= e2e.tolerance.decoded_sample_max_abs, `decoded: ${sampleDiff}`);

    const pixels = (await readGolden("e2e.image_uint8_hwc.npy")).data as Uint8Array;
    let differing = 0;
    let worst = 0;
    for (let p = 0; p < e2e.width * e2e.height; p++) {
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(image.rgba[p * 4 + c]! - pixels[p * 3 + c]!);
        if (d > 0) differing++;
        worst = Math.max(worst, d);
      }
      assert.equal(image.rgba[p * 4 + 3], 255);
    }
    assert.ok(worst <= e2e.tolerance.image_uint8_max_abs, `image max diff ${worst}`);
    assert.ok(differing / pixels.length <= e2e.tolerance.image_uint8_max_fraction_differing);
    console.log(
      `e2e vs golden on ${device}: prompt_embeds ${embedsDiff.toExponential(2)}, initial noise ${
        noiseDiff.toExponential(2)
      }, worst step latents ${Math.max(...stepDiffs).toExponential(2)}, final latents ${
        latentsDiff.toExponential(2)
      }, decoded ${sampleDiff.toExponential(2)}, image ${differing} values off by ≤ ${worst}`,
    );
  } finally {
    await reference.dispose();
  }
}

Deno.test(
  "the pipeline reproduces diffusers' end-to-end golden run on onnxruntime-node CPU",
  () => checkGoldenRun("cpu"),
);

Deno.test({
  name: "the pipeline reproduces diffusers' end-to-end golden run on onnxruntime-node WebGPU " +
    "(native Dawn provider; SwiftShader without a GPU)",
  ignore: nativeWebGpuUnavailable !== null,
  fn: () => checkGoldenRun("webgpu"),
});
