/**
 * The shared pipeline end to end: CLIP tokenizer throughput, and `textToImage` on the embedded
 * tiny model (25 steps, 64×64, CFG 7.5) per backend, with the pipeline's own overhead (noise,
 * scheduler, guidance, batching, conversions, RGBA: everything but `session.run`) as % of the
 * total.
 */

import { loadModel } from "../../models/mod.ts";
import { createClipTokenizer } from "../../shared/tokenizer/mod.ts";
import { encodePrompt, loadPipeline, textToImage } from "../../shared/pipeline/mod.ts";
import type { PipelineTimings } from "../../shared/pipeline/mod.ts";
import type { SuiteContext } from "./_suite_context.ts";
import { LoadMeter, settle } from "./_suite_load.ts";
import { figure, stats } from "./_suite_stats.ts";

const SUBJECTS = ["red fox", "lighthouse", "old tram", "glass teapot", "koi pond", "desert camp"];
const STYLES = ["at golden hour", "in heavy fog", "watercolor", "35mm film", "isometric render"];

/** Varied prompts (about 15 words each), the same list on every run. */
function prompts(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) =>
      `a detailed photo of a ${SUBJECTS[i % SUBJECTS.length]} ${
        STYLES[(i * 7) % STYLES.length]
      }, number ${i}, highly detailed, soft light, trending on artstation`,
  );
}

/** Tokenizer throughput in prompts per second (BPE memo warm, as in a long-running edge). */
export async function measureTokenizer(ctx: SuiteContext): Promise<void> {
  const dir = new URL("../../models/tokenizers/clip/", import.meta.url);
  const files = {
    vocab: JSON.parse(await Deno.readTextFile(new URL("vocab.json", dir))),
    merges: await Deno.readTextFile(new URL("merges.txt", dir)),
  };
  const buildStart = performance.now();
  const tokenizer = createClipTokenizer(files);
  const buildMs = performance.now() - buildStart;
  const list = prompts(500);
  await settle();
  for (const p of list) tokenizer.inputIds(p);
  const rates: number[] = [];
  for (let r = 0; r < (ctx.quick ? 3 : 7); r++) {
    const start = performance.now();
    for (const p of list) tokenizer.inputIds(p);
    rates.push(list.length / ((performance.now() - start) / 1000));
  }
  ctx.add(figure({
    id: "tokenizer.inputIds",
    label: "CLIP tokenizer inputIds(), ~15-word prompts",
    group: "tokenizer",
    backend: "none",
    unit: "prompts/s",
    details: { promptsPerRepeat: list.length, buildTokenizerMs: Math.round(buildMs) },
  }, rates));
}

/** `textToImage` on the tiny model, 25 steps, per backend. */
export async function measureTextToImage(ctx: SuiteContext): Promise<void> {
  const model = await loadModel("tiny-sd");
  for (const bench of ctx.backends) {
    if (ctx.quick && bench.name === "webgpu") {
      // 25 steps of the tiny UNet take ~13 s on the software adapter; CI has no time for it.
      ctx.skip("pipeline.textToImage.tiny.webgpu", "--quick skips textToImage on WebGPU");
      continue;
    }
    const pipeline = await loadPipeline(model.manifest, {
      backend: bench.backend,
      readFile: model.readFile,
    });
    try {
      const embeddings = await encodePrompt(pipeline, {
        prompt: "a lighthouse at dusk",
        negativePrompt: "blurry",
      });
      const run = () =>
        textToImage({
          embeddings,
          scheduler: "PNDMScheduler",
          schedulerConfig: model.manifest.schedulerConfig,
          steps: 25,
          guidanceScale: 7.5,
          seed: 42,
          width: 64,
          height: 64,
        }, {
          unet: pipeline.unet,
          vaeDecoder: pipeline.vaeDecoder,
          scalingFactor: model.manifest.scalingFactor,
        });
      await settle();
      await run(); // warm-up: first-run allocation, WebGPU shader compilation
      const meter = new LoadMeter();
      meter.start();
      const timings: PipelineTimings[] = [];
      const repeats = bench.name === "webgpu" || ctx.quick ? 3 : 5;
      for (let i = 0; i < repeats; i++) timings.push((await run()).timings);
      const otherCores = meter.stop();
      const overhead = timings.map((t) => 100 * (t.totalMs - t.unetMs - t.vaeMs) / t.totalMs);
      ctx.add(figure({
        id: `pipeline.textToImage.tiny.${bench.name}`,
        label: "textToImage tiny, 25 PNDM steps, 64×64",
        group: "pipeline",
        backend: bench.name,
        unit: "ms",
        details: {
          unetMs: stats(timings.map((t) => t.unetMs)),
          vaeMs: stats(timings.map((t) => t.vaeMs)),
          schedulerMs: stats(timings.map((t) => t.schedulerMs)),
          otherCores,
        },
      }, timings.map((t) => t.totalMs)));
      ctx.add(figure({
        id: `pipeline.overhead.tiny.${bench.name}`,
        label: "pipeline overhead (all but session.run) of textToImage tiny",
        group: "pipeline",
        backend: bench.name,
        unit: "%",
      }, overhead));
    } finally {
      await pipeline.dispose();
    }
  }
}
