/**
 * The embedded `toy-shapes` model, converted from the repository's float16 checkpoint by the
 * project's converter, against the reference outputs shipped beside the trained model
 * (`../shared/models/toy-shapes/golden/`, diffusers 0.25 on CPU in float32) within the
 * tolerances its `index.json` states, on onnxruntime-node CPU.
 */
import assert from "node:assert/strict";
import { ensureEmbedded, loadModel, toyShapes } from "../../../models/registry/mod.ts";
import { createBackend } from "../../../shared/ort/mod.ts";
import { nodeRuntime } from "../../../shared/ort/node.ts";
import { encodePrompt, type PipelineEvent, textToImage } from "../../../shared/pipeline/mod.ts";
import { withCpuPipeline } from "../../_cpu_pipeline.ts";
import { toyShapesPath } from "../../_fixtures.ts";
import { type NpyArray, parseNpy } from "../../_npy.ts";

interface ArrayTolerance {
  exact?: boolean;
  max_abs?: number;
  max_fraction_differing?: number;
}

interface GoldenCase {
  name: string;
  prompt: string;
  negative_prompt: string | null;
  call: {
    height: number;
    width: number;
    num_inference_steps: number;
    guidance_scale: number;
    /** `torch.Generator('cpu').manual_seed(<seed>)` */
    generator: string;
  };
  scheduler: { class: string; config_passed: Record<string, unknown> };
  scaling_factor: number;
  arrays: Record<string, { tolerance: ArrayTolerance }>;
}

interface GoldenNetwork {
  name: "text_encoder" | "unet" | "vae_decoder" | "vae_encoder";
  inputs: Record<string, { file: string }>;
  outputs: Record<string, { file: string }>;
  tolerance: { max_abs: number };
}

const index: { cases: GoldenCase[]; networks: GoldenNetwork[] } = JSON.parse(
  await Deno.readTextFile(toyShapesPath("golden/index.json")),
);
const golden = async (file: string): Promise<NpyArray> =>
  parseNpy(await Deno.readFile(toyShapesPath(`golden/${file}`)));

const cacheDir = await Deno.makeTempDir({ prefix: "toy-shapes-" });
globalThis.addEventListener("unload", () => Deno.removeSync(cacheDir, { recursive: true }));
const model = await loadModel("toy-shapes", { cacheDir });

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, "lengths differ");
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

Deno.test("toy-shapes is the default embedded model, with the trained model's sizes in its manifest", async () => {
  const { manifest } = model;
  assert.equal(manifest.license, "MIT");
  assert.equal(manifest.embeddingDim, 128);
  assert.equal(manifest.vaeScaleFactor, 4, "three VAE blocks: 64 px ↔ 16 latent px");
  assert.equal(manifest.scalingFactor, 0.8258097847429017);
  assert.deepEqual(manifest.defaults, {
    steps: 25,
    guidanceScale: 7.5,
    width: 64,
    height: 64,
    scheduler: "PNDMScheduler",
  });
  const vocabulary = manifest.vocabulary!;
  assert.equal(vocabulary.words.colours!.length, 11);
  assert.deepEqual(vocabulary.words.shapes, ["circle", "square", "triangle", "ring"]);
  assert.equal(vocabulary.words.positions!.length, 9);
  assert.equal(vocabulary.examples[0], "a red circle on a blue background");
  // A second ensure finds the current build and keeps it.
  const before = (await Deno.stat(`${model.root}/unet/model.onnx`)).mtime;
  await ensureEmbedded(toyShapes, `${cacheDir}/toy-shapes`);
  assert.deepEqual((await Deno.stat(`${model.root}/unet/model.onnx`)).mtime, before);
});

for (const network of index.networks) {
  Deno.test(`toy-shapes ${network.name} matches diffusers' single-network golden`, async () => {
    const backend = await createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] });
    try {
      const session = await backend.createSession(
        await model.readFile(`${network.name}/model.onnx`),
      );
      try {
        const feeds: Record<string, NpyArray> = {};
        for (const [name, { file }] of Object.entries(network.inputs)) {
          feeds[name] = await golden(file);
        }
        const outputs = await session.run(
          Object.fromEntries(
            Object.entries(feeds).map(([name, array]) => [name, {
              dims: array.shape,
              data: array.data,
            }]),
          ),
        );
        for (const [name, { file }] of Object.entries(network.outputs)) {
          const expected = await golden(file);
          const actual = outputs[name];
          assert.ok(actual, `${network.name} has no output '${name}'`);
          assert.deepEqual(actual.dims, expected.shape);
          const diff = maxAbsDiff(actual.data as Float32Array, expected.data as Float32Array);
          assert.ok(
            diff <= network.tolerance.max_abs,
            `${network.name}.${name}: max abs ${diff} > ${network.tolerance.max_abs}`,
          );
        }
      } finally {
        await session.release();
      }
    } finally {
      await backend.dispose();
    }
  });
}

function tolerance(c: GoldenCase, name: string): number {
  const value = c.arrays[name]?.tolerance.max_abs;
  assert.ok(value !== undefined, `${c.name}: no tolerance for ${name}`);
  return value;
}

