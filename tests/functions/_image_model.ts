/**
 * A model folder for the image-to-image and inpainting goldens, in the standard ONNX layout with a
 * `manifest.json`, so the CLI, the HTTP API and the worker can load it like any model: the
 * reference export of `../shared/fixtures/models/tiny-sd-reference/` with its VAE encoder rebuilt
 * from the reference weights (the fixture's encoder exports only the latent mean; diffusers
 * samples the distribution), and optionally the 9-channel inpainting UNet of
 * `../shared/fixtures/inpaint/`; and an API server rendering them. Test-only.
 */

import { buildManifest } from "../../models/mod.ts";
import { createInProcessQueue, startRenderPool } from "../../functions/worker/mod.ts";
import type { JobQueue } from "../../functions/services/jobs.ts";
import { createLocalCatalog } from "../../functions/services/models/local_catalog.ts";
import type { ModelManifest } from "../../shared/manifest.ts";
import { recordingEncoder } from "./_encoder.ts";
import { serveApp, testConfig, testDeps } from "./_harness.ts";
import { buildVaeEncoder } from "../../models/networks/mod.ts";
import { fixturePath } from "../_fixtures.ts";
import { referenceModel } from "../models/networks/_reference.ts";

const FILES = [
  "model_index.json",
  "scheduler/scheduler_config.json",
  "tokenizer/vocab.json",
  "tokenizer/merges.txt",
  "tokenizer/tokenizer_config.json",
  "tokenizer/special_tokens_map.json",
  "text_encoder/model.onnx",
  "text_encoder/config.json",
  "unet/config.json",
  "vae_decoder/model.onnx",
  "vae_decoder/config.json",
  "vae_encoder/config.json",
];

/**
 * Writes the model into a new folder under `parent` (a fresh temp dir when absent) and returns its
 * path. `unet: "inpaint9"` takes the 9-channel inpainting UNet.
 */
export async function writeImageModel(
  options: { unet?: "reference4" | "inpaint9"; parent?: string; id?: string } = {},
): Promise<string> {
  const parent = options.parent ?? await Deno.makeTempDir({ prefix: "sd-image-model-" });
  const id = options.id ?? (options.unet === "inpaint9" ? "tiny-sd-inpaint" : "tiny-sd-img2img");
  const dir = `${parent}/${id}`;
  for (const path of [...FILES, "unet/model.onnx", "vae_encoder/model.onnx"]) {
    await Deno.mkdir(`${dir}/${path.slice(0, path.lastIndexOf("/") + 1)}`, { recursive: true });
  }
  for (const path of FILES) {
    await Deno.copyFile(fixturePath(`models/tiny-sd-reference/${path}`), `${dir}/${path}`);
  }
  const unet = options.unet === "inpaint9"
    ? fixturePath("inpaint/tiny-sd-inpaint/unet/model.onnx")
    : fixturePath("models/tiny-sd-reference/unet/model.onnx");
  await Deno.copyFile(unet, `${dir}/unet/model.onnx`);
  if (options.unet === "inpaint9") {
    await Deno.copyFile(
      fixturePath("inpaint/tiny-sd-inpaint/unet/config.json"),
      `${dir}/unet/config.json`,
    );
  }
  await Deno.writeFile(
    `${dir}/vae_encoder/model.onnx`,
    await referenceModel("vae", buildVaeEncoder),
  );
  const manifest = await buildManifest(dir, { id, license: "MIT" });
  await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify(manifest, null, 2));
  return dir;
}

/**
 * A server with one real render Worker serving both image models (the 4- and the 9-channel UNet),
 * on the in-process queue or the given one (Redis).
 */
export async function startImageServer(options: { queue?: JobQueue } = {}) {
  const parent = await Deno.makeTempDir({ prefix: "sd-http-image-" });
  const dirs = {
    reference4: await writeImageModel({ parent }),
    inpaint9: await writeImageModel({ parent, unet: "inpaint9" }),
  };
  const ids = { reference4: "tiny-sd-img2img", inpaint9: "tiny-sd-inpaint" };
  const roots = new Map(Object.entries(ids).map(([k, id]) => [id, dirs[k as keyof typeof dirs]]));
  const catalog = createLocalCatalog(Object.values(ids), {
    load: async (id) => {
      const root = roots.get(id)!;
      const manifest = JSON.parse(await Deno.readTextFile(`${root}/manifest.json`));
      return { manifest: manifest as ModelManifest, root };
    },
  });
  const queue = options.queue ?? createInProcessQueue({ capacity: 16 });
  const pool = startRenderPool({
    queue,
    models: Object.values(ids),
    workers: 1,
    cacheDir: parent,
    device: "cpu",
  });
  await pool.ready;
  const deps = await testDeps({
    config: testConfig(),
    queue,
    encoder: recordingEncoder(),
    catalog,
  });
  const { key } = await deps.keys.create("secret");
  const server = serveApp(deps);
  return {
    key,
    ids,
    server,
    async close() {
      await server.close();
      await pool.close();
      await queue.close();
      await Deno.remove(parent, { recursive: true });
    },
  };
}
