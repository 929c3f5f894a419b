/**
 * `pullModel`: fetches a standard ONNX Stable Diffusion repository from the Hugging Face hub (or
 * any hub-compatible server) into the local cache, in the hub's own cache layout, verified file by
 * file, then writes the snapshot's manifest. Hub calls go through `@huggingface/hub`
 * (`modelInfo`, `listFiles`, `fileDownloadInfo`, `downloadFile`) with the injected `fetch`.
 *
 * @module
 */

import { fileDownloadInfo, HubApiError, listFiles, modelInfo } from "@huggingface/hub";
import type { ModelManifest } from "../../shared/manifest.ts";
import { dirname, exists, writeFileAtomic } from "../registry/_files.ts";
import { buildManifest } from "../registry/manifest.ts";
import { downloadBlob, type ExpectedFile } from "./_download.ts";
import { linkSnapshotFile, selectFiles } from "./_snapshot.ts";
import { isCommitHash, parseRepoRef, repoCachePaths } from "./cache_layout.ts";
import { DownloadIntegrityError, HubPullError } from "./errors.ts";

/** Progress of a pull, one union for the CLI and servers. */
export type PullEvent =
  | {
    type: "resolve";
    repo: string;
    revision: string;
    commit: string;
    files: number;
    bytes: number;
  }
  | { type: "download"; path: string; loaded: number; total: number }
  | { type: "file"; path: string; bytes: number; cached: boolean }
  | { type: "manifest"; root: string };

/** Options of {@linkcode pullModel}. */
export interface PullModelOptions {
  /** Cache directory (the registry's `cacheDir`). */
  cacheDir: string;
  /** Hub base URL (`HF_ENDPOINT`). @default {"https://huggingface.co"} */
  hubUrl?: string;
  /** Access token (`HF_TOKEN`) for private and gated repositories. */
  accessToken?: string;
  /** @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /** Retries after a dropped or short transfer, each resuming where it stopped. @default {3} */
  retries?: number;
  /** Wait before retry n is n times this. @default {1000} */
  retryDelayMs?: number;
  /** License recorded in the manifest when the model card names none. @default {"unknown"} */
  license?: string;
  /**
   * The folder of the repository holding the ONNX layout. @default {the root, or `onnx/` when
   * only that has one}
   */
  subfolder?: string;
  onProgress?(event: PullEvent): void;
  signal?: AbortSignal;
}

/** Result of {@linkcode pullModel}. */
export interface PullResult {
  repo: string;
  revision: string;
  commit: string;
  /** The model root: the snapshot directory, or its subfolder holding the layout. */
  root: string;
  manifest: ModelManifest;
  /** Bytes fetched over the network in this call. */
  downloadedBytes: number;
}

function describeHubError(error: HubApiError, what: string): HubPullError {
  const hint = error.statusCode === 401 || error.statusCode === 403
    ? " (set HF_TOKEN to a token with access to this repository)"
    : error.statusCode === 404
    ? " (check the repository name and revision)"
    : "";
  const reason = error.message.split(". URL:")[0];
  return new HubPullError(
    `Cannot ${what}: the hub answered ${error.statusCode}, ${reason}${hint}`,
    {
      status: error.statusCode,
      cause: error,
    },
  );
}

async function hubCall<T>(what: string, hubUrl: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof HubApiError) throw describeHubError(error, what);
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    if (error instanceof HubPullError || error instanceof DownloadIntegrityError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    // A network failure: say where it went, since HF_ENDPOINT may point elsewhere.
    throw new HubPullError(`Cannot ${what} from ${hubUrl}: ${message}`, { cause: error });
  }
}

function licenseOf(cardData: unknown): string | undefined {
  const license = (cardData as { license?: unknown } | undefined)?.license;
  if (typeof license === "string") return license;
  if (Array.isArray(license) && typeof license[0] === "string") return license.join(" OR ");
  return undefined;
}

/**
 * Pulls `ref` (`org/name` or `org/name@revision`) into `options.cacheDir` and returns the
 * snapshot's manifest. Files already in the cache are not downloaded again.
 *
 * @example Pull an ONNX export
 * ```ts ignore
 * const { root, manifest } = await pullModel("org/sd15-onnx", {
 *   cacheDir: "models/cache",
 *   onProgress: (e) => e.type === "download" && console.log(e.path, e.loaded, e.total),
 * });
 * ```
 */
