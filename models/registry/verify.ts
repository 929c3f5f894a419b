/**
 * Re-hashes a model's files against its manifest: catches truncated downloads, edited or
 * corrupted cache entries and missing files before a session fails on them.
 *
 * @module
 */

import type { ModelFile, ModelManifest } from "../../shared/manifest.ts";
import { checkRelativePath, joinPath, sha256File } from "./_files.ts";

/** Outcome for one file. */
export interface FileCheck {
  path: string;
  status: "ok" | "missing" | "size-mismatch" | "hash-mismatch";
  expected: { bytes: number; sha256: string };
  /** What is on disk; absent when the file is missing. */
  actual?: { bytes: number; sha256?: string };
}

/** Result of {@linkcode verifyModel}. */
export interface VerifyResult {
  ok: boolean;
  files: FileCheck[];
}

/** Options of {@linkcode verifyModel}. */
export interface VerifyModelOptions {
  /** Called after each file is checked. */
  onFile?(check: FileCheck): void;
  signal?: AbortSignal;
}

/**
 * Every file a manifest names (networks of every variant, external data, tokenizer), each once.
 *
 * @example
 * ```ts ignore
 * const total = manifestFiles(manifest).reduce((sum, f) => sum + f.bytes, 0);
 * ```
 */
export function manifestFiles(manifest: ModelManifest): ModelFile[] {
  const files: ModelFile[] = [];
  const variants = Object.values(manifest.variants ?? {}).flatMap((v) => Object.values(v ?? {}));
  for (const component of [...Object.values(manifest.components), ...variants]) {
    if (component === undefined) continue;
    files.push(component.model);
    if (component.externalData) files.push(component.externalData);
  }
  files.push(manifest.tokenizer.vocab, manifest.tokenizer.merges);
  const seen = new Set<string>();
  return files.filter((file) => !seen.has(file.path) && seen.add(file.path));
}

async function checkFile(root: string, file: ModelFile, signal?: AbortSignal): Promise<FileCheck> {
  checkRelativePath(file.path);
  const expected = { bytes: file.bytes, sha256: file.sha256 };
  const full = joinPath(root, file.path);
  let bytes: number;
  try {
    bytes = (await Deno.stat(full)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { path: file.path, status: "missing", expected };
    }
    throw error;
  }
  if (bytes !== file.bytes) {
    return { path: file.path, status: "size-mismatch", expected, actual: { bytes } };
  }
  const sha256 = await sha256File(full, signal);
  const status = sha256 === file.sha256 ? "ok" : "hash-mismatch";
  return { path: file.path, status, expected, actual: { bytes, sha256 } };
}

/**
 * Checks size and sha256 of every file of `manifest` under `root`.
 *
 * @example
 * ```ts ignore
 * const { ok, files } = await verifyModel(model.root, model.manifest);
 * if (!ok) console.error(files.filter((f) => f.status !== "ok"));
 * ```
 */
export async function verifyModel(
  root: string,
  manifest: ModelManifest,
  options: VerifyModelOptions = {},
): Promise<VerifyResult> {
  const files: FileCheck[] = [];
  for (const file of manifestFiles(manifest)) {
    const check = await checkFile(root, file, options.signal);
    options.onFile?.(check);
    files.push(check);
  }
  return { ok: files.every((check) => check.status === "ok"), files };
}
