/**
 * The files a model manifest names, walked in one place for every host: the edge's file listing
 * and range reads, and the registry's download, load and verify steps.
 *
 * @module
 */

import type { ModelFile, ModelManifest } from "./manifest.ts";

/**
 * Every file reference a manifest holds (networks of every variant, external data, tokenizer), in
 * manifest order, a path named twice listed twice. The objects are the manifest's own, so a caller
 * may annotate them in place.
 *
 * @example Usage
 * ```ts ignore
 * for (const file of manifestFileRefs(copy)) Object.assign(file, { url: urlOf(file) });
 * ```
 */
export function manifestFileRefs(manifest: ModelManifest): ModelFile[] {
  const files: ModelFile[] = [];
  const variants = Object.values(manifest.variants ?? {}).flatMap((v) => Object.values(v ?? {}));
  for (const component of [...Object.values(manifest.components), ...variants]) {
    if (component === undefined) continue;
    files.push(component.model);
    if (component.externalData !== undefined) files.push(component.externalData);
  }
  files.push(manifest.tokenizer.vocab, manifest.tokenizer.merges);
  return files;
}

/**
 * Every file a manifest names, each path once (the first reference to it).
 *
 * @example Usage
 * ```ts ignore
 * const total = manifestFiles(manifest).reduce((sum, f) => sum + f.bytes, 0);
 * ```
 */
export function manifestFiles(manifest: ModelManifest): ModelFile[] {
  const seen = new Set<string>();
  return manifestFileRefs(manifest).filter((file) => !seen.has(file.path) && seen.add(file.path));
}
