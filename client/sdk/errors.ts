/**
 * The SDK's one error class, {@linkcode SdClientError}, and the mapping from the API's error shape
 * (`{ "error": { "message", "type", "code", "param" } }`) to its codes.
 *
 * @module
 */

/** Why a generation failed, in terms a page can act on. */
export type SdClientErrorCode =
  /** The key is missing, invalid, revoked or expired. */
  | "unauthorized"
  /** The key is not allowed from this page's origin. */
  | "forbidden_origin"
  /** The key may not do this (scope). */
  | "forbidden"
  /** Too many requests; see `retryAfterSeconds`. */
  | "rate_limited"
  /** The server is busy (queue full) or down; see `retryAfterSeconds`. */
  | "unavailable"
  | "model_not_found"
  /** The server refused a parameter; see `param`. */
  | "invalid_request"
  /** A downloaded file did not match its manifest checksum. */
  | "integrity_error"
  /** The server could not be reached. */
  | "network_error"
  /** Rendering failed on every device tried. */
  | "generation_failed";

/** Options of the {@linkcode SdClientError} constructor. */
export interface SdClientErrorOptions {
  /** HTTP status, when the server answered. */
  status?: number;
  /** The server's own error code (`origin_not_allowed`, `queue_full`, ...). */
  serverCode?: string;
  /** The request field at fault. */
  param?: string;
  retryAfterSeconds?: number;
  cause?: unknown;
}

/**
 * A failure the caller can handle by `code`.
 *
 * @example Telling a rate limit apart
 * ```ts ignore
 * try {
 *   await client.generate({ prompt: "a cat" });
 * } catch (error) {
 *   if (error instanceof SdClientError && error.code === "rate_limited") {
 *     console.log(`retry in ${error.retryAfterSeconds}s`);
 *   }
 * }
 * ```
 */
export class SdClientError extends Error {
  readonly code: SdClientErrorCode;
  readonly status: number | undefined;
  readonly serverCode: string | undefined;
  readonly param: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: SdClientErrorCode, message: string, options: SdClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SdClientError";
    this.code = code;
    this.status = options.status;
    this.serverCode = options.serverCode;
    this.param = options.param;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

const ORIGIN_CODES = new Set(["origin_not_allowed", "origin_required"]);

function codeFor(status: number, serverCode: string): SdClientErrorCode {
  if (status === 401) return "unauthorized";
  if (status === 403) return ORIGIN_CODES.has(serverCode) ? "forbidden_origin" : "forbidden";
  if (status === 429) return "rate_limited";
  if (status === 503) return "unavailable";
  if (status === 404 && serverCode === "model_not_found") return "model_not_found";
  if (status >= 400 && status < 500) return "invalid_request";
  return "generation_failed";
}

/**
 * The error for a non-2xx API response (its body is consumed).
 *
 * @example Usage
 * ```ts ignore
 * if (!response.ok) throw await errorFromResponse(response);
 * ```
 */
export async function errorFromResponse(response: Response): Promise<SdClientError> {
  let body: { error?: { message?: unknown; code?: unknown; param?: unknown } } = {};
  try {
    body = await response.json();
  } catch {
    // Not the API's error shape (a proxy page, an empty body): keep the status text.
  }
  const error = body.error ?? {};
  const serverCode = typeof error.code === "string" ? error.code : "";
  const message = typeof error.message === "string" && error.message !== ""
    ? error.message
    : `The server answered ${response.status} ${response.statusText}`.trim();
  const retry = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
  return new SdClientError(codeFor(response.status, serverCode), message, {
    status: response.status,
    ...(serverCode !== "" ? { serverCode } : {}),
    ...(typeof error.param === "string" ? { param: error.param } : {}),
    ...(Number.isFinite(retry) ? { retryAfterSeconds: retry } : {}),
  });
}

/** Whether `error` is an abort (the caller's signal), which is never turned into a fallback. */
export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError" ||
    error instanceof Error && error.name === "AbortError";
}
