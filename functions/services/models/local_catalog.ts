/**
 * A {@linkcode ModelCatalog} over models held on local disk (the registry's `LocalModel`):
 * each model is loaded once, on first use, and its files are streamed with seek for ranges.
 *
 * @module
 */
import type { ModelManifest } from "../../../shared/manifest.ts";
import { manifestFiles } from "../../../shared/manifest_files.ts";
import type { ModelCatalog } from "./catalog.ts";
import { LoadOnce } from "../load_once.ts";

/** The part of the registry's `LocalModel` the catalog needs. */
export interface LocalModelLike {
  manifest: ModelManifest;
  /** Absolute directory holding the files. */
  root: string;
}

/** Options of {@linkcode createLocalCatalog}. */
export interface LocalCatalogOptions {
  /** Loads (building or downloading if needed) a model by id. */
  load: (id: string) => Promise<LocalModelLike>;
}

/**
 * Serves the models `ids` from local disk.
 *
 * @example Usage
 * ```ts
 * const catalog = createLocalCatalog(["tiny-sd"], { load: (id) => loadModel(id) });
 * ```
 */
export function createLocalCatalog(
  ids: readonly string[],
  options: LocalCatalogOptions,
): ModelCatalog {
  // A failed load is forgotten so that the next request retries it.
  const loaded = new LoadOnce((id) => options.load(id));
  const model = (id: string) => loaded.get(id);
  return {
    ids: () => ids,
    async get(id) {
      return ids.includes(id) ? (await model(id)).manifest : null;
    },
    async file(id, path) {
      if (!ids.includes(id)) return null;
      const local = await model(id);
      const file = manifestFiles(local.manifest).find((f) => f.path === path);
      if (file === undefined) return null;
      const fullPath = `${local.root}/${file.path}`;
      return {
        file,
        async open(range) {
          const handle = await Deno.open(fullPath, { read: true });
          if (range === undefined) return handle.readable;
          await handle.seek(range.start, Deno.SeekMode.Start);
          return limitStream(handle.readable, range.end - range.start + 1);
        },
      };
    },
  };
}

/** Passes the first `length` bytes of `source` through, then cancels it (closing the file). */
function limitStream(
  source: ReadableStream<Uint8Array>,
  length: number,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let left = length;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (left <= 0) {
        controller.close();
        await reader.cancel();
        return;
      }
      const { value, done } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      const chunk = value.byteLength > left ? value.subarray(0, left) : value;
      left -= chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
