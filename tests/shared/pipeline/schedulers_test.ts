import assert from "node:assert/strict";
import {
  type PipelineEvent,
  type PromptEmbeddings,
  textToImage,
  type TextToImageRequest,
} from "../../../shared/pipeline/mod.ts";
import { readGolden } from "../../_npy.ts";
import { maxAbsDiff, openReference } from "./_reference.ts";

// The short names every host accepts (system contract).
const ALIASES = [
  "ddim",
  "pndm",
  "plms",
  "lms",
  "euler",
  "euler_a",
  "heun",
  "dpmpp_2m",
  "dpmpp_2m_karras",
  "unipc",
  "lcm",
];

// One model for the whole file; onnxruntime-node frees it when the test process exits.
const { pipeline } = await openReference(["cpu"]);
const promptEmbeds = (await readGolden("e2e.prompt_embeds.npy")).data as Float32Array;
const ROW = 77 * 32;
const embeddings: PromptEmbeddings = {
  uncond: promptEmbeds.slice(0, ROW),
  cond: promptEmbeds.slice(ROW),
  shape: [1, 77, 32],
};

async function run(overrides: Partial<TextToImageRequest>) {
  const events: PipelineEvent[] = [];
  const result = await textToImage({
    embeddings,
    scheduler: "ddim",
    schedulerConfig: pipeline.manifest.schedulerConfig,
    steps: 25,
    guidanceScale: 7.5,
    seed: 2024,
    width: 64,
    height: 64,
    ...overrides,
  }, {
    unet: pipeline.unet,
    vaeDecoder: pipeline.vaeDecoder,
    scalingFactor: 0.18215,
    onProgress: (e) => events.push(e),
  });
  return { result, events };
}

Deno.test(
  "textToImage() runs 25 steps through every scheduler alias from the same seeded noise",
  async () => {
    const noise = new Map<string, Float32Array>();
    const finals = new Map<string, Float32Array>();
    for (const scheduler of ALIASES) {
      const { result, events } = await run({ scheduler });
      const start = events[0]!;
      assert.ok(start.type === "start", scheduler);
      const steps = events.filter((e) => e.type === "step");
      assert.ok(steps.length >= 25, `${scheduler} ran ${steps.length} steps`);
      assert.equal(steps.length, start.total);
      assert.ok(result.latents.every(Number.isFinite), `${scheduler} gave non-finite latents`);
      assert.ok(new Set(result.images[0]!.rgba).size > 16, `${scheduler} gave a flat image`);
      noise.set(scheduler, start.latents);
      finals.set(scheduler, result.latents);
    }
    // Initial latents are randn(seed) · initNoiseSigma whatever the scheduler (DDIM's sigma is 1).
    const randn = noise.get("ddim")!;
    for (const [scheduler, drawn] of noise) {
      const sigma = drawn[0]! / randn[0]!;
      assert.ok(sigma >= 1, `${scheduler} initNoiseSigma ${sigma}`);
      assert.ok(maxAbsDiff(drawn, randn.map((v) => v * sigma)) <= 1e-5 * sigma, scheduler);
    }
    assert.ok(maxAbsDiff(finals.get("euler")!, finals.get("euler_a")!) > 1e-3);
    assert.ok(maxAbsDiff(finals.get("ddim")!, finals.get("dpmpp_2m")!) > 1e-3);
  },
);

Deno.test(
  "ancestral and eta schedulers are reproducible by seed and differ across seeds",
  async () => {
    for (
      const request of [{ scheduler: "euler_a" }, { scheduler: "ddim", eta: 1 }, {
        scheduler: "lcm",
        steps: 4,
      }]
    ) {
      const first = (await run({ ...request, seed: 7 })).result;
      const again = (await run({ ...request, seed: 7 })).result;
      const other = (await run({ ...request, seed: 8 })).result;
      assert.deepEqual(again.images[0]!.rgba, first.images[0]!.rgba, request.scheduler);
      assert.ok(maxAbsDiff(other.latents, first.latents) > 1e-3, request.scheduler);
    }
    const deterministic = (await run({ scheduler: "ddim", eta: 0, seed: 7 })).result;
    const stochastic = (await run({ scheduler: "ddim", eta: 1, seed: 7 })).result;
    assert.ok(
      maxAbsDiff(deterministic.latents, stochastic.latents) > 1e-3,
      "eta was not passed on",
    );
  },
);
