/**
 * Downloads one repository file into the blob store: streamed to `<blob>.incomplete`, resumed
 * with a Range request after a dropped connection or an earlier interrupted run, checked against
 * the hub's size and hash (sha256 = the LFS oid, or the git blob sha1 for small files), then
 * renamed into place. A file that fails its check is deleted, never renamed. Folder-private.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { downloadFile, type FileDownloadInfoOutput } from "@huggingface/hub";
import { DownloadIntegrityError } from "./errors.ts";

/** What the tree listing says the file must be. */
export interface ExpectedFile {
  path: string;
  size: number;
  /** `sha256` for LFS files (their oid), `git-sha1` for files stored in git. */
  algorithm: "sha256" | "git-sha1";
  hash: string;
}

/** Options of {@linkcode downloadBlob}. */
export interface DownloadBlobOptions {
  repo: string;
  commit: string;
  hubUrl: string;
  fetch: typeof fetch;
  accessToken?: string;
  /** From `fileDownloadInfo`: the resolved URL. */
  info: FileDownloadInfoOutput;
  /** Attempts after the first one for a dropped or short transfer. */
  retries: number;
  retryDelayMs: number;
  onBytes(loaded: number): void;
  signal?: AbortSignal;
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

async function hashFile(path: string, expected: ExpectedFile): Promise<string> {
  const hash = createHash(expected.algorithm === "sha256" ? "sha256" : "sha1");
  if (expected.algorithm === "git-sha1") hash.update(`blob ${expected.size}\0`);
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(1 << 20);
  for (let n = await file.read(buffer); n !== null; n = await file.read(buffer)) {
    hash.update(buffer.subarray(0, n));
  }
  return hash.digest("hex");
}

function asError(reason: unknown): Error {
  // WebBlob.stream() aborts with the message string when the request itself fails.
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** Appends the bytes from `offset` on to `incomplete`; resolves to the bytes now on disk. */
async function transfer(
  incomplete: string,
  offset: number,
  expected: ExpectedFile,
  options: DownloadBlobOptions,
): Promise<number> {
  const blob = await downloadFile({
    repo: options.repo,
    path: expected.path,
    revision: options.commit,
    hubUrl: options.hubUrl,
    fetch: options.fetch,
    ...(options.accessToken ? { accessToken: options.accessToken } : {}),
    downloadInfo: { ...options.info, size: expected.size },
    xet: false,
  });
  if (blob === null) throw new Error(`${expected.path} disappeared from the hub`);
  const stream = offset > 0 ? blob.slice(offset).stream() : blob.stream();
  using file = await Deno.open(incomplete, { create: true, append: true });
  let written = offset;
  try {
    for await (const chunk of stream) {
      options.signal?.throwIfAborted();
      await file.write(chunk);
      written += chunk.byteLength;
      options.onBytes(written);
    }
  } catch (error) {
    throw asError(error);
  }
  return written;
}

/**
 * Downloads `expected` to `blobPath` (resuming `<blobPath>.incomplete` when it exists).
 * Throws {@linkcode DownloadIntegrityError} when the bytes do not match the listing.
 */
export async function downloadBlob(
  blobPath: string,
  expected: ExpectedFile,
  options: DownloadBlobOptions,
): Promise<void> {
  const incomplete = `${blobPath}.incomplete`;
  let lastError: Error | null = null;
  let restarted = false;
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    options.signal?.throwIfAborted();
    const offset = await fileSize(incomplete);
    if (offset >= expected.size) break;
    if (attempt > 0) await new Promise((r) => setTimeout(r, options.retryDelayMs * attempt));
    let got: number;
    try {
      got = await transfer(incomplete, offset, expected, options);
      lastError = null;
    } catch (error) {
      options.signal?.throwIfAborted();
      lastError = asError(error);
      continue;
    }
    if (got > expected.size && offset > 0 && !restarted) {
      // The server ignored the Range header and sent the whole file: start over, once.
      await Deno.remove(incomplete);
      restarted = true;
    } else if (got === offset) {
      break; // no progress: the server has no more bytes to give
    }
  }
  const size = await fileSize(incomplete);
  if (size !== expected.size) {
    if (size > expected.size) await Deno.remove(incomplete).catch(() => {});
    const why = lastError ? `: ${lastError.message}` : "";
    throw new DownloadIntegrityError(
      expected.path,
      `Cannot download '${expected.path}': got ${size} of ${expected.size} bytes${why}` +
        (size < expected.size ? " (run the pull again to resume)" : ""),
    );
  }
  const actual = await hashFile(incomplete, expected);
  if (actual !== expected.hash) {
    await Deno.remove(incomplete);
    throw new DownloadIntegrityError(
      expected.path,
      `Cannot download '${expected.path}': its ${expected.algorithm} is ${actual}, ` +
        `but the hub lists ${expected.hash}; the file was deleted`,
    );
  }
  await Deno.rename(incomplete, blobPath);
}
