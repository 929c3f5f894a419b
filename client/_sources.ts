/**
 * What a client build was made from: the files esbuild read (with the demo page's template and
 * onnxruntime-web's runtime files) and a hash of their bytes, so that `deno task start` can tell
 * a `client/dist` built from older sources (after a `git pull`) and rebuild it.
 *
 * @module
 */

/** `sources` of `client/dist/manifest.json`. */
export interface ClientSources {
  /** Paths relative to the repository root, sorted. */
  files: string[];
  /** {@linkcode contentHash} of `files`, in that order. */
  hash: string;
}

/** The repository root, where `files` are relative to. */
export const ROOT: string = new URL("..", import.meta.url).pathname;

/** The first 8 upper-case hex digits of the SHA-256 over `paths`' bytes, in order. */
export async function contentHash(paths: string[]): Promise<string> {
  const parts = await Promise.all(paths.map((path) => Deno.readFile(path)));
  const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.byteLength;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(digest.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("")
    .toUpperCase();
}

/** Hashes `files` (relative to the root) into a {@linkcode ClientSources}. */
export async function clientSources(files: Iterable<string>): Promise<ClientSources> {
  const sorted = [...new Set(files)].sort();
  return { files: sorted, hash: await contentHash(sorted.map((file) => `${ROOT}${file}`)) };
}

/**
 * Why a build recorded as `recorded` is out of date, or `null` when its sources are unchanged.
 *
 * @example
 * ```ts ignore
 * const why = await staleReason(manifest.sources);
 * if (why !== null) await buildClient();
 * ```
 */
export async function staleReason(recorded: ClientSources | undefined): Promise<string | null> {
  if (recorded === undefined) return "it records no sources (an older build)";
  try {
    const now = await clientSources(recorded.files);
    return now.hash === recorded.hash ? null : "its sources changed";
  } catch {
    return "some of its sources are gone";
  }
}
