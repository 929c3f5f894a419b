/**
 * `loadModel`: turns a model id into a local folder and its manifest. Ids are an embedded model
 * (`tiny-sd` or `tiny-sd-f16`, built into the cache on first use), a hub repository pulled earlier
 * (`org/name[@revision]`, found in the hub-layout cache), a folder under the cache dir
 * (`my-model`, e.g. a conversion output or `models add`), or a path to a model folder (`./out`,
 * `/models/x`; a plain ONNX export without manifest.json gets one built in memory).
 *
 * @module
 */

import type { ModelManifest } from "../../shared/manifest.ts";
import { cachedCommit, isHubId, parseRepoRef, repoCachePaths } from "../hub/cache_layout.ts";
import { type PullEvent, pullModel, type PullModelOptions } from "../hub/pull.ts";
import { defaultCacheDir } from "./cache_dir.ts";
import { checkRelativePath, exists, joinPath, readJsonIfExists } from "./_files.ts";
import { type BuildEvent, EMBEDDED_MODELS, ensureEmbedded } from "./embedded.ts";
import { ModelIntegrityError, ModelNotFoundError } from "./errors.ts";
import { manifestFiles } from "./verify.ts";
import { buildManifest } from "./manifest.ts";
import { detectLayout } from "../add/_layout.ts";

/** A model on local disk. */
export interface LocalModel {
  manifest: ModelManifest;
  /** Absolute directory holding the files. */
  root: string;
  /** Reads a file by its manifest path (relative to `root`). */
  readFile(path: string): Promise<Uint8Array>;
}

/** Progress while a model is made available: an embedded build or a hub download. */
export type LoadModelEvent = BuildEvent | PullEvent;

/** Options of {@linkcode loadModel}. */
export interface LoadModelOptions {
  /** Model cache (`SD_MODELS_DIR` at entry points). @default {"<repo>/models/cache"} */
  cacheDir?: string;
  onProgress?(event: LoadModelEvent): void;
  signal?: AbortSignal;
  /**
   * Pull hub models missing from the cache with these hub options (`hubUrl`, `accessToken`,
   * `fetch`). Without it a missing hub model is a {@linkcode ModelNotFoundError}.
   */
  pull?: Omit<PullModelOptions, "cacheDir" | "onProgress" | "signal">;
}

const LOCAL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

async function readManifest(root: string): Promise<ModelManifest | null> {
  return await readJsonIfExists(`${root}/manifest.json`) as ModelManifest | null;
}

