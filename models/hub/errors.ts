/**
 * Errors of the hub download that callers are expected to catch. Errors the hub API itself
 * answers with are `HubApiError`s from `@huggingface/hub` (re-exported here) and are wrapped in a
 * {@linkcode HubPullError} that says what was being done and what to try.
 *
 * @module
 */

export { HubApiError } from "@huggingface/hub";

/** A downloaded file does not match what the hub listed (size or hash); nothing was kept. */
export class DownloadIntegrityError extends Error {
  /** Path of the file in the repository. */
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.name = "DownloadIntegrityError";
    this.path = path;
  }
}

/** Pulling a repository failed; `status` is the HTTP status when the hub answered with one. */
export class HubPullError extends Error {
  readonly status: number | undefined;
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = "HubPullError";
    this.status = options.status;
  }
}
