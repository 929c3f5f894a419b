/**
 * Recipes of embedded models: a sha256 over a version string and the source files whose bytes
 * decide a build, so that a changed builder, config or weight file rebuilds the cache entry.
 * Folder-private.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** A folder of source files (not recursive), relative to `base`; `only` keeps some names. */
export interface RecipeInput {
  path: string;
  only?: readonly string[];
}

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

/**
 * The hex sha256 of `version` and every file of `inputs` (names and bytes, in a fixed order).
 *
 * @example
 * ```ts ignore
 * const recipe = await sourceRecipe("tiny-sd/1\0", import.meta.url, [{ path: "../networks/" }]);
 * ```
 */
export async function sourceRecipe(
  version: string,
  base: string | URL,
  inputs: readonly RecipeInput[],
): Promise<string> {
  const hash = createHash("sha256").update(version);
  for (const { path, only } of inputs) {
    const folder = new URL(path, base);
    for (const name of await listFiles(folder)) {
      if (only !== undefined && !only.includes(name)) continue;
      hash.update(`${path}${name}\0`).update(await Deno.readFile(new URL(name, folder)));
    }
  }
  return hash.digest("hex");
}
