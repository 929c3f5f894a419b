/**
 * Pipeline benchmarks on the tiny reference model:
 * - 25 DDIM steps at 64×64 on onnxruntime-node CPU; the pipeline's own overhead (everything but
 *   `session.run`: noise, guidance, scheduler, batching, conversions, RGBA) is printed as % of
 *   the total at exit;
 * - WebGPU (Deno's adapter) with the text embeddings kept in a GPU buffer for all steps versus
 *   re-uploaded from the CPU on every UNet run.
 *
 * Run: `deno bench -A tests/bench/pipeline_bench.ts`
 */

import { type Device } from "../../shared/ort/mod.ts";
import {
  encodePrompt,
  type PipelineTimings,
  textToImage,
  type TextToImageOptions,
} from "../../shared/pipeline/mod.ts";
import { webgpuUnavailable } from "../shared/ort/_webgpu.ts";
import { openReference } from "../shared/pipeline/_reference.ts";

async function setup(device: Device) {
  const reference = await openReference([device]);
  const { pipeline } = reference;
  const embeddings = await encodePrompt(pipeline, { prompt: "a red circle" });
  return {
    pipeline,
    generate: (steps: number, options: Partial<TextToImageOptions> = {}) =>
      textToImage({
        embeddings,
        scheduler: "ddim",
        schedulerConfig: pipeline.manifest.schedulerConfig,
        steps,
        guidanceScale: 7.5,
        seed: 42,
        width: 64,
        height: 64,
      }, {
        unet: pipeline.unet,
        vaeDecoder: pipeline.vaeDecoder,
        scalingFactor: 0.18215,
        ...options,
      }),
  };
}

const summaries = new Map<string, PipelineTimings[]>();
function record(name: string, timings: PipelineTimings) {
  const list = summaries.get(name) ?? [];
  list.push(timings);
  summaries.set(name, list);
}

globalThis.addEventListener("unload", () => {
  for (const [name, list] of summaries) {
    const total = list.reduce((n, t) => n + t.totalMs, 0);
    const run = list.reduce((n, t) => n + t.unetMs + t.vaeMs, 0);
    const overhead = ((total - run) / total) * 100;
    console.log(
      `${name}: ${list.length} runs, mean ${(total / list.length).toFixed(1)} ms, ` +
        `session.run ${(run / list.length).toFixed(1)} ms, pipeline overhead ${
          overhead.toFixed(1)
        }%`,
    );
  }
});

const cpu = await setup("cpu");

Deno.bench({
  name: "textToImage 25 steps 64×64, onnxruntime-node cpu",
  group: "cpu",
  warmup: 2,
  n: 20,
  async fn() {
    record("cpu 25 steps", (await cpu.generate(25)).timings);
  },
});

const gpu = webgpuUnavailable === null ? await setup("webgpu") : null;
if (!gpu) console.log(`Skipping WebGPU benches: ${webgpuUnavailable}`);
// Compile every shader for both variants first, so neither bench pays for it.
for (const keep of [true, false]) await gpu?.generate(1, { keepEmbeddingsOnDevice: keep });

Deno.bench({
  name: "textToImage 3 steps webgpu, embeddings resident in a GPU buffer",
  group: "webgpu",
  baseline: true,
  ignore: gpu === null,
  warmup: 1,
  n: 5,
  async fn() {
    record("webgpu resident", (await gpu!.generate(3, { keepEmbeddingsOnDevice: true })).timings);
  },
});

Deno.bench({
  name: "textToImage 3 steps webgpu, embeddings uploaded from the CPU every run",
  group: "webgpu",
  ignore: gpu === null,
  warmup: 1,
  n: 5,
  async fn() {
    record(
      "webgpu round trip",
      (await gpu!.generate(3, { keepEmbeddingsOnDevice: false })).timings,
    );
  },
});
