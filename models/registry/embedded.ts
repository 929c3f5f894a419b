/**
 * Embedded models: models the project builds itself (no download), materialised in the cache on
 * first use. A build goes to a private temporary folder and is renamed into place, so concurrent
 * processes never see half a model; a `.recipe` file records what built it, and a cache entry
 * whose recipe differs from the current one (a changed builder or config) is rebuilt.
 *
 * @module
 */

import type { ModelManifest } from "../../shared/manifest.ts";
import { exists, writeFileAtomic } from "./_files.ts";
import { tinySd, tinySdF16 } from "./tiny_sd.ts";
import { toyShapes } from "./toy_shapes.ts";

/** Progress of an embedded build. */
export interface BuildEvent {
  type: "build";
  id: string;
  /** The file just written, or `done`. */
  stage: string;
}

/** Options of an embedded model's `build`. */
export interface EmbeddedBuildOptions {
  onProgress?(event: BuildEvent): void;
  signal?: AbortSignal;
}

/** A model the registry can build without a network. */
export interface EmbeddedModel {
  id: string;
  description: string;
  /** Identifies the exact build: changes whenever the output bytes could change. */
  recipe(): Promise<string>;
  /** Writes the full model folder (with `manifest.json`) into the empty folder `dir`. */
  build(dir: string, options?: EmbeddedBuildOptions): Promise<ModelManifest>;
}

/** The embedded models by id; the first is the default model. */
export const EMBEDDED_MODELS: Readonly<Record<string, EmbeddedModel>> = Object.freeze({
  [toyShapes.id]: toyShapes,
  [tinySd.id]: tinySd,
  [tinySdF16.id]: tinySdF16,
});

async function readRecipe(dir: string): Promise<string | null> {
  try {
    return (await Deno.readTextFile(`${dir}/.recipe`)).trim();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/** Whether `dir` holds a complete build of `recipe`. */
export async function isCurrentBuild(dir: string, recipe: string): Promise<boolean> {
  return await readRecipe(dir) === recipe && await exists(`${dir}/manifest.json`);
}

/**
 * Builds `model` into `dir` unless a current build is already there; returns the folder.
 * `force` rebuilds even a current build.
 */
export async function ensureEmbedded(
  model: EmbeddedModel,
  dir: string,
  options: EmbeddedBuildOptions & { force?: boolean } = {},
): Promise<string> {
  const recipe = await model.recipe();
  if (!options.force && await isCurrentBuild(dir, recipe)) return dir;
  const parent = dir.slice(0, dir.lastIndexOf("/")) || "/";
  const name = dir.slice(dir.lastIndexOf("/") + 1);
  await Deno.mkdir(parent, { recursive: true });
  const temp = await Deno.makeTempDir({ dir: parent, prefix: `.${name}.build-` });
  try {
    await model.build(temp, options);
    await writeFileAtomic(`${temp}/.recipe`, `${recipe}\n`);
    await swapIn(temp, dir, recipe, options.force === true);
  } finally {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
  }
  return dir;
}

/** Renames `temp` to `dir`, moving an outdated `dir` out of the way first. */
async function swapIn(temp: string, dir: string, recipe: string, force: boolean): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await Deno.rename(temp, dir);
      return;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists) && !isNotEmpty(error)) throw error;
    }
    // Another process may have finished the same build meanwhile: keep theirs.
    if (!force && await isCurrentBuild(dir, recipe)) return;
    const old = `${dir}.old-${crypto.randomUUID().slice(0, 8)}`;
    await Deno.rename(dir, old).catch(() => {});
    await Deno.remove(old, { recursive: true }).catch(() => {});
  }
  throw new Error(`Cannot replace '${dir}': it keeps being recreated`);
}

function isNotEmpty(error: unknown): boolean {
  return error instanceof Error && /not empty|ENOTEMPTY|os error 39/i.test(error.message);
}
