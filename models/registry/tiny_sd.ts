/**
 * The embedded `tiny-sd` models: the Stable Diffusion 1.x architecture at toy size (the configs in
 * `models/configs/tiny-sd/`, the same as the reference fixture's), with seeded random weights
 * from `createRandomWeights`, the real CLIP vocabulary (`models/tokenizers/clip/`), the SD 1.5
 * PNDM scheduler config and 64×64 images. `tiny-sd` is float32 throughout; `tiny-sd-f16` is the
 * same network in the layout browsers download (`models convert --fp16`): float16 weights and
 * float16 compute in the UNet and the VAE, the text encoder (which runs on the edge) unchanged.
 * Built in a few seconds without a network, and deterministic: the same sources give
 * byte-identical files.
 *
 * @module
 */

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
import { type RecipeInput, sourceRecipe } from "./_recipe.ts";
import { buildManifest } from "./manifest.ts";

/** Seed of every weight of the tiny model. */
export const TINY_SD_SEED = 0;

/** Bump to force every cache to rebuild even when no source file changed. */
const RECIPE_VERSION = "tiny-sd/1";

const CONFIGS = new URL("../configs/tiny-sd/", import.meta.url);
const TOKENIZER = new URL("../tokenizers/clip/", import.meta.url);
/** Folders whose files decide the built bytes, relative to this file. */
const INPUTS: readonly RecipeInput[] = [
  { path: "../configs/tiny-sd/" },
  { path: "../tokenizers/clip/" },
  { path: "../onnx/" },
  { path: "../weights/" },
  { path: "../networks/" },
  // The registry files that shape the output (the builder and the manifest writer).
  { path: "./", only: ["tiny_sd.ts", "manifest.ts", "onnx_io.ts"] },
];

async function config(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(new URL(name, CONFIGS)));
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Options of {@linkcode createTinySd}. */
export interface TinySdOptions {
  /** Registry id of the model, e.g. `tiny-sd`. */
  id: string;
  /** Model description for `models list`. */
  description: string;
  /**
   * Store the UNet and VAE weights as float16 and compute in float16 (the text encoder stays
   * float32). @default {false}
   */
  float16?: boolean;
  /**
   * Write the UNet's and VAE's attention as onnxruntime's fused `MultiHeadAttention`, as
   * `models convert` does. @default {false}
   */
  fusedAttention?: boolean;
}

/** What tells the variants apart in the recipe and the build. */
interface Variant {
  id: string;
  dtype: "float32" | "float16";
  fusedAttention: boolean;
}

function recipe(model: Variant): Promise<string> {
  const fused = model.fusedAttention ? "fused\0" : "";
  const version = `${RECIPE_VERSION}\0${model.id}\0${TINY_SD_SEED}\0${model.dtype}\0${fused}`;
  return sourceRecipe(version, import.meta.url, INPUTS);
}

async function writeGraph(
  g: GraphBuilder,
  dir: string,
  name: string,
  options: EmbeddedBuildOptions & { id: string },
): Promise<void> {
  options.signal?.throwIfAborted();
  await writeModel(g, `${dir}/${name}`, { externalData: false });
  options.onProgress?.({ type: "build", id: options.id, stage: `${name}/model.onnx` });
}

async function build(
  model: Variant,
  dir: string,
  options: EmbeddedBuildOptions = {},
): Promise<ModelManifest> {
  const weights = createRandomWeights({ seed: TINY_SD_SEED });
  const text = await config("text_encoder.json");
  const unet = await config("unet.json");
  const vae = await config("vae.json");
  // Float16 weights feed float16 ops directly; the graphs' I/O stays float32.
  const dtypes = { computeDType: model.dtype, fusedAttention: model.fusedAttention } as const;
  const write = { ...options, id: model.id };
  await writeGraph(buildClipTextEncoder(text, weights), dir, "text_encoder", write);
  await writeGraph(buildUnet(unet, weights, dtypes), dir, "unet", write);
  await writeGraph(buildVaeDecoder(vae, weights, dtypes), dir, "vae_decoder", write);
  await writeGraph(buildVaeEncoder(vae, weights, dtypes), dir, "vae_encoder", write);
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
  const layout = model.dtype === "float16"
    ? ", float16 weights and compute in the UNet and VAE (the browser layout)"
    : "";
  const attention = model.fusedAttention ? ", fused attention" : "";
  const manifest = await buildManifest(dir, {
    id: model.id,
    license: "MIT",
    description: `Embedded toy-size Stable Diffusion 1.x with seeded random weights${layout}` +
      `${attention} ` +
      "(for tests and offline runs; it draws coloured noise)",
    family: "sd1",
    defaults: { steps: 20, guidanceScale: 7.5, width: 64, height: 64, scheduler: "PNDMScheduler" },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  await writeFileAtomic(`${dir}/manifest.json`, json(manifest));
  options.onProgress?.({ type: "build", id: model.id, stage: "done" });
  return manifest;
}

/**
 * An embedded tiny model: the same network and weights whatever the options, stored and computed
 * in float32 or (UNet and VAE) float16, with standard or fused attention. The recipe covers the
 * id, the dtype and the attention, so two variants never share a cache entry.
 *
 * @example The float16 variant
 * ```ts ignore
 * const model = createTinySd({ id: "tiny-sd-f16", description: "float16", float16: true });
 * await ensureEmbedded(model, `${cacheDir}/${model.id}`);
 * ```
 */
export function createTinySd(options: TinySdOptions): EmbeddedModel {
  const model: Variant = {
    id: options.id,
    dtype: options.float16 ? "float16" : "float32",
    fusedAttention: options.fusedAttention ?? false,
  };
  return Object.freeze({
    id: model.id,
    description: options.description,
    recipe: () => recipe(model),
    build: (dir: string, buildOptions?: EmbeddedBuildOptions) => build(model, dir, buildOptions),
  });
}

/** The embedded tiny model, float32 throughout. */
export const tinySd: EmbeddedModel = createTinySd({
  id: "tiny-sd",
  description: "SD 1.x architecture at toy size, seeded random weights, 64×64 (built locally)",
});

/**
 * `tiny-sd` with float16 weights and compute in the UNet and VAE and fused attention: the layout
 * `models convert --fp16` writes for browsers.
 */
export const tinySdF16: EmbeddedModel = createTinySd({
  id: "tiny-sd-f16",
  description: "tiny-sd with float16 weights and compute in the UNet and VAE and fused " +
    "attention (the browser layout, needs shader-f16 on WebGPU; built locally)",
  float16: true,
  fusedAttention: true,
});
