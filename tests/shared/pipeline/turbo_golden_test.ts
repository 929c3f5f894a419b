/**
 * SD-Turbo style generation (guidance 0: no unconditional pass, no negative prompt; 1–4 steps of
 * Euler-ancestral with `timestep_spacing: "trailing"` from the model's scheduler config) reproduces
 * diffusers' goldens in `../shared/fixtures/turbo/`.
 */
import assert from "node:assert/strict";
import { createBackend } from "../../../shared/ort/mod.ts";
import { nodeRuntime } from "../../../shared/ort/node.ts";
import { generate, loadPipeline, type PipelineEvent } from "../../../shared/pipeline/mod.ts";
import {
  assertResultMatchesCase,
  caseSeed,
  fewStepCases,
  fewStepModel,
} from "./_few_step_golden.ts";

Deno.test("generate() with guidance 0 reproduces diffusers' SD-Turbo-style goldens (1 and 4 steps, Euler-ancestral trailing)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "turbo_" });
  const backend = await createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] });
  try {
    const manifest = await fewStepModel("turbo", dir, "tiny-turbo");
    const pipeline = await loadPipeline(manifest, {
      backend,
      readFile: (path) => Deno.readFile(`${dir}/${path}`),
    });
    let textRuns = 0;
    const realText = pipeline.textEncoder.run.bind(pipeline.textEncoder);
    pipeline.textEncoder.run = (feeds, options) => {
      textRuns += Object.values(feeds)[0]!.dims[0]!;
      return realText(feeds, options);
    };
    const unetBatches: number[] = [];
    const realUnet = pipeline.unet.run.bind(pipeline.unet);
    pipeline.unet.run = (feeds, options) => {
      unetBatches.push(feeds.sample!.dims[0]!);
      return realUnet(feeds, options);
    };
    try {
      for (const golden of await fewStepCases("turbo")) {
        textRuns = 0;
        unetBatches.length = 0;
        const events: PipelineEvent[] = [];
        const result = await generate(pipeline, {
          prompt: golden.call.prompt,
          steps: golden.call.num_inference_steps,
          guidanceScale: golden.call.guidance_scale,
          seed: await caseSeed("turbo", golden.name),
          width: golden.call.width,
          height: golden.call.height,
        }, { returnSamples: true, onProgress: (event) => events.push(event) });
        assert.equal(result.parameters.scheduler, "EulerAncestralDiscreteScheduler");
        assert.deepEqual(
          events.filter((e) => e.type === "step").map((e) => e.timestep),
          golden.timesteps_used,
        );
        assert.equal(textRuns, 1, "only the prompt is encoded (no negative prompt)");
        assert.deepEqual(unetBatches, golden.timesteps_used.map(() => 1), "no unconditional rows");
        await assertResultMatchesCase("turbo", golden, result);
      }
    } finally {
      await pipeline.dispose();
    }
  } finally {
    await backend.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});
