import assert from "node:assert/strict";
import {
  encodePrompt,
  imageToImage,
  inpaint,
  type PipelineEvent,
} from "../../../shared/pipeline/mod.ts";
import type { TextToImageResult } from "../../../shared/pipeline/mod.ts";
import { openReference } from "./_reference.ts";
import {
  assertImageMatches,
  caseSeed,
  goldenArray,
  type ImageCase,
  initImage,
  inpaintUnet,
  loadCases,
  maskImage,
  maxAbs,
  referenceEncoder,
} from "./_image_cases.ts";

async function runCase(c: ImageCase): Promise<void> {
  const reference = await openReference(["cpu"]);
  const { backend, pipeline } = reference;
  const vaeEncoder = await referenceEncoder(backend);
  const unet = c.unet === "inpaint9" ? await inpaintUnet(backend) : pipeline.unet;
  try {
    const embeddings = await encodePrompt(pipeline, {
      prompt: c.call.prompt,
      negativePrompt: c.call.negative_prompt,
    });
    const events: PipelineEvent[] = [];
    const request = {
      embeddings,
      scheduler: c.scheduler.class,
      schedulerConfig: c.scheduler.config_passed,
      steps: c.call.num_inference_steps,
      guidanceScale: c.call.guidance_scale,
      seed: caseSeed(c),
      width: 64,
      height: 64,
      image: await initImage(c),
      strength: c.call.strength,
    };
    const options = {
      unet,
      vaeDecoder: pipeline.vaeDecoder,
      vaeEncoder,
      scalingFactor: 0.18215,
      returnSamples: true,
      onProgress: (event: PipelineEvent) => events.push(event),
    };
    const result: TextToImageResult = c.mask
      ? await inpaint({ ...request, mask: await maskImage(c) }, options)
      : await imageToImage(request, options);

    // One event per user-facing step (PNDM's warm-up repeat makes one more UNet call), the last
    // at the schedule's last timestep.
    const steps = events.filter((e) => e.type === "step");
    const stepsLeft = Math.floor(c.call.num_inference_steps * c.call.strength);
    assert.deepEqual(steps.map((e) => e.step), Array.from({ length: stepsLeft }, (_, i) => i + 1));
    assert.equal(steps.at(-1)!.timestep, c.timesteps_used.at(-1));
    // Every UNet call: diffusers' timesteps, and its latents (after the blend, for 4-channel
    // inpainting) within the case's latent tolerance.
    assert.deepEqual(result.unetCalls!.timesteps, c.timesteps_used);
    const perCall = await goldenArray(c, "latents_per_step");
    const size = result.latents.length;
    for (const [i, latents] of result.unetCalls!.latents.entries()) {
      const diff = maxAbs(latents, perCall.subarray(i * size, (i + 1) * size));
      assert.ok(diff <= c.tolerance.final_latents_max_abs, `call ${i} latents ${diff}`);
    }
    const start = events.find((e) => e.type === "start");
    assert.ok(start?.type === "start");
    const { tolerance } = c;
    const initialDiff = maxAbs(start.latents, await goldenArray(c, "initial_latents"));
    assert.ok(initialDiff <= tolerance.final_latents_max_abs, `initial latents ${initialDiff}`);
    const latentsDiff = maxAbs(result.latents, await goldenArray(c, "final_latents"));
    assert.ok(latentsDiff <= tolerance.final_latents_max_abs, `final latents ${latentsDiff}`);
    const image = result.images[0]!;
    const decodedDiff = maxAbs(image.sample!, await goldenArray(c, "decoded_sample"));
    assert.ok(decodedDiff <= tolerance.decoded_sample_max_abs, `decoded ${decodedDiff}`);
    const { differing, worst } = await assertImageMatches(c, image.rgba, 4);
    assert.ok(result.timings.encodeMs! > 0);
    console.log(
      `${c.name}: initial latents ${initialDiff.toExponential(2)}, final latents ${
        latentsDiff.toExponential(2)
      }, decoded ${decodedDiff.toExponential(2)}, image ${differing} values off by ≤ ${worst}`,
    );
  } finally {
    if (unet !== pipeline.unet) await unet.release();
    await vaeEncoder.release();
    await reference.dispose();
  }
}

for (const c of await loadCases("img2img")) {
  Deno.test(`imageToImage() reproduces diffusers' img2img golden ${c.name}`, () => runCase(c));
}

for (const c of await loadCases("inpaint")) {
  Deno.test(`inpaint() reproduces diffusers' inpainting golden ${c.name}`, () => runCase(c));
}
