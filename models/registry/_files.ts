/**
 * File helpers for the registry: streaming sha256, manifest file records, atomic writes and
 * path checks. Folder-private.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { ModelFile } from "../../shared/manifest.ts";

/** Lower-case hex sha256 of a file, read in chunks (never the whole file in memory). */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(1 << 20);
  while (true) {
    signal?.throwIfAborted();
    const n = await file.read(buffer);
    if (n === null) break;
    hash.update(buffer.subarray(0, n));
  }
  return hash.digest("hex");
}

/** Lower-case hex sha256 of bytes in memory. */
export function sha256Bytes(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Options of {@linkcode describeFile}. */
export interface DescribeFileOptions {
  /** The sha256 when it is already known (a verified download): the file is not read. */
  sha256?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** The manifest record of `root/path`: size and sha256. */
export async function describeFile(
  root: string,
  path: string,
  options: DescribeFileOptions = {},
): Promise<ModelFile> {
  const full = joinPath(root, path);
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(full);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new TypeError(`Cannot read the model in '${root}': '${path}' is missing`);
    }
    throw error;
  }
  const sha256 = options.sha256 ?? await sha256File(full, options.signal);
  return { path, bytes: stat.size, sha256 };
}

/** Joins a root directory and a `/`-separated relative path. */
export function joinPath(root: string, path: string): string {
  return `${root.replace(/\/+$/, "")}/${path}`;
}

/**
 * Throws a `TypeError` unless `path` is relative and stays inside its root (no `..`, no absolute
 * path, no empty segment): paths come from manifests and hub listings, which are not trusted.
 */
export function checkRelativePath(path: string): void {
  const parts = path.split("/");
  if (
    path.length === 0 || path.startsWith("/") || path.includes("\\") ||
    parts.some((part) => part === "" || part === "." || part === "..")
  ) {
    throw new TypeError(`Cannot use path '${path}': it must be relative and stay inside the model`);
  }
}

/** Whether `path` exists (a dangling symlink counts as missing). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Reads and parses a JSON file, or returns `null` when the file does not exist. */
export async function readJsonIfExists(path: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new TypeError("not an object");
    }
    return value as Record<string, unknown>;
  } catch (error) {
    throw new TypeError(`Cannot parse '${path}': it is not a JSON object`, { cause: error });
  }
}

/** Writes `data` to `path` through a temporary file and a rename, so readers never see half. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = `${path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(temp, data);
    else await Deno.writeFile(temp, data);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/** Parent directory of a `/`-separated path. */
export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}
