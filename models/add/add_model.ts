/**
 * `addModel`: makes a model folder or hub repository servable under an id in the model cache, in
 * one step: a standard ONNX export gets its manifest (files linked, not copied), a diffusers
 * checkpoint is converted, a hub repository is pulled first. Everything is staged next to the
 * target and renamed into place, so a refusal leaves nothing behind.
 *
 * @module
 */

import type { ModelManifest, ModelVariant } from "../../shared/manifest.ts";
import { convertDiffusers } from "../convert/mod.ts";
import { isHubId, parseRepoRef, pullModel, type PullModelOptions } from "../hub/mod.ts";
import { exists, joinPath, writeFileAtomic } from "../registry/_files.ts";
import { buildManifest } from "../registry/manifest.ts";
import { manifestFiles } from "../registry/verify.ts";
import { detectLayout, ModelLayoutError } from "./_layout.ts";

/** Progress of {@linkcode addModel}. */
export type AddModelEvent =
  | { type: "pull"; repo: string }
  | { type: "layout"; kind: "onnx" | "diffusers"; root: string }
  | { type: "file"; path: string };

/** Options of {@linkcode addModel}. */
export interface AddModelOptions {
  /** The model cache; the model lands in `<cacheDir>/<id>`. */
  cacheDir: string;
  /** @default {the folder's (or repository's) name} */
  id?: string;
  /** Which networks to serve where the export ships several. @default {"fp32"} */
  variant?: ModelVariant;
  /** The model's folder inside the folder or repository (e.g. `onnx`). */
  subfolder?: string;
  /** @default {"unknown"} */
  license?: string;
  /** Overrides of the generation defaults the manifest derives (steps, guidance, scheduler). */
  defaults?: Partial<ModelManifest["defaults"]>;
  /** Replace a model already added under this id. @default {false} */
  force?: boolean;
  /** Hub access for `org/name[@rev]` sources (endpoint, token, fetch, retries). */
  hub?: Omit<PullModelOptions, "cacheDir" | "signal" | "onProgress">;
  onProgress?(event: AddModelEvent): void;
  signal?: AbortSignal;
}

/** What {@linkcode addModel} did. */
export interface AddModelResult {
  id: string;
  /** `<cacheDir>/<id>`. */
  root: string;
  kind: "onnx" | "diffusers";
  manifest: ModelManifest;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function defaultId(source: string, variant: ModelVariant | undefined): string {
  const name = source.replace(/\/+$/, "").split(/[/@]/).filter(Boolean).at(
    isHubId(source) ? 1 : -1,
  ) ?? "model";
  const clean = name.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "model";
  return variant === "fp16" ? `${clean}-fp16` : clean;
}

async function isFolder(path: string): Promise<boolean> {
  return (await Deno.stat(path).catch(() => null))?.isDirectory ?? false;
}

/** Links every file the manifest names from `source` into `stage`, mirroring the paths. */
async function linkFiles(source: string, stage: string, manifest: ModelManifest): Promise<void> {
  const real = await Deno.realPath(source);
  for (const file of manifestFiles(manifest)) {
    const target = joinPath(stage, file.path);
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    await Deno.symlink(joinPath(real, file.path), target);
  }
}

/**
 * Adds the model at `source` (a folder, or `org/name[@revision]` on the hub) to the cache.
 *
 * @throws {TypeError} (one line naming the missing file and the fixing command) for a folder that
 * is no supported model, an unbuildable config, a taken id or a bad option.
 *
 * @example Serve an ONNX export
 * ```ts ignore
 * const { id } = await addModel("./sd-turbo-onnx", { cacheDir: "models/cache" });
 * // SD_MODELS=sd-turbo-onnx deno task start
 * ```
 */
export async function addModel(source: string, options: AddModelOptions): Promise<AddModelResult> {
  const { cacheDir, signal } = options;
  const id = options.id ?? defaultId(source, options.variant);
  if (!ID.test(id)) {
    throw new TypeError(
      `Cannot add '${source}' as '${id}': an id is letters, digits, '.', '_' and '-' (pass --id)`,
    );
  }
  const root = joinPath(cacheDir, id);
  if (!options.force && await exists(root)) {
    throw new TypeError(
      `Cannot add '${source}' as '${id}': '${root}' already exists (pass --force to replace ` +
        `it, or --id <another id>)`,
    );
  }
  let folder = source;
  let subfolder = options.subfolder;
  if (!await isFolder(source) && isHubId(source)) {
    const ref = parseRepoRef(source);
    options.onProgress?.({ type: "pull", repo: ref.repo });
    // The pull downloads only the subfolder and gives its path.
    folder = (await pullModel(source, {
      ...options.hub,
      cacheDir,
      ...(subfolder === undefined ? {} : { subfolder }),
      ...(signal ? { signal } : {}),
    })).root;
    subfolder = undefined;
  }
  const layout = await detectLayout(folder, {
    ...(subfolder === undefined ? {} : { subfolder }),
    ...(options.variant === undefined ? {} : { variant: options.variant }),
  });
  options.onProgress?.({ type: "layout", kind: layout.kind, root: layout.root });
  const license = options.license ?? "unknown";
  await Deno.mkdir(cacheDir, { recursive: true });
  if (layout.kind === "diffusers") {
    const fp16 = options.variant === "fp16";
    let manifest: ModelManifest;
    try {
      manifest = await convertDiffusers(layout.root, root, {
        id,
        license,
        ...(options.defaults ? { defaults: options.defaults } : {}),
        overwrite: options.force ?? false,
        ...(fp16
          ? { weightDType: "float16", computeDType: "float16", checkpointVariant: "fp16" }
          : {}),
        onProgress: (event) => options.onProgress?.({ type: "file", path: event.path }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      throw new ModelLayoutError(
        `Cannot add '${source}': ${error.message.replace(/^Cannot convert [^:]*: /, "")}; ` +
          `export it to ONNX instead ('optimum-cli export onnx --model ${source} <out>') and run ` +
          `'deno task models add <out>'`,
      );
    }
    return { id, root, kind: "diffusers", manifest };
  }
  const manifest = await buildManifest(layout.root, {
    id,
    license,
    ...(options.defaults ? { defaults: options.defaults } : {}),
    ...(options.variant === undefined ? {} : { variant: options.variant }),
    ...(signal ? { signal } : {}),
  });
  const stage = await Deno.makeTempDir({ dir: cacheDir, prefix: `.${id}.add-` });
  try {
    await Deno.chmod(stage, 0o755);
    await linkFiles(layout.root, stage, manifest);
    await writeFileAtomic(`${stage}/manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`);
    options.onProgress?.({ type: "file", path: "manifest.json" });
    if (await exists(root)) await Deno.remove(root, { recursive: true });
    await Deno.rename(stage, root);
  } finally {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
  }
  return { id, root, kind: "onnx", manifest };
}