export async function pullModel(ref: string, options: PullModelOptions): Promise<PullResult> {
  const { repo, revision } = parseRepoRef(ref);
  const { signal } = options;
  const baseFetch = options.fetch ?? globalThis.fetch;
  const fetch: typeof globalThis.fetch = signal
    ? (input, init) => baseFetch(input, { ...init, signal })
    : baseFetch;
  const hub = {
    hubUrl: (options.hubUrl ?? "https://huggingface.co").replace(/\/+$/, ""),
    fetch,
    ...(options.accessToken ? { accessToken: options.accessToken } : {}),
  };
  const paths = repoCachePaths(options.cacheDir, repo);

  const info = await hubCall(
    `resolve '${repo}@${revision}'`,
    hub.hubUrl,
    () => modelInfo({ ...hub, name: repo, revision, additionalFields: ["sha", "cardData"] }),
  );
  const commit = info.sha;
  if (typeof commit !== "string" || !isCommitHash(commit)) {
    throw new HubPullError(`Cannot resolve '${repo}@${revision}': the hub sent no commit hash`);
  }
  const entries = await hubCall(`list the files of '${repo}@${commit}'`, hub.hubUrl, async () => {
    const all = [];
    for await (const entry of listFiles({ ...hub, repo, revision: commit, recursive: true })) {
      all.push(entry);
    }
    return all;
  });
  const { files, prefix } = selectFiles(entries, `${repo}@${revision}`, options.subfolder);
  const total = files.reduce((sum, file) => sum + file.size, 0);
  options.onProgress?.({
    type: "resolve",
    repo,
    revision,
    commit,
    files: files.length,
    bytes: total,
  });

  const snapshot = paths.snapshot(commit);
  const root = prefix === "" ? snapshot : `${snapshot}/${prefix.slice(0, -1)}`;
  const hashes: Record<string, string> = {};
  let downloadedBytes = 0;
  for (const file of files) {
    signal?.throwIfAborted();
    const blob = paths.blob(file.hash);
    if (file.algorithm === "sha256") hashes[file.path.slice(prefix.length)] = file.hash;
    const cached = await exists(blob) && (await Deno.stat(blob)).size === file.size;
    if (!cached) {
      downloadedBytes += await fetchFile(blob, file, { ...options, ...hub, repo, commit });
    }
    await linkSnapshotFile(blob, `${snapshot}/${file.path}`);
    options.onProgress?.({ type: "file", path: file.path, bytes: file.size, cached });
  }

  if (revision !== commit) {
    await Deno.mkdir(dirname(paths.ref(revision)), { recursive: true });
    await writeFileAtomic(paths.ref(revision), commit);
  }
  const manifest = await buildManifest(root, {
    id: repo,
    license: licenseOf(info.cardData) ?? options.license ?? "unknown",
    source: { repo, revision: commit },
    hashes,
    ...(signal ? { signal } : {}),
  });
  await writeFileAtomic(`${root}/manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  options.onProgress?.({ type: "manifest", root });
  return { repo, revision, commit, root, manifest, downloadedBytes };
}

async function fetchFile(
  blob: string,
  file: ExpectedFile,
  options: PullModelOptions & { hubUrl: string; fetch: typeof fetch; repo: string; commit: string },
): Promise<number> {
  const what = `download '${file.path}'`;
  const hub = {
    hubUrl: options.hubUrl,
    fetch: options.fetch,
    ...(options.accessToken ? { accessToken: options.accessToken } : {}),
  };
  const info = await hubCall(
    what,
    hub.hubUrl,
    () =>
      fileDownloadInfo({ ...hub, repo: options.repo, path: file.path, revision: options.commit }),
  );
  if (info === null) {
    throw new HubPullError(`Cannot ${what}: the hub lists it but answers 404 for it`, {
      status: 404,
    });
  }
  if (info.size !== file.size) {
    throw new DownloadIntegrityError(
      file.path,
      `Cannot ${what}: the hub lists ${file.size} bytes but the file server has ${info.size}`,
    );
  }
  await Deno.mkdir(dirname(blob), { recursive: true });
  const before = await exists(`${blob}.incomplete`)
    ? (await Deno.stat(`${blob}.incomplete`)).size
    : 0;
  await hubCall(what, hub.hubUrl, () =>
    downloadBlob(blob, file, {
      ...hub,
      repo: options.repo,
      commit: options.commit,
      info,
      retries: options.retries ?? 3,
      retryDelayMs: options.retryDelayMs ?? 1000,
      onBytes: (loaded) =>
        options.onProgress?.({ type: "download", path: file.path, loaded, total: file.size }),
      ...(options.signal ? { signal: options.signal } : {}),
    }));
  return file.size - Math.min(before, file.size);
}
