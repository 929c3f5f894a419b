/**
 * The embedded `tiny-sd` model: the Stable Diffusion 1.x architecture at toy size (the configs in
 * `models/configs/tiny-sd/`, the same as the reference fixture's), with seeded random weights
 * from `createRandomWeights`, the real CLIP vocabulary (`models/tokenizers/clip/`), the SD 1.5
 * PNDM scheduler config and 64×64 images. Built in a few seconds without a network, and
 * deterministic: the same sources give byte-identical files.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { ModelManifest } from "../../shared/manifest.ts";
import {
  buildClipTextEncoder,
  buildUnet,
  buildVaeDecoder,
  buildVaeEncoder,
} from "../networks/mod.ts";
import type { GraphBuilder } from "../onnx/mod.ts";
import { writeModel } from "../onnx/mod.ts";
import { createRandomWeights } from "../weights/mod.ts";
import type { EmbeddedBuildOptions, EmbeddedModel } from "./embedded.ts";
import { writeFileAtomic } from "./_files.ts";
import { buildManifest } from "./manifest.ts";

/** Seed of every weight of the tiny model. */
export const TINY_SD_SEED = 0;

/** Bump to force every cache to rebuild even when no source file changed. */
const RECIPE_VERSION = "tiny-sd/1";

const CONFIGS = new URL("../configs/tiny-sd/", import.meta.url);
const TOKENIZER = new URL("../tokenizers/clip/", import.meta.url);
/** Folders whose files decide the built bytes, relative to this file. */
const INPUTS = [
  "../configs/tiny-sd/",
  "../tokenizers/clip/",
  "../onnx/",
  "../weights/",
  "../networks/",
  "./",
];
/** The registry files that shape the output (the builder and the manifest writer). */
const REGISTRY_SOURCES = ["tiny_sd.ts", "manifest.ts", "onnx_io.ts"];

async function config(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(new URL(name, CONFIGS)));
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

async function listFiles(folder: URL): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) if (entry.isFile) names.push(entry.name);
  } catch (error) {
    // Sources that cannot be listed (a bundled build) leave the version and configs as the key.
    if (!(error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotCapable)) {
      throw error;
    }
  }
  return names.sort();
}

async function recipe(): Promise<string> {
  const hash = createHash("sha256").update(`${RECIPE_VERSION}\0${TINY_SD_SEED}\0`);
  for (const path of INPUTS) {
    const folder = new URL(path, import.meta.url);
    for (const name of await listFiles(folder)) {
      if (path === "./" && !REGISTRY_SOURCES.includes(name)) continue;
      hash.update(`${path}${name}\0`).update(await Deno.readFile(new URL(name, folder)));
    }
  }
  return hash.digest("hex");
}

async function writeGraph(
  g: GraphBuilder,
  dir: string,
  name: string,
  options: EmbeddedBuildOptions,
): Promise<void> {
  options.signal?.throwIfAborted();
  await writeModel(g, `${dir}/${name}`, { externalData: false });
  options.onProgress?.({ type: "build", id: "tiny-sd", stage: `${name}/model.onnx` });
}

async function build(dir: string, options: EmbeddedBuildOptions = {}): Promise<ModelManifest> {
  const weights = createRandomWeights({ seed: TINY_SD_SEED });
  const text = await config("text_encoder.json");
  const unet = await config("unet.json");
  const vae = await config("vae.json");
  await writeGraph(buildClipTextEncoder(text, weights), dir, "text_encoder", options);
  await writeGraph(buildUnet(unet, weights), dir, "unet", options);
  await writeGraph(buildVaeDecoder(vae, weights), dir, "vae_decoder", options);
  await writeGraph(buildVaeEncoder(vae, weights), dir, "vae_encoder", options);
  const files: Record<string, string> = {
    "model_index.json": json(await config("model_index.json")),
    "scheduler/scheduler_config.json": json(await config("scheduler_config.json")),
    "text_encoder/config.json": json(text),
    "unet/config.json": json(unet),
    "vae_decoder/config.json": json(vae),
    "vae_encoder/config.json": json(vae),
    "tokenizer/tokenizer_config.json": json(await config("tokenizer_config.json")),
    "tokenizer/special_tokens_map.json": json(await config("special_tokens_map.json")),
  };
  await Deno.mkdir(`${dir}/scheduler`, { recursive: true });
  await Deno.mkdir(`${dir}/tokenizer`, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${path}`, text);
  }
  for (const name of ["vocab.json", "merges.txt"]) {
    await Deno.copyFile(new URL(name, TOKENIZER), `${dir}/tokenizer/${name}`);
  }
  const manifest = await buildManifest(dir, {
    id: "tiny-sd",
    license: "MIT",
    description: "Embedded toy-size Stable Diffusion 1.x with seeded random weights " +
      "(for tests and offline runs; it draws coloured noise)",
    family: "sd1",
    defaults: { steps: 20, guidanceScale: 7.5, width: 64, height: 64, scheduler: "PNDMScheduler" },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  await writeFileAtomic(`${dir}/manifest.json`, json(manifest));
  options.onProgress?.({ type: "build", id: "tiny-sd", stage: "done" });
  return manifest;
}

/** The embedded tiny model. */
export const tinySd: EmbeddedModel = Object.freeze({
  id: "tiny-sd",
  description: "SD 1.x architecture at toy size, seeded random weights, 64×64 (built locally)",
  recipe,
  build,
});
