/**
 * The extra cost of image to image over text to image at the same number of denoising steps: the
 * VAE encoder run (one image; inpainting runs it twice) plus drawing and adding the noise. On the
 * tiny model, both pipelines end to end (25 PNDM steps, strength 1 so the step counts match) and
 * the difference; on the full-size SD 1.5 architecture (random weights) the encoder run at
 * 512×512 against one UNet step, on the server backend (full mode only: it builds the ~130 MB
 * encoder and runs seconds per call).
 *
 * @module
 */

import { loadModel } from "../../models/mod.ts";
import {
  encodePrompt,
  imageToImage,
  loadPipeline,
  type PipelineTimings,
  textToImage,
} from "../../shared/pipeline/mod.ts";
import type { PixelImage } from "../../shared/image/mod.ts";
import type { SuiteContext } from "./_suite_context.ts";
import { ensureFullSizeNetwork, inputShapes, networkFeeds } from "./_suite_models.ts";
import { figure } from "./_suite_stats.ts";
import { loadNetwork } from "./_suite_backends.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

function gradient(size: number): PixelImage {
  const data = new Uint8Array(size * size * 3);
  for (let p = 0; p < size * size; p++) data.set([p % 256, (p >> 6) % 256, 128], p * 3);
  return { data, width: size, height: size, channels: 3 };
}

/** Both pipelines on the tiny model, per backend. */
async function tinyPipelines(ctx: SuiteContext): Promise<void> {
  const model = await loadModel("tiny-sd");
  if (ctx.backends.some((b) => b.name === "webgpu")) {
    ctx.skip("img2img.tiny.webgpu", "the image-to-image cost is measured on the CPU backends");
  }
  const { manifest, readFile } = model;
  for (const bench of ctx.backends.filter((b) => b.name !== "webgpu")) {
    const pipeline = await loadPipeline(manifest, { backend: bench.backend, readFile });
    try {
      const vaeEncoder = await pipeline.loadVaeEncoder();
      const embeddings = await encodePrompt(pipeline, { prompt: "a lighthouse at dusk" });
      const request = {
        embeddings,
        scheduler: "PNDMScheduler",
        schedulerConfig: manifest.schedulerConfig,
        steps: 25,
        guidanceScale: 7.5,
        seed: 42,
        width: 64,
        height: 64,
      };
      const options = {
        unet: pipeline.unet,
        vaeDecoder: pipeline.vaeDecoder,
        scalingFactor: manifest.scalingFactor,
      };
      const text = () => textToImage(request, options);
      const image = () =>
        imageToImage({ ...request, image: gradient(64), strength: 1 }, { ...options, vaeEncoder });
      await settle();
      await text();
      await image(); // warm-up of both
      const repeats = ctx.quick ? 3 : 5;
      const textRuns: PipelineTimings[] = [];
      const imageRuns: PipelineTimings[] = [];
      for (let i = 0; i < repeats; i++) {
        textRuns.push((await text()).timings);
        imageRuns.push((await image()).timings);
      }
      const extra = imageRuns.map((t, i) => t.totalMs - textRuns[i]!.totalMs);
      const encode = imageRuns.map((t) => t.encodeMs ?? 0);
      ctx.add(figure({
        id: `img2img.extra.tiny.${bench.name}`,
        label: "imageToImage − textToImage, tiny, 25 PNDM steps, 64×64",
        group: "img2img",
        backend: bench.name,
        unit: "ms",
        details: {
          textToImageMs: textRuns.map((t) => Math.round(t.totalMs)),
          imageToImageMs: imageRuns.map((t) => Math.round(t.totalMs)),
        },
      }, extra));
      ctx.add(figure({
        id: `img2img.encode.tiny.${bench.name}`,
        label: "VAE encode (session.run), tiny, 64×64",
        group: "img2img",
        backend: bench.name,
        unit: "ms",
      }, encode));
    } finally {
      await pipeline.dispose();
    }
  }
}

/** The SD 1.5 encoder at 512×512 against one UNet step (batch 2), on the server backend. */
async function fullSize(ctx: SuiteContext): Promise<void> {
  const bench = ctx.backends.find((b) => b.name === ctx.device);
  if (ctx.quick || bench === undefined) {
    ctx.skip("img2img.encode.sd15", ctx.quick ? "--quick skips SD 1.5" : "no server backend");
    return;
  }
  const timed = async (component: "vae_encoder" | "unet", repeats: number) => {
    const network = await ensureFullSizeNetwork(component, { cacheDir: ctx.cacheDir });
    if (network.built) ctx.log(`  built the SD 1.5 ${component} (random weights)`);
    const session = await loadNetwork(bench, network);
    try {
      const feeds = networkFeeds(await inputShapes("sd15", component, 64));
      await session.run(feeds); // warm-up
      const samples = [];
      for (let i = 0; i < repeats; i++) {
        const start = performance.now();
        await session.run(feeds);
        samples.push(performance.now() - start);
      }
      return samples;
    } finally {
      await session.release();
    }
  };
  const encode = await timed("vae_encoder", 3);
  const step = await timed("unet", 1);
  const stepMs = step[0]!;
  ctx.add(figure({
    id: `img2img.encode.sd15.${bench.name}`,
    label: "VAE encode SD 1.5, 512×512 (the extra cost of image to image)",
    group: "img2img",
    backend: bench.name,
    unit: "ms",
    details: {
      unetStepMs: Math.round(stepMs),
      encodeInUnetSteps: Number(
        (encode.reduce((a, b) => a + b, 0) / encode.length / stepMs).toFixed(3),
      ),
    },
  }, encode));
}

/** The `img2img` section. */
export async function measureImageToImage(ctx: SuiteContext): Promise<void> {
  await tinyPipelines(ctx);
  await fullSize(ctx);
}
