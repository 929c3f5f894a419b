/**
 * Where pulled models live: the Hugging Face cache layout, so the folder can be shared with
 * `huggingface_hub` tools. For repo `org/name` under the cache dir:
 *
 * ```
 * models--org--name/
 *   blobs/<oid>                  the bytes, written once (oid: LFS sha256, else git sha1)
 *   snapshots/<commit>/<path>    relative symlinks to ../../blobs/<oid> (or copies)
 *   snapshots/<commit>/manifest.json   this project's manifest of the snapshot
 *   refs/<revision>              the commit a branch or tag resolved to
 * ```
 *
 * @module
 */

/** A hub model reference: repository and revision. */
export interface RepoRef {
  /** `org/name`. */
  repo: string;
  /** Branch, tag or commit. @default {"main"} */
  revision: string;
}

const REPO_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const COMMIT_PATTERN = /^[0-9a-f]{40}$/;

/** Whether `revision` is a full commit hash. */
export function isCommitHash(revision: string): boolean {
  return COMMIT_PATTERN.test(revision);
}

/**
 * Parses `org/name` or `org/name@revision`.
 *
 * @example
 * ```ts
 * parseRepoRef("runwayml/stable-diffusion-v1-5@onnx");
 * // { repo: "runwayml/stable-diffusion-v1-5", revision: "onnx" }
 * ```
 */
export function parseRepoRef(ref: string): RepoRef {
  const at = ref.indexOf("@");
  const repo = at === -1 ? ref : ref.slice(0, at);
  const revision = at === -1 ? "main" : ref.slice(at + 1);
  if (!REPO_PATTERN.test(repo) || repo.includes("..")) {
    throw new TypeError(
      `Cannot parse model reference '${ref}': expected 'org/name' or 'org/name@revision'`,
    );
  }
  if (
    revision === "" || revision.startsWith("/") || revision.split("/").some((p) => p === ".." || !p)
  ) {
    throw new TypeError(`Cannot parse model reference '${ref}': the revision is empty or unsafe`);
  }
  return { repo, revision };
}

/** Whether a model id names a hub repository (`org/name[@revision]`). */
export function isHubId(id: string): boolean {
  return REPO_PATTERN.test(id.split("@")[0] ?? "");
}

/** Paths of one repository's cache folder. */
export interface RepoCachePaths {
  /** `<cacheDir>/models--org--name`. */
  storage: string;
  blob(oid: string): string;
  snapshot(commit: string): string;
  ref(revision: string): string;
}

/**
 * The cache paths of `repo` under `cacheDir`.
 *
 * @example
 * ```ts
 * repoCachePaths("/cache", "org/name").snapshot("abc"); // "/cache/models--org--name/snapshots/abc"
 * ```
 */
export function repoCachePaths(cacheDir: string, repo: string): RepoCachePaths {
  const storage = `${cacheDir.replace(/\/+$/, "")}/models--${repo.replaceAll("/", "--")}`;
  return {
    storage,
    blob: (oid) => `${storage}/blobs/${oid}`,
    snapshot: (commit) => `${storage}/snapshots/${commit}`,
    ref: (revision) => `${storage}/refs/${revision}`,
  };
}

/**
 * The commit a revision resolved to when it was last pulled, or `null` when it never was.
 * A commit hash resolves to itself.
 */
export async function cachedCommit(
  cacheDir: string,
  ref: RepoRef,
): Promise<string | null> {
  if (isCommitHash(ref.revision)) return ref.revision;
  try {
    const commit = (await Deno.readTextFile(repoCachePaths(cacheDir, ref.repo).ref(ref.revision)))
      .trim();
    return isCommitHash(commit) ? commit : null;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}
