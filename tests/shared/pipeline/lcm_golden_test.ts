/**
 * Latent Consistency Models: generate() on the tiny LCM UNet (its optimum-style export, and the
 * same UNet built by the converter) reproduces diffusers' LatentConsistencyModelPipeline golden
 * `lcm_4steps` in `../shared/fixtures/lcm/` — no unconditional pass, the guidance embedding as
 * `timestep_cond`, LCMScheduler timesteps [999, 759, 499, 259].
 */
import assert from "node:assert/strict";
import { createBackend } from "../../../shared/ort/mod.ts";
import { nodeRuntime } from "../../../shared/ort/node.ts";
import {
  generate,
  guidanceScaleEmbedding,
  loadPipeline,
  type PipelineEvent,
} from "../../../shared/pipeline/mod.ts";
import {
  assertResultMatchesCase,
  caseSeed,
  fewStepCases,
  fewStepModel,
  readSetGolden,
  writeFewStepDiffusers,
} from "./_few_step_golden.ts";
import { convertDiffusers } from "../../../models/convert/mod.ts";
import type { ModelManifest } from "../../../shared/manifest.ts";

async function assertLcmGolden(manifest: ModelManifest, dir: string): Promise<void> {
  const backend = await createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] });
  try {
    assert.equal(manifest.defaults.scheduler, "LCMScheduler");
    assert.deepEqual([manifest.defaults.steps, manifest.defaults.guidanceScale], [4, 8.5]);
    const pipeline = await loadPipeline(manifest, {
      backend,
      readFile: (path) => Deno.readFile(`${dir}/${path}`),
    });
    const [golden] = await fewStepCases("lcm");
    let textRows = 0;
    const realText = pipeline.textEncoder.run.bind(pipeline.textEncoder);
    pipeline.textEncoder.run = (feeds, options) => {
      textRows += Object.values(feeds)[0]!.dims[0]!;
      return realText(feeds, options);
    };
    const conds: Float32Array[] = [];
    const realUnet = pipeline.unet.run.bind(pipeline.unet);
    pipeline.unet.run = (feeds, options) => {
      assert.equal(feeds.sample!.dims[0], 1, "no unconditional rows");
      conds.push((feeds.timestep_cond as { data: Float32Array }).data);
      return realUnet(feeds, options);
    };
    try {
      const events: PipelineEvent[] = [];
      const result = await generate(pipeline, {
        prompt: golden!.call.prompt,
        seed: await caseSeed("lcm", golden!.name),
        width: 64,
        height: 64,
      }, { returnSamples: true, onProgress: (event) => events.push(event) });
      assert.equal(textRows, 1, "only the prompt is encoded");
      assert.deepEqual(
        events.filter((e) => e.type === "step").map((e) => e.timestep),
        golden!.timesteps_used,
      );
      const w = (await readSetGolden("lcm", `${golden!.name}.w_embedding`)).data as Float32Array;
      assert.equal(conds.length, 4);
      for (const cond of conds) {
        const diff = cond.reduce((max, v, i) => Math.max(max, Math.abs(v - w[i]!)), 0);
        assert.ok(diff <= 1e-3, `w_embedding differs by ${diff}`);
      }
      assert.deepEqual(conds[0], guidanceScaleEmbedding(8.5, 32));
      await assertResultMatchesCase("lcm", golden!, result);
    } finally {
      await pipeline.dispose();
    }
  } finally {
    await backend.dispose();
  }
}

Deno.test("generate() on an LCM UNet export reproduces diffusers' LatentConsistencyModelPipeline golden (4 steps, guidance 8.5)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lcm_" });
  try {
    await assertLcmGolden(await fewStepModel("lcm", dir, "tiny-lcm"), dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("models convert builds an LCM checkpoint (time_cond_proj_dim) that reproduces the LCM golden", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lcm_convert_" });
  try {
    await writeFewStepDiffusers("lcm", `${dir}/diffusers`);
    const manifest = await convertDiffusers(`${dir}/diffusers`, `${dir}/onnx`, { id: "tiny-lcm" });
    const unet = manifest.components.unet.inputs.find((spec) => spec.name === "timestep_cond");
    assert.deepEqual(unet, { name: "timestep_cond", dtype: "float32", shape: ["batch", 32] });
    await assertLcmGolden(manifest, `${dir}/onnx`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