/** Checks that every manifest file is present with its recorded size (no hashing). */
async function checkSizes(id: string, root: string, manifest: ModelManifest): Promise<void> {
  for (const file of manifestFiles(manifest)) {
    checkRelativePath(file.path);
    let size = -1;
    try {
      size = (await Deno.stat(joinPath(root, file.path))).size;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (size !== file.bytes) {
      const found = size < 0 ? "is missing" : `has ${size} bytes`;
      throw new ModelIntegrityError(
        id,
        `Cannot load model '${id}': '${file.path}' ${found} in '${root}', the manifest says ` +
          `${file.bytes} bytes (run 'deno task models verify ${id}')`,
      );
    }
  }
}

function localModel(manifest: ModelManifest, root: string): LocalModel {
  return {
    manifest,
    root,
    async readFile(path) {
      checkRelativePath(path);
      return await Deno.readFile(joinPath(root, path));
    },
  };
}

// One build per folder at a time within this process; across processes the rename decides.
const pendingBuilds = new Map<string, Promise<string>>();

async function resolveRoot(
  id: string,
  options: LoadModelOptions,
  materialise: boolean,
): Promise<string> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const embedded = EMBEDDED_MODELS[id];
  if (embedded && !materialise) {
    const dir = `${cacheDir}/${id}`;
    if (await exists(`${dir}/manifest.json`)) return dir;
    throw new ModelNotFoundError(
      id,
      `Cannot find model '${id}': it is not built yet (run 'deno task models build ${id}')`,
    );
  }
  if (embedded) {
    const dir = `${cacheDir}/${id}`;
    let pending = pendingBuilds.get(dir);
    if (pending === undefined) {
      pending = ensureEmbedded(embedded, dir, options).finally(() => pendingBuilds.delete(dir));
      pendingBuilds.set(dir, pending);
    }
    return await pending;
  }
  if (isPath(id)) {
    const root = await Deno.realPath(id).catch(() => null);
    if (root === null) {
      throw new ModelNotFoundError(id, `Cannot load model '${id}': there is no such folder`);
    }
    return root;
  }
  if (isHubId(id)) {
    const ref = parseRepoRef(id);
    const commit = await cachedCommit(cacheDir, ref);
    const root = commit === null ? null : repoCachePaths(cacheDir, ref.repo).snapshot(commit);
    if (root !== null && await exists(`${root}/manifest.json`)) return root;
    if (options.pull && materialise) {
      const pulled = await pullModel(id, {
        ...options.pull,
        cacheDir,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return pulled.root;
    }
    throw new ModelNotFoundError(
      id,
      `Cannot load model '${id}': it is not in the cache '${cacheDir}' ` +
        `(run 'deno task models pull ${id}')`,
    );
  }
  if (LOCAL_NAME.test(id) && await exists(`${cacheDir}/${id}/manifest.json`)) {
    return `${cacheDir}/${id}`;
  }
  const known = Object.keys(EMBEDDED_MODELS).join(", ");
  throw new ModelNotFoundError(
    id,
    `Cannot load model '${id}': it is not an embedded model (${known}), a pulled hub repository ` +
      `('org/name') or a model folder in '${cacheDir}'`,
  );
}

const isPath = (id: string) => id.startsWith("/") || id.startsWith("./") || id.startsWith("../");

/**
 * A plain ONNX export at `root` (no manifest.json): its manifest, built in memory. A diffusers
 * checkpoint must be converted once, by `models add`.
 */
async function plainFolder(id: string, root: string, options: LoadModelOptions) {
  const layout = await detectLayout(id);
  if (layout.kind === "diffusers") {
    throw new ModelNotFoundError(
      id,
      `Cannot load model '${id}' directly: it is a diffusers checkpoint, convert it once with ` +
        `'deno task models add ${id}'`,
    );
  }
  const name = root.slice(root.lastIndexOf("/") + 1);
  const manifest = await buildManifest(layout.root, {
    id: LOCAL_NAME.test(name) ? name : "model",
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { root: layout.root, manifest };
}

async function locate(
  id: string,
  options: LoadModelOptions,
  materialise: boolean,
): Promise<{ root: string; manifest: ModelManifest }> {
  const root = await resolveRoot(id, options, materialise);
  if (isPath(id) && !await exists(`${root}/manifest.json`)) {
    return await plainFolder(id, root, options);
  }
  const manifest = await readManifest(root);
  if (manifest === null) {
    throw new ModelNotFoundError(id, `Cannot load model '${id}': '${root}/manifest.json' is gone`);
  }
  return { root, manifest };
}

/**
 * Finds the model `id` on disk as it is: no build, no download, no file checks (for `verify`).
 * Throws {@linkcode ModelNotFoundError} when it is not there.
 *
 * @example
 * ```ts ignore
 * const { root, manifest } = await findModel("org/name", { cacheDir });
 * ```
 */
export function findModel(
  id: string,
  options: Pick<LoadModelOptions, "cacheDir"> = {},
): Promise<{ root: string; manifest: ModelManifest }> {
  return locate(id, options, false);
}

/**
 * Makes the model `id` available locally and returns its manifest and files.
 *
 * @example Load the embedded tiny model (built on first use)
 * ```ts ignore
 * const model = await loadModel("tiny-sd");
 * const unet = await model.readFile(model.manifest.components.unet.model.path);
 * ```
 */
export async function loadModel(id: string, options: LoadModelOptions = {}): Promise<LocalModel> {
  if (typeof id !== "string" || id.length === 0) {
    throw new TypeError(
      `Cannot load a model as 'id' must be a non-empty string: current value is '${id}'`,
    );
  }
  options.signal?.throwIfAborted();
  const { root, manifest } = await locate(id, options, true);
  try {
    await checkSizes(id, root, manifest);
  } catch (error) {
    const embedded = EMBEDDED_MODELS[id];
    if (!(error instanceof ModelIntegrityError) || !embedded) throw error;
    // A damaged build of an embedded model is simply rebuilt.
    await ensureEmbedded(embedded, root, { ...options, force: true });
    const rebuilt = await readManifest(root);
    if (rebuilt === null) throw error;
    await checkSizes(id, root, rebuilt);
    return localModel(rebuilt, root);
  }
  return localModel(manifest, root);
}