for (const c of index.cases) {
  Deno.test(`toy-shapes reproduces diffusers' pipeline golden '${c.name}' on onnxruntime-node CPU`, async () => {
    await withCpuPipeline(model, async (pipeline) => {
      const read = (name: string) => golden(`${c.name}.${name}.npy`);
      const maxLength = pipeline.manifest.tokenizer.maxLength;
      const negative = c.negative_prompt ?? "";
      assert.deepEqual(
        [...pipeline.tokenizer.inputIds(c.prompt, { maxLength })],
        [...(await read("cond_input_ids")).data as Int32Array],
      );
      assert.deepEqual(
        [...pipeline.tokenizer.inputIds(negative, { maxLength })],
        [...(await read("uncond_input_ids")).data as Int32Array],
      );
      const embeddings = await encodePrompt(pipeline, {
        prompt: c.prompt,
        negativePrompt: negative,
      });
      const embeds = (await read("prompt_embeds")).data as Float32Array;
      const row = embeddings.cond.length;
      const embedsDiff = Math.max(
        maxAbsDiff(embeddings.uncond, embeds.subarray(0, row)),
        maxAbsDiff(embeddings.cond, embeds.subarray(row)),
      );
      assert.ok(embedsDiff <= tolerance(c, "prompt_embeds"), `prompt_embeds: ${embedsDiff}`);

      const events: PipelineEvent[] = [];
      const { images, latents, unetCalls } = await textToImage({
        embeddings,
        scheduler: c.scheduler.class,
        schedulerConfig: c.scheduler.config_passed,
        steps: c.call.num_inference_steps,
        guidanceScale: c.call.guidance_scale,
        seed: Number(/manual_seed\((\d+)\)/.exec(c.call.generator)![1]),
        width: c.call.width,
        height: c.call.height,
      }, {
        unet: pipeline.unet,
        vaeDecoder: pipeline.vaeDecoder,
        scalingFactor: pipeline.manifest.scalingFactor,
        vaeScaleFactor: pipeline.manifest.vaeScaleFactor,
        returnSamples: true,
        onProgress: (event) => events.push(event),
      });

      const start = events.find((e) => e.type === "start");
      assert.ok(start?.type === "start");
      const initial = (await read("initial_latents")).data as Float32Array;
      const initialDiff = maxAbsDiff(start.latents, initial);
      assert.ok(initialDiff <= tolerance(c, "initial_latents"), `initial: ${initialDiff}`);
      // Every UNet call (PNDM makes one more than it has steps), as diffusers' arrays list them.
      assert.ok(unetCalls, "returnSamples gives the UNet calls");
      const timesteps = (await read("timesteps")).data;
      assert.deepEqual(unetCalls.timesteps, Array.from(timesteps, Number));
      const perStep = (await read("latents_per_step")).data as Float32Array;
      const stepLimits = c.arrays.latents_per_step!.tolerance as { max_abs_per_step?: number[] };
      const stepDiffs = unetCalls.latents.map((call, i) =>
        maxAbsDiff(call, perStep.subarray(i * initial.length, (i + 1) * initial.length))
      );
      for (const [i, diff] of stepDiffs.entries()) {
        const limit = stepLimits.max_abs_per_step?.[i] ?? tolerance(c, "latents_per_step");
        assert.ok(diff <= limit, `step ${i} latents: ${diff} > ${limit}`);
      }
      const finalDiff = maxAbsDiff(latents, (await read("final_latents")).data as Float32Array);
      assert.ok(finalDiff <= tolerance(c, "final_latents"), `final latents: ${finalDiff}`);
      const image = images[0]!;
      const decodedDiff = maxAbsDiff(
        image.sample!,
        (await read("decoded_sample")).data as Float32Array,
      );
      assert.ok(decodedDiff <= tolerance(c, "decoded_sample"), `decoded: ${decodedDiff}`);

      const pixels = (await read("image_uint8")).data as Uint8Array;
      const limits = c.arrays.image_uint8!.tolerance;
      let differing = 0;
      let worst = 0;
      for (let p = 0; p < c.call.width * c.call.height; p++) {
        for (let ch = 0; ch < 3; ch++) {
          const d = Math.abs(image.rgba[p * 4 + ch]! - pixels[p * 3 + ch]!);
          if (d > 0) differing++;
          worst = Math.max(worst, d);
        }
      }
      assert.ok(worst <= limits.max_abs!, `image: ${worst} levels off`);
      assert.ok(
        differing / pixels.length <= limits.max_fraction_differing!,
        `image: ${differing} of ${pixels.length} values differ`,
      );
      console.log(
        `${c.name}: prompt_embeds ${embedsDiff.toExponential(1)}, worst step latents ${
          Math.max(...stepDiffs).toExponential(1)
        }, final latents ${finalDiff.toExponential(1)}, decoded ${
          decodedDiff.toExponential(1)
        }, image ${differing} values ${worst} level off`,
      );
    });
  });
}
