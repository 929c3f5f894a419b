/**
 * Model file downloads for in-browser rendering: streamed with progress, verified against the
 * manifest's sha256 (WebCrypto) and kept in the Cache API so a reload does not download them
 * again. When storage is short (quota), files are used without being cached.
 *
 * @module
 */

import type { ModelFile } from "../../shared/manifest.ts";
import type { Api } from "./_http.ts";
import { SdClientError } from "./errors.ts";

/** The Cache API bucket of model files. Bump the suffix when the stored format changes. */
export const MODEL_CACHE_NAME = "sd-edge-models-v1";

/** A manifest file with its download URL (as `GET /v1/models/:id` returns them). */
export type RemoteModelFile = ModelFile & { url: string };

/** Options of {@linkcode fetchModelFile}. */
export interface FetchModelFileOptions {
  api: Api;
  /** Where files are kept; `null` disables caching. */
  caches: CacheStorage | null;
  /** Reports bytes so far; `cached` is true when the file came from the cache. */
  onProgress?(loaded: number, total: number, cached: boolean): void;
  signal?: AbortSignal;
  /** Storage estimate, for skipping the cache when it cannot hold the file. */
  storage?: Pick<StorageManager, "estimate"> | null;
}

function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Lower-case hex sha256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

async function readCached(
  cache: Cache | null,
  file: RemoteModelFile,
): Promise<Uint8Array<ArrayBuffer> | null> {
  const hit = await cache?.match(file.url) ?? null;
  if (hit === null) return null;
  const bytes = new Uint8Array(await hit.arrayBuffer());
  // Entries are verified before they are stored; a truncated one is dropped and fetched again.
  if (bytes.byteLength === file.bytes) return bytes;
  await cache?.delete(file.url);
  return null;
}

async function download(
  file: RemoteModelFile,
  options: FetchModelFileOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  const response = await options.api.request(file.url, {
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const bytes = new Uint8Array(file.bytes);
  let loaded = 0;
  const reader = response.body?.getReader();
  if (reader === undefined) throw new SdClientError("network_error", `No body for ${file.path}`);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.byteLength > bytes.byteLength) {
      await reader.cancel();
      throw new SdClientError(
        "integrity_error",
        `'${file.path}' is larger than the ${file.bytes} bytes its manifest lists`,
      );
    }
    bytes.set(value, loaded);
    loaded += value.byteLength;
    options.onProgress?.(loaded, file.bytes, false);
  }
  if (loaded !== file.bytes) {
    throw new SdClientError(
      "integrity_error",
      `'${file.path}' ended after ${loaded} of ${file.bytes} bytes`,
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== file.sha256) {
    throw new SdClientError(
      "integrity_error",
      `'${file.path}' does not match its manifest checksum: expected sha256 ${file.sha256}, ` +
        `got ${actual}`,
    );
  }
  return bytes;
}

async function store(
  cache: Cache,
  file: RemoteModelFile,
  bytes: Uint8Array<ArrayBuffer>,
  options: FetchModelFileOptions,
) {
  try {
    const estimate = await options.storage?.estimate();
    const free = estimate?.quota !== undefined ? estimate.quota - (estimate.usage ?? 0) : Infinity;
    if (free < bytes.byteLength * 1.1) return;
    await cache.put(
      file.url,
      new Response(bytes, {
        headers: {
          "Content-Type": "application/octet-stream",
          "Content-Length": String(file.bytes),
        },
      }),
    );
  } catch {
    // QuotaExceededError and friends: the file is used for this run without being kept.
  }
}

/**
 * The bytes of a model file: from the cache when present, otherwise downloaded, verified and
 * cached.
 *
 * @throws {SdClientError} `integrity_error` when the bytes do not match the manifest.
 *
 * @example Usage
 * ```ts ignore
 * const unet = await fetchModelFile(manifest.components.unet.model, { api, caches });
 * ```
 */
export async function fetchModelFile(
  file: RemoteModelFile,
  options: FetchModelFileOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  let cache: Cache | null = null;
  try {
    cache = await options.caches?.open(MODEL_CACHE_NAME) ?? null;
  } catch {
    // Storage disabled (private mode, opaque origin): no caching.
  }
  const cached = await readCached(cache, file).catch(() => null);
  if (cached !== null) {
    options.onProgress?.(file.bytes, file.bytes, true);
    return cached;
  }
  options.signal?.throwIfAborted();
  const bytes = await download(file, options);
  if (cache !== null) await store(cache, file, bytes, options);
  return bytes;
}
