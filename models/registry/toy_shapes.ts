/**
 * The embedded `toy-shapes` model, the default one: a trained toy-size Stable Diffusion 1.x
 * (13.8 M parameters, 64×64) that draws coloured circles, squares, triangles and rings on
 * coloured backgrounds from captions such as "a red circle on a blue background". The repository
 * carries its diffusers checkpoint as shipped (float16 safetensors, 27.7 MB, in
 * `models/embedded/toy-shapes/`, with the CLIP vocabulary of `models/tokenizers/clip/`); the
 * first use converts it with the project's own converter (`convertDiffusers`) to float32 ONNX
 * graphs (the float16 weights upcast exactly) with standard attention, in about a second and
 * without a network. Its manifest records the caption vocabulary (`vocabulary.json`) and the
 * defaults it was evaluated with (PNDM, 25 steps, guidance 7.5, 64×64).
 *
 * @module
 */

import type { ModelManifest, ModelVocabulary } from "../../shared/manifest.ts";
import { convertDiffusers } from "../convert/mod.ts";
import type { EmbeddedBuildOptions, EmbeddedModel } from "./embedded.ts";
import { writeFileAtomic } from "./_files.ts";
import { type RecipeInput, sourceRecipe } from "./_recipe.ts";
import { buildManifest } from "./manifest.ts";
import { manifestFiles } from "./verify.ts";

/** Bump to force every cache to rebuild even when no source file changed. */
const RECIPE_VERSION = "toy-shapes/1";

const ID = "toy-shapes";
const SOURCE = new URL("../embedded/toy-shapes/", import.meta.url);
const TOKENIZER = new URL("../tokenizers/clip/", import.meta.url);
/** The checkpoint's files, relative to {@linkcode SOURCE}. */
const CHECKPOINT = [
  "model_index.json",
  "scheduler/scheduler_config.json",
  "text_encoder/config.json",
  "text_encoder/model.safetensors",
  "unet/config.json",
  "unet/diffusion_pytorch_model.safetensors",
  "vae/config.json",
  "vae/diffusion_pytorch_model.safetensors",
  "tokenizer/tokenizer_config.json",
  "tokenizer/special_tokens_map.json",
];
/** Folders whose files decide the built bytes, relative to this file. */
const INPUTS: readonly RecipeInput[] = [
  ...["", "scheduler/", "text_encoder/", "unet/", "vae/", "tokenizer/"].map((folder) => ({
    path: `../embedded/toy-shapes/${folder}`,
  })),
  { path: "../tokenizers/clip/" },
  { path: "../convert/" },
  { path: "../onnx/" },
  { path: "../weights/" },
  { path: "../networks/" },
  { path: "./", only: ["toy_shapes.ts", "manifest.ts", "onnx_io.ts"] },
];

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The caption vocabulary the model was trained on (`models/embedded/toy-shapes/vocabulary.json`). */
export async function toyShapesVocabulary(): Promise<ModelVocabulary> {
  return JSON.parse(await Deno.readTextFile(new URL("vocabulary.json", SOURCE)));
}

/** Assembles the diffusers folder the converter reads: the checkpoint plus the CLIP BPE files. */
async function stageCheckpoint(dir: string): Promise<void> {
  for (const path of CHECKPOINT) {
    await Deno.mkdir(`${dir}/${path.slice(0, path.lastIndexOf("/") + 1)}`, { recursive: true });
    await Deno.copyFile(new URL(path, SOURCE), `${dir}/${path}`);
  }
  for (const name of ["vocab.json", "merges.txt"]) {
    await Deno.copyFile(new URL(name, TOKENIZER), `${dir}/tokenizer/${name}`);
  }
}

async function build(dir: string, options: EmbeddedBuildOptions = {}): Promise<ModelManifest> {
  const parent = dir.slice(0, dir.lastIndexOf("/")) || "/";
  const source = await Deno.makeTempDir({ dir: parent, prefix: `.${ID}.source-` });
  const signal = options.signal ? { signal: options.signal } : {};
  try {
    await stageCheckpoint(source);
    const converted = await convertDiffusers(source, dir, {
      id: ID,
      license: "MIT",
      // The standard MatMul–Softmax–MatMul attention: at 256 latent tokens the fused op saves
      // nothing, and the standard ops give the same image on every WebGPU adapter.
      fusedAttention: false,
      overwrite: true,
      onProgress: (event) => options.onProgress?.({ type: "build", id: ID, stage: event.path }),
      ...signal,
    });
    // The converter's manifest plus what only this model knows; its hashes are reused.
    const hashes = Object.fromEntries(manifestFiles(converted).map((f) => [f.path, f.sha256]));
    const manifest = await buildManifest(dir, {
      id: ID,
      license: "MIT",
      description: "Trained toy Stable Diffusion (13.8 M parameters, 64×64): coloured " +
        "circles, squares, triangles and rings on coloured backgrounds, from captions like " +
        `"a red circle on a blue background" (embedded, converted locally)`,
      defaults: {
        steps: 25,
        guidanceScale: 7.5,
        width: 64,
        height: 64,
        scheduler: "PNDMScheduler",
      },
      vocabulary: await toyShapesVocabulary(),
      hashes,
      ...signal,
    });
    await writeFileAtomic(`${dir}/manifest.json`, json(manifest));
    options.onProgress?.({ type: "build", id: ID, stage: "done" });
    return manifest;
  } finally {
    await Deno.remove(source, { recursive: true }).catch(() => {});
  }
}

/**
 * The embedded `toy-shapes` model (the default model of `start`, `generate` and the worker).
 *
 * @example Build it into a cache and read its vocabulary
 * ```ts ignore
 * await ensureEmbedded(toyShapes, `${cacheDir}/toy-shapes`);
 * const manifest = JSON.parse(await Deno.readTextFile(`${cacheDir}/toy-shapes/manifest.json`));
 * manifest.vocabulary.examples[0]; // "a red circle on a blue background"
 * ```
 */
export const toyShapes: EmbeddedModel = Object.freeze({
  id: ID,
  description: "Trained toy Stable Diffusion: coloured shapes on coloured backgrounds, 64×64, " +
    "the default model (converted locally from the repository's checkpoint)",
  recipe: () => sourceRecipe(`${RECIPE_VERSION}\0`, import.meta.url, INPUTS),
  build,
});
