/**
 * The served models as the routes see them: manifests by id and random access to their files.
 * `local_catalog.ts` implements it over the models registry's local cache.
 *
 * @module
 */
import type { ModelFile, ModelManifest } from "../../../shared/manifest.ts";

/** Inclusive byte range. */
export interface ByteRange {
  start: number;
  end: number;
}

/** One file of a served model. */
export interface ModelFileHandle {
  file: ModelFile;
  /** Streams the file, or the inclusive `range` of it. */
  open(range?: ByteRange): Promise<ReadableStream<Uint8Array>>;
}

/** The served models. */
export interface ModelCatalog {
  /** Ids of the served models; the first is the default. */
  ids(): readonly string[];
  /** The manifest of a served model, `null` when `id` is not served. */
  get(id: string): Promise<ModelManifest | null>;
  /** A file of a served model by manifest path, `null` when absent. */
  file(id: string, path: string): Promise<ModelFileHandle | null>;
}

/**
 * Every file a manifest references (graphs of every variant, external data, tokenizer files).
 *
 * @example Usage
 * ```ts
 * manifestFiles(manifest).map((f) => f.path); // ["text_encoder/model.onnx", ...]
 * ```
 */
export function manifestFiles(manifest: ModelManifest): ModelFile[] {
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
