/**
 * Which files of a hub repository make up a runnable ONNX Stable Diffusion model, and how a
 * snapshot path points at its blob. Folder-private.
 *
 * @module
 */

import type { ListFileEntry } from "@huggingface/hub";
import { checkRelativePath, dirname } from "../registry/_files.ts";
import type { ExpectedFile } from "./_download.ts";

/** Folders of the standard ONNX layout that the pipeline reads (every variant the repo ships). */
const FOLDERS = [
  "text_encoder/",
  "unet/",
  "vae_decoder/",
  "vae_encoder/",
  "tokenizer/",
  "scheduler/",
  // float16 variants beside the float32 networks (`models add --variant fp16` picks them).
  "text_encoder_fp16/",
  "unet_fp16/",
  "vae_decoder_fp16/",
  "vae_encoder_fp16/",
];

/** PyTorch checkpoint files, which the ONNX layout does not use. */
const PYTORCH_WEIGHTS = /\.(safetensors|bin|ckpt|pt|pth|msgpack)$/;

/** Files without which the model cannot run. */
const REQUIRED = [
  "model_index.json",
  "text_encoder/model.onnx",
  "unet/model.onnx",
  "vae_decoder/model.onnx",
  "tokenizer/vocab.json",
  "tokenizer/merges.txt",
  "scheduler/scheduler_config.json",
];

/** The ONNX layout's root inside a repository listing: `subfolder`, else the root or `onnx/`. */
function layoutPrefix(entries: readonly ListFileEntry[], subfolder: string | undefined): string {
  if (subfolder !== undefined) return `${subfolder.replace(/^\/+|\/+$/g, "")}/`;
  const has = (path: string) => entries.some((entry) => entry.path === path);
  return !has("unet/model.onnx") && has("onnx/unet/model.onnx") ? "onnx/" : "";
}

/**
 * Picks the files to download from a recursive tree listing and says how to check each one; the
 * layout may sit in `subfolder` (or in `onnx/`, found by itself). Throws a `TypeError` naming the
 * missing files when the repository is not an ONNX SD layout.
 */
export function selectFiles(
  entries: readonly ListFileEntry[],
  label: string,
  subfolder?: string,
): { files: ExpectedFile[]; prefix: string } {
  const prefix = layoutPrefix(entries, subfolder);
  const files: ExpectedFile[] = [];
  for (const entry of entries) {
    if (entry.type !== "file" || !entry.path.startsWith(prefix)) continue;
    const path = entry.path;
    const inner = path.slice(prefix.length);
    if (inner !== "model_index.json" && !FOLDERS.some((folder) => inner.startsWith(folder))) {
      continue;
    }
    // Repositories that ship the PyTorch weights beside the ONNX export (e.g. an optimum export
    // added to a diffusers repo): the ONNX layout never reads them.
    if (PYTORCH_WEIGHTS.test(path)) continue;
    checkRelativePath(path);
    if (entry.lfs) {
      files.push({ path, size: entry.lfs.size, algorithm: "sha256", hash: entry.lfs.oid });
    } else if (entry.oid) {
      files.push({ path, size: entry.size, algorithm: "git-sha1", hash: entry.oid });
    } else {
      throw new TypeError(`Cannot pull '${label}': the hub lists no hash for '${path}'`);
    }
  }
  const missing = REQUIRED.map((path) => prefix + path)
    .filter((path) => !files.some((file) => file.path === path));
  if (missing.length > 0) {
    throw new TypeError(
      `Cannot pull '${label}': it is not an ONNX Stable Diffusion layout, ${missing.join(", ")} ` +
        `missing (for a diffusers PyTorch checkpoint, download it and run 'deno task models ` +
        `add <folder>')`,
    );
  }
  for (const file of files) {
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(file.hash)) {
      throw new TypeError(`Cannot pull '${label}': '${file.path}' has a malformed hash`);
    }
  }
  return { files, prefix };
}

/**
 * Makes `pointer` (a snapshot path) refer to `blob`: a relative symlink like the hub cache,
 * or a copy where symlinks are not allowed. Replaces an existing pointer atomically.
 */
export async function linkSnapshotFile(blob: string, pointer: string): Promise<void> {
  const folder = dirname(pointer);
  await Deno.mkdir(folder, { recursive: true });
  const storage = dirname(dirname(blob));
  const depth = folder.slice(storage.length + 1).split("/").length;
  const target = `${"../".repeat(depth)}blobs/${blob.slice(blob.lastIndexOf("/") + 1)}`;
  const temp = `${pointer}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  try {
    try {
      await Deno.symlink(target, temp);
    } catch {
      await Deno.copyFile(blob, temp);
    }
    await Deno.rename(temp, pointer);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
