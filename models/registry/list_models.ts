/**
 * `listModels`: the models available in a cache directory without building or downloading
 * anything: built embedded models, pulled hub snapshots and plain model folders.
 *
 * @module
 */

import type { ModelManifest } from "../../shared/manifest.ts";
import { readJsonIfExists } from "./_files.ts";
import { EMBEDDED_MODELS } from "./embedded.ts";
import { defaultCacheDir } from "./cache_dir.ts";

/** Options of {@linkcode listModels}. */
export interface ListModelsOptions {
  /** @default {"<repo>/models/cache"} */
  cacheDir?: string;
}

/** A model found in the cache. */
export interface LocalModelEntry {
  /** The id `loadModel` accepts for it. */
  id: string;
  kind: "embedded" | "hub" | "folder";
  root: string;
  manifest: ModelManifest;
}

async function directories(path: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(path)) {
      if (entry.isDirectory && !entry.name.startsWith(".")) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return names.sort();
}

async function manifestAt(root: string): Promise<ModelManifest | null> {
  try {
    return await readJsonIfExists(`${root}/manifest.json`) as ModelManifest | null;
  } catch {
    return null; // an unreadable manifest is not a usable model
  }
}

/**
 * Every model in the cache with its id, kind and folder.
 *
 * @example
 * ```ts ignore
 * for (const { id, root } of await listLocalModels()) console.log(id, root);
 * ```
 */
export async function listLocalModels(options: ListModelsOptions = {}): Promise<LocalModelEntry[]> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const entries: LocalModelEntry[] = [];
  for (const name of await directories(cacheDir)) {
    const root = `${cacheDir}/${name}`;
    if (name.startsWith("models--")) {
      const repo = name.slice("models--".length).replace("--", "/");
      for (const commit of await directories(`${root}/snapshots`)) {
        const snapshot = `${root}/snapshots/${commit}`;
        const manifest = await manifestAt(snapshot);
        if (manifest) {
          entries.push({ id: `${repo}@${commit}`, kind: "hub", root: snapshot, manifest });
        }
      }
      continue;
    }
    const manifest = await manifestAt(root);
    if (manifest === null) continue;
    const kind = EMBEDDED_MODELS[name] ? "embedded" : "folder";
    entries.push({ id: name, kind, root, manifest });
  }
  return entries;
}

/**
 * Manifests of the models available locally (what `loadModel` can open without a network).
 *
 * @example
 * ```ts ignore
 * const ids = (await listModels({ cacheDir })).map((m) => m.id);
 * ```
 */
export async function listModels(options: ListModelsOptions = {}): Promise<ModelManifest[]> {
  return (await listLocalModels(options)).map((entry) => entry.manifest);
}
