/**
 * The full-size SD 1.5 random-weight networks of the bench cache as a servable model: the folder
 * `<cacheDir>/sd15-random-float32/` gets the standard ONNX layout around the cached networks (the
 * project's CLIP tokenizer files, the SD 1.5 network configs, the SD 1.x PNDM scheduler config)
 * and a `manifest.json` built by the registry's `buildManifest`, so the registry's
 * `loadModel(id, { cacheDir })` opens it like any plain model folder. The manifest (which hashes
 * about 4 GB) is rebuilt only when a file changed size or modification time.
 */

import { buildManifest } from "../../models/mod.ts";
import { type Component, ensureFullSizeNetwork } from "./_suite_models.ts";

/** Model id (folder name in the bench cache) of the full-size random-weight model. */
export const SD15_MODEL_ID = "sd15-random-float32";

const MODELS = new URL("../../models/", import.meta.url);

/** Small files of the layout: path in the model folder ← source in `models/`. */
const LAYOUT_FILES: Record<string, string> = {
  "tokenizer/vocab.json": "tokenizers/clip/vocab.json",
  "tokenizer/merges.txt": "tokenizers/clip/merges.txt",
  // The CLIP tokenizer settings and the PNDM schedule are those of every SD 1.x model.
  "tokenizer/tokenizer_config.json": "configs/tiny-sd/tokenizer_config.json",
  "scheduler/scheduler_config.json": "configs/tiny-sd/scheduler_config.json",
  "text_encoder/config.json": "configs/sd15/text_encoder.json",
  "unet/config.json": "configs/sd15/unet.json",
  "vae_decoder/config.json": "configs/sd15/vae.json",
};

const COMPONENTS: readonly Component[] = ["text_encoder", "unet", "vae_decoder"];

/** Writes `bytes` to `path` unless it already holds exactly them (keeps its mtime). */
async function writeIfChanged(path: string, bytes: Uint8Array): Promise<void> {
  try {
    const current = await Deno.readFile(path);
    if (current.byteLength === bytes.byteLength && current.every((b, i) => b === bytes[i])) return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeFile(`${path}.incomplete`, bytes);
  await Deno.rename(`${path}.incomplete`, path);
}

/** Size and modification time of every file, in path order: what the manifest depends on. */
async function fileStamp(root: string, paths: readonly string[]): Promise<string> {
  const parts = [];
  for (const path of [...paths].sort()) {
    const info = await Deno.stat(`${root}/${path}`);
    parts.push([path, info.size, info.mtime?.getTime() ?? 0]);
  }
  return JSON.stringify(parts);
}

/** Options of {@linkcode ensureFullSizeModel}. */
export interface FullSizeModelOptions {
  /** Root of the benchmark model cache (`--cache-dir`). */
  cacheDir: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

/**
 * Makes `<cacheDir>/sd15-random-float32/` a model folder with a manifest (building the networks
 * on first use) and returns its id for `loadModel(id, { cacheDir })`.
 *
 * @example Serve it
 * ```ts ignore
 * const id = await ensureFullSizeModel({ cacheDir });
 * const model = await loadModel(id, { cacheDir });
 * ```
 */
export async function ensureFullSizeModel(options: FullSizeModelOptions): Promise<string> {
  const root = `${options.cacheDir}/${SD15_MODEL_ID}`;
  const networks = [];
  for (const component of COMPONENTS) {
    const network = await ensureFullSizeNetwork(component, { cacheDir: options.cacheDir });
    if (network.built) options.log?.(`  built the SD 1.5 ${component} (random weights)`);
    networks.push(`${component}/model.onnx`, `${component}/model.onnx_data`);
  }
  for (const [path, source] of Object.entries(LAYOUT_FILES)) {
    await writeIfChanged(`${root}/${path}`, await Deno.readFile(new URL(source, MODELS)));
  }
  const stampPath = `${root}/bench_manifest.json`;
  const stamp = await fileStamp(root, [...networks, ...Object.keys(LAYOUT_FILES)]);
  try {
    const previous = JSON.parse(await Deno.readTextFile(stampPath));
    await Deno.stat(`${root}/manifest.json`);
    if (previous.stamp === stamp) return SD15_MODEL_ID;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound) && !(error instanceof SyntaxError)) throw error;
  }
  const start = performance.now();
  const manifest = await buildManifest(root, {
    id: SD15_MODEL_ID,
    license: "MIT",
    description: "SD 1.5 architecture with seeded random weights (benchmarks only)",
  });
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  await writeIfChanged(`${root}/manifest.json`, new TextEncoder().encode(text));
  await writeIfChanged(stampPath, new TextEncoder().encode(JSON.stringify({ stamp })));
  options.log?.(
    `  wrote the ${SD15_MODEL_ID} manifest (${((performance.now() - start) / 1000).toFixed(1)} s)`,
  );
  return SD15_MODEL_ID;
}
